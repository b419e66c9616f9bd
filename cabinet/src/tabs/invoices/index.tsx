import { useTranslation } from 'react-i18next';

/** Placeholder: the invoices tab (owned by the invoices/settings helper). */
export function InvoicesTab() {
  const { t } = useTranslation('invoices');
  return (
    <section aria-labelledby="invoices-title">
      <h1 id="invoices-title">{t('title')}</h1>
      <p>{t('placeholder')}</p>
    </section>
  );
}
