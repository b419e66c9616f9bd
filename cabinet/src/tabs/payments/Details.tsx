import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { pk } from '../../api/paykeeper.ts';
import type { PaymentStatus } from '../../api/types.ts';
import { useSession } from '../../shell/session.tsx';
import { formatAmount, formatCount, parseAmountMinor } from '../../ui/format.ts';
import { QueryError } from '../../ui/QueryError.tsx';
import { systemLabel } from '../../ui/systems.ts';
import { RefundForm } from './RefundForm.tsx';

/** Statuses with money to give back. */
const refundable: readonly PaymentStatus[] = ['obtained', 'success', 'stuck', 'partially_refunded'];
/** Statuses whose notification can be sent again (2.9: paid ones the informer knows of). */
const renotifiable: readonly PaymentStatus[] = ['obtained', 'stuck'];

/**
 * One payment in a modal dialog (the browser's <dialog>: focus kept inside, Esc closes, the
 * focus goes back to the list): its facts (2.3), options (2.4), parameters (2.5), refunds
 * (2.7), the notification's attempts with a resend (2.9), the HTTP log (2.6), and a refund (2.8).
 */
export function Details({ paymentId, onClose }: { paymentId: string; onClose: () => void }) {
  const { t } = useTranslation('payments');
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    if (dialog && !dialog.open) dialog.showModal();
    // closed by leaving the address (Esc and the button navigate; the dialog follows): the
    // focus goes back to what opened it, or to the payment's row if that was redrawn
    return () => {
      dialog?.close();
      const back =
        opener instanceof HTMLElement && opener.isConnected
          ? opener
          : document.querySelector<HTMLElement>(`[data-payment-link="${paymentId}"]`);
      back?.focus();
    };
  }, [paymentId]);
  return (
    <dialog
      ref={ref}
      className="details"
      aria-labelledby="details-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="details-head">
        <h2 id="details-title">{t('details.title', { id: paymentId })}</h2>
        <button type="button" onClick={onClose} aria-label={t('details.close')}>
          ✕
        </button>
      </div>
      <Summary paymentId={paymentId} />
      <Section title={t('details.refunds')}>
        <Refunds paymentId={paymentId} />
      </Section>
      <Section title={t('details.options')}>
        <Options paymentId={paymentId} />
      </Section>
      <Section title={t('details.params')}>
        <Params paymentId={paymentId} />
      </Section>
      <Section title={t('details.httpLog')}>
        <HttpLogList paymentId={paymentId} />
      </Section>
    </dialog>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="details-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function Summary({ paymentId }: { paymentId: string }) {
  const { t, i18n } = useTranslation('payments');
  const { t: tc } = useTranslation('common');
  const { session } = useSession();
  const [refunding, setRefunding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['payment', paymentId],
    queryFn: ({ signal }) => pk.byId(paymentId, signal),
  });
  if (query.error) return <QueryError error={query.error} retry={() => void query.refetch()} />;
  const p = query.data?.[0];
  if (!p) return <p role="status">{tc('app.loading')}</p>;
  const paid = parseAmountMinor(p.pay_amount) ?? 0n;
  const returned = parseAmountMinor(p.refund_amount) ?? 0n;
  const remaining = paid - returned;
  const canRefund = refundable.includes(p.status) && remaining > 0n;
  const rows: [string, ReactNode][] = [
    [
      t('column.status'),
      <span key="status" className={`status status-${p.status}`}>
        {tc(`status.${p.status}`)}
      </span>,
    ],
    [t('column.amount'), `${formatAmount(p.pay_amount, i18n.language)} ₽`],
    [t('column.refunded'), `${formatAmount(p.refund_amount, i18n.language)} ₽`],
    [t('column.system'), systemLabel(p)],
    [t('column.created'), p.pending_datetime],
    [t('details.obtained'), p.obtain_datetime ?? '—'],
    [t('details.confirmed'), p.success_datetime ?? '—'],
    [t('column.orderid'), p.orderid ?? '—'],
    [t('column.clientid'), p.clientid ?? '—'],
    [t('details.uniqueId'), p.unique_id ?? '—'],
    [t('details.attempts'), formatCount(p.repeat_counter, i18n.language)],
  ];
  return (
    <>
      <dl className="facts" data-testid="payment-facts">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {notice && (
        <p role="status" className="alert alert-ok">
          {notice}
        </p>
      )}
      <div className="actions">
        {canRefund && session.user.refund_allowed && !refunding && (
          <button type="button" className="primary" onClick={() => setRefunding(true)}>
            {t('refund.open')}
          </button>
        )}
        {canRefund && !session.user.refund_allowed && <p className="muted">{t('refund.notAllowed')}</p>}
        {renotifiable.includes(p.status) && (
          <Renotify paymentId={paymentId} stuck={p.status === 'stuck'} onDone={setNotice} />
        )}
      </div>
      {refunding && (
        <section className="details-section" aria-label={t('refund.open')}>
          <RefundForm
            paymentId={paymentId}
            remaining={remaining}
            onDone={() => {
              setRefunding(false);
              setNotice(t('refund.done'));
            }}
          />
          <button type="button" onClick={() => setRefunding(false)}>
            {t('refund.cancel')}
          </button>
        </section>
      )}
    </>
  );
}

