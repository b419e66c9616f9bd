import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { formatAmount, formatCount } from '../../ui/format.ts';
import { PeriodPicker } from '../../ui/PeriodPicker.tsx';
import { usePeriod } from '../../ui/period.ts';
import { QueryError } from '../../ui/QueryError.tsx';
import {
  type InvoiceFilter,
  type InvoiceRow,
  invoiceApi,
  invoiceKeys,
  type ListedStatus,
  listedStatuses,
} from './api.ts';

/**
 * The invoice registry (3.2, counted by 3.3): a period, a choice of statuses, pages of
 * `pageSize`, newest first; the filter and the page live in the address, so a reload or a
 * shared link shows the same page. Each row can be opened (3.1), duplicated into a new
 * invoice, sent again, or withdrawn while unpaid.
 */

const pageSize = 20;

const isListed = (s: string): s is ListedStatus => (listedStatuses as readonly string[]).includes(s);

function useInvoiceFilter() {
  const [period, setPeriod] = usePeriod();
  const [params, setParams] = useSearchParams();
  const statusText = params.get('status') ?? '';
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const filter: InvoiceFilter = useMemo(
    () => ({ start: period.start, end: period.end, statuses: statusText.split(',').filter(isListed) }),
    [period.start, period.end, statusText],
  );
  const set = (change: { statuses?: ListedStatus[]; page?: number }) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (change.statuses) {
          if (change.statuses.length > 0) next.set('status', change.statuses.join(','));
          else next.delete('status');
          next.delete('page');
        }
        if (change.page !== undefined) {
          if (change.page > 1) next.set('page', String(change.page));
          else next.delete('page');
        }
        return next;
      },
      { replace: true },
    );
  return {
    filter,
    page,
    setPeriod: (p: typeof period) => {
      setPeriod(p);
    },
    setStatuses: (s: ListedStatus[]) => set({ statuses: s }),
    setPage: (p: number) => set({ page: p }),
  };
}

export function InvoiceList() {
  const { t, i18n } = useTranslation('invoices');
  const { filter, page, setPeriod, setStatuses, setPage } = useInvoiceFilter();
  const id = useId();
  const count = useQuery({
    queryKey: [...invoiceKeys.all, 'count', filter],
    queryFn: ({ signal }) => invoiceApi.count(filter, signal),
  });
  const rows = useQuery({
    queryKey: [...invoiceKeys.all, 'list', filter, page],
    queryFn: ({ signal }) => invoiceApi.list(filter, (page - 1) * pageSize, pageSize, signal),
    placeholderData: keepPreviousData,
  });
  const total = Number(count.data?.fullcount[0]?.count ?? '0');
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const perStatus = new Map((count.data?.statuses ?? []).map((s) => [s.status, s.count]));
  const [open, setOpen] = useState<string | null>(null);

  return (
    <div className="invoice-list">
      <div className="toolbar">
        <PeriodPicker period={filter} onChange={setPeriod} />
        <fieldset className="invoice-statuses">
          <legend>{t('list.statuses')}</legend>
          {listedStatuses.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={filter.statuses.includes(s)}
                onChange={(e) =>
                  setStatuses(
                    e.target.checked ? [...filter.statuses, s] : filter.statuses.filter((x) => x !== s),
                  )
                }
              />{' '}
              {t(`status.${s}`)}{' '}
              <span className="muted">({formatCount(perStatus.get(s) ?? '0', i18n.language)})</span>
            </label>
          ))}
          <span className="muted hint">{t('list.noneMeansAll')}</span>
        </fieldset>
        <Link className="button primary" to="/invoices/new">
          {t('list.create')}
        </Link>
      </div>
      {count.error && <QueryError error={count.error} retry={() => void count.refetch()} />}
      {rows.error && <QueryError error={rows.error} retry={() => void rows.refetch()} />}
      <p className="registry-summary" aria-live="polite" id={`${id}-summary`}>
        {count.isPending
          ? t('list.loading')
          : t('list.total', { count: total, shown: formatCount(total, i18n.language) })}
      </p>
      <div className="table-scroll">
        <table className="invoice-table" aria-describedby={`${id}-summary`} aria-busy={rows.isFetching}>
          <thead>
            <tr>
              <th scope="col">{t('list.id')}</th>
              <th scope="col">{t('list.created')}</th>
              <th scope="col" className="num">
                {t('list.amount')}
              </th>
              <th scope="col">{t('list.client')}</th>
              <th scope="col">{t('list.order')}</th>
              <th scope="col">{t('list.status')}</th>
              <th scope="col">{t('list.expiry')}</th>
              <th scope="col">{t('list.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {(rows.data ?? []).map((row) => (
              <InvoiceLine
                key={row.id}
                row={row}
                open={open === row.id}
                onToggle={() => setOpen(open === row.id ? null : row.id)}
              />
            ))}
            {rows.data?.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  {t('list.empty')}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label={t('list.pages')}>
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          {t('list.previous')}
        </button>
        <span aria-current="page">{t('list.page', { page, pages })}</span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
          {t('list.next')}
        </button>
      </nav>
    </div>
  );
}

