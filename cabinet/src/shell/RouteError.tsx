import { useTranslation } from 'react-i18next';
import { isRouteErrorResponse, useRouteError } from 'react-router';

/** What a tab shows when it cannot load (a failed chunk after a deploy, a bug). */
export function RouteError() {
  const { t } = useTranslation('common');
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <div role="alert" className="alert alert-error">
      <h2>{notFound ? t('errors.notFound') : t('errors.title')}</h2>
      {!notFound && <p>{error instanceof Error ? error.message : String(error)}</p>}
      {!notFound && (
        <button type="button" onClick={() => window.location.reload()}>
          {t('errors.retry')}
        </button>
      )}
    </div>
  );
}