function Renotify({
  paymentId,
  stuck,
  onDone,
}: {
  paymentId: string;
  stuck: boolean;
  onDone: (text: string) => void;
}) {
  const { t } = useTranslation('payments');
  const queryClient = useQueryClient();
  const again = useMutation({
    mutationFn: () => pk.repeatNotification(paymentId),
    onSuccess: async () => {
      onDone(t('renotify.done'));
      await queryClient.invalidateQueries();
    },
  });
  return (
    <span>
      <button
        type="button"
        className={stuck ? 'primary' : undefined}
        disabled={again.isPending}
        onClick={() => again.mutate()}
      >
        {t('renotify.button')}
      </button>
      {again.error && (
        <span role="alert" className="field-error">
          {' '}
          {again.error.message}
        </span>
      )}
    </span>
  );
}

function Refunds({ paymentId }: { paymentId: string }) {
  const { t, i18n } = useTranslation('payments');
  const query = useQuery({
    queryKey: ['refunds', paymentId],
    queryFn: ({ signal }) => pk.refunds(paymentId, signal),
  });
  if (query.error) return <QueryError error={query.error} retry={() => void query.refetch()} />;
  if (!query.data) return null;
  if (query.data.length === 0) return <p className="muted">{t('details.none')}</p>;
  return (
    <div className="table-scroll">
      <table className="data" data-testid="refunds">
        <thead>
          <tr>
            <th scope="col">№</th>
            <th scope="col">{t('refunds.datetime')}</th>
            <th scope="col" className="num">
              {t('refunds.amount')}
            </th>
            <th scope="col" className="num">
              {t('refunds.remaining')}
            </th>
            <th scope="col">{t('refunds.user')}</th>
            <th scope="col">{t('refunds.status')}</th>
          </tr>
        </thead>
        <tbody>
          {query.data.map((r) => (
            <tr key={r.id}>
              <td>{r.refund_number}</td>
              <td>{r.datetime}</td>
              <td className="num">{formatAmount(r.amount, i18n.language)}</td>
              <td className="num">{formatAmount(r.reminder, i18n.language)}</td>
              <td>{r.user}</td>
              <td>{t(`refunds.state.${r.status}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Options({ paymentId }: { paymentId: string }) {
  const { t } = useTranslation('payments');
  const query = useQuery({
    queryKey: ['options', paymentId],
    queryFn: ({ signal }) => pk.options(paymentId, signal),
  });
  if (query.error) return <QueryError error={query.error} retry={() => void query.refetch()} />;
  if (!query.data) return null;
  const entries = Object.entries(query.data);
  if (entries.length === 0) return <p className="muted">{t('details.none')}</p>;
  return (
    <dl className="facts" data-testid="payment-options">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

function Params({ paymentId }: { paymentId: string }) {
  const { t } = useTranslation('payments');
  const query = useQuery({
    queryKey: ['params', paymentId],
    queryFn: ({ signal }) => pk.params(paymentId, signal),
  });
  if (query.error) return <QueryError error={query.error} retry={() => void query.refetch()} />;
  if (!query.data) return null;
  if (query.data.length === 0) return <p className="muted">{t('details.none')}</p>;
  return (
    <dl className="facts">
      {query.data.map((param) => (
        <div key={param.id}>
          <dt>{param.field}</dt>
          <dd>{param.value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

function HttpLogList({ paymentId }: { paymentId: string }) {
  const { t } = useTranslation('payments');
  const query = useQuery({
    queryKey: ['httplog', paymentId],
    queryFn: ({ signal }) => pk.httpLog(paymentId, signal),
  });
  if (query.error) return <QueryError error={query.error} retry={() => void query.refetch()} />;
  if (!query.data) return null;
  if (query.data.length === 0) return <p className="muted">{t('details.none')}</p>;
  return (
    <ol className="httplog" data-testid="httplog">
      {query.data.map((line) => (
        <li key={line.id}>
          <div>
            <code>
              {line.request_method} {line.request_uri}
            </code>{' '}
            <span className="muted">
              {line.datetime} · {line.ip}
            </span>
          </div>
          {line.body && <pre>{line.body}</pre>}
        </li>
      ))}
    </ol>
  );
}
