import { useTranslation } from 'react-i18next';

export function PaymentsTab() {
  const { t } = useTranslation('payments');
  return (
    <section aria-labelledby="payments-title">
      <h1 id="payments-title">{t('title')}</h1>
    </section>
  );
}
