import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { HttpError, PkError, scriptHeaders, unauthorized } from '../../api/client.ts';
import { type PaymentFilter, pk } from '../../api/paykeeper.ts';
import { formatCount } from '../../ui/format.ts';

type State =
  | { kind: 'idle' }
  | { kind: 'running'; rows: string | null; bytes: number }
  | { kind: 'done'; rows: string | null; bytes: number; name: string }
  | { kind: 'failed'; message: string };

const fileNameOf = (disposition: string | null) =>
  /filename="?([^";]+)"?/i.exec(disposition ?? '')?.[1] ?? 'payments.xlsx';

/**
 * The XLSX of the registry's filter, streamed (`/export/payments/all/`): the server says how
 * many rows are coming (X-Total-Count) and the bytes are counted as they arrive; the file is
 * saved when the last one is in. Cancel stops the download.
 */
export function Export({ filter }: { filter: PaymentFilter }) {
  const { t, i18n } = useTranslation('payments');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async () => {
    const controller = new AbortController();
    abort.current = controller;
    setState({ kind: 'running', rows: null, bytes: 0 });
    try {
      const response = await fetch(pk.exportUrl(filter), {
        credentials: 'same-origin',
        headers: scriptHeaders,
        signal: controller.signal,
      });
      if (response.status === 401) unauthorized();
      if (!response.ok) throw new HttpError(response.status, await response.text());
      if ((response.headers.get('content-type') ?? '').includes('json'))
        throw new PkError(await response.json());
      const rows = response.headers.get('x-total-count');
      const reader = response.body?.getReader();
      if (!reader) throw new Error('no body');
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.byteLength;
        setState({ kind: 'running', rows, bytes });
      }
      const name = fileNameOf(response.headers.get('content-disposition'));
      const url = URL.createObjectURL(new Blob(chunks, { type: response.headers.get('content-type') ?? '' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState({ kind: 'done', rows, bytes, name });
    } catch (error) {
      if (controller.signal.aborted) setState({ kind: 'idle' });
      else setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    } finally {
      if (abort.current === controller) abort.current = null;
    }
  };

  const kb = (bytes: number) => formatCount(Math.ceil(bytes / 1024), i18n.language);
  return (
    <div className="export" data-testid="export">
      {state.kind === 'running' ? (
        <button type="button" onClick={() => abort.current?.abort()}>
          {t('export.cancel')}
        </button>
      ) : (
        <button type="button" onClick={() => void run()}>
          {t('export.start')}
        </button>
      )}
      <span aria-live="polite" className="export-status" data-testid="export-status">
        {state.kind === 'running' && (
          <>
            <progress aria-label={t('export.progress')} />{' '}
            {state.rows !== null
              ? t('export.running', { rows: formatCount(state.rows, i18n.language), kb: kb(state.bytes) })
              : t('export.starting')}
          </>
        )}
        {state.kind === 'done' &&
          t('export.done', {
            name: state.name,
            rows: formatCount(state.rows ?? '0', i18n.language),
            kb: kb(state.bytes),
          })}
        {state.kind === 'failed' && (
          <span role="alert" className="field-error">
            {t('export.failed', { message: state.message })}
          </span>
        )}
      </span>
    </div>
  );
}