function InvoiceLine({ row, open, onToggle }: { row: InvoiceRow; open: boolean; onToggle: () => void }) {
  const { t, i18n } = useTranslation('invoices');
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const done = () => queryClient.invalidateQueries({ queryKey: invoiceKeys.all });
  const revoke = useMutation({
    mutationFn: () => invoiceApi.revoke(row.id),
    onSuccess: async () => {
      setConfirming(false);
      await done();
    },
  });
  const resend = useMutation({ mutationFn: () => invoiceApi.send(row.id), onSuccess: done });
  const detailsId = `invoice-${row.id}-details`;
  return (
    <>
      <tr data-testid={`invoice-${row.id}`}>
        <td>
          <button
            type="button"
            className="link"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={onToggle}
          >
            {row.id}
          </button>
        </td>
        <td>{row.created_datetime}</td>
        <td className="num">{formatAmount(row.pay_amount, i18n.language)}</td>
        <td>{row.client_email ?? row.clientid ?? '—'}</td>
        <td>{row.orderid ?? '—'}</td>
        <td>
          <span className={`status invoice-status-${row.status}`}>{t(`status.${row.status}`)}</span>
        </td>
        <td>{row.expiry_datetime ?? '—'}</td>
        <td className="row-actions">
          <Link to={`/invoices/new?from=${row.id}`} aria-label={t('list.duplicateOf', { id: row.id })}>
            {t('list.duplicate')}
          </Link>
          {row.status === 'sent' && row.client_email && (
            <button
              type="button"
              disabled={resend.isPending}
              onClick={() => resend.mutate()}
              aria-label={t('list.resendOf', { id: row.id })}
            >
              {resend.isSuccess ? t('list.resent') : t('list.resend')}
            </button>
          )}
          {row.status === 'sent' && !confirming && (
            <button
              type="button"
              className="danger"
              onClick={() => setConfirming(true)}
              aria-label={t('list.revokeOf', { id: row.id })}
            >
              {t('list.revoke')}
            </button>
          )}
          {confirming && (
            <fieldset className="inline-confirm">
              <legend>{t('list.revokeConfirm', { id: row.id })}</legend>
              <button
                type="button"
                className="danger"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate()}
              >
                {t('list.revokeYes')}
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                {t('list.revokeNo')}
              </button>
            </fieldset>
          )}
          {(revoke.error ?? resend.error) && <QueryError error={revoke.error ?? resend.error} />}
        </td>
      </tr>
      {open && (
        <tr id={detailsId} className="invoice-details-row">
          <td colSpan={8}>
            <InvoiceDetails id={row.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function InvoiceDetails({ id }: { id: string }) {
  const { t, i18n } = useTranslation('invoices');
  const one = useQuery({
    queryKey: invoiceKeys.one(id),
    queryFn: ({ signal }) => invoiceApi.byId(id, signal),
  });
  if (one.error) return <QueryError error={one.error} retry={() => void one.refetch()} />;
  if (!one.data) return <p className="muted">{t('list.loading')}</p>;
  const d = one.data;
  return (
    <dl className="facts">
      <dt>{t('details.amount')}</dt>
      <dd>{formatAmount(d.pay_amount, i18n.language)}</dd>
      <dt>{t('details.service')}</dt>
      <dd>{d.service_name ?? '—'}</dd>
      <dt>{t('details.email')}</dt>
      <dd>{d.client_email ?? '—'}</dd>
      <dt>{t('details.phone')}</dt>
      <dd>{d.client_phone ?? '—'}</dd>
      <dt>{t('details.clientid')}</dt>
      <dd>{d.clientid ?? '—'}</dd>
      <dt>{t('details.author')}</dt>
      <dd>{d.user_login || '—'}</dd>
      <dt>{t('details.mail')}</dt>
      <dd>
        {d.email_status ? t(`mail.${d.email_status}`) : t('mail.none')}
        {d.email_error ? ` (${d.email_error})` : ''}
      </dd>
      <dt>{t('details.paid')}</dt>
      <dd>
        {d.paid_datetime ?? '—'}
        {d.paymentid && (
          <>
            {' '}
            <Link to={`/payments/${d.paymentid}`}>{t('details.payment', { id: d.paymentid })}</Link>
          </>
        )}
      </dd>
    </dl>
  );
}
