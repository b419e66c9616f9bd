import { useTranslation } from 'react-i18next';

export function StatisticsTab() {
  const { t } = useTranslation('statistics');
  return (
    <section aria-labelledby="statistics-title">
      <h1 id="statistics-title">{t('title')}</h1>
    </section>
  );
}
