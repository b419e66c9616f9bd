import { useTranslation } from 'react-i18next';

/** Placeholder: the settings tab (owned by the invoices/settings helper). */
export function SettingsTab() {
  const { t } = useTranslation('settings');
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t('title')}</h1>
      <p>{t('placeholder')}</p>
    </section>
  );
}
