import { useTranslation } from 'react-i18next';
import { PkError } from '../api/client.ts';

/** A failed request, said in the API's words when it gave some (PayKeeper's `msg`). */
export function QueryError({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation('common');
  const message = error instanceof PkError || error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="alert alert-error">
      <span>{message}</span>{' '}
      {retry && (
        <button type="button" onClick={retry}>
          {t('errors.retry')}
        </button>
      )}
    </div>
  );
}
