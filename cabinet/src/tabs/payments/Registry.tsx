import { type ColumnDef, tableFeatures, useTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import type { PaymentFilter } from '../../api/paykeeper.ts';
import type { PaymentRow, SystemsList } from '../../api/types.ts';
import { formatAmount, formatCount } from '../../ui/format.ts';
import { QueryError } from '../../ui/QueryError.tsx';
import { systemLabel } from '../../ui/systems.ts';
import { type RegistryRows, useFilteredRows, useSearchRows } from './rows.ts';

const rowHeightPx = 40;
const features = tableFeatures({});
type Slot = { index: number; payment: PaymentRow | undefined };

/**
 * The registry: a table whose rows are drawn only where the eye is (TanStack Virtual) and
 * fetched a page at a time under them (rows.ts). Columns are TanStack Table's; the table keeps
 * its semantics for a screen reader (aria-rowcount / aria-rowindex over the whole list).
 */
export function Registry({ filter, systems }: { filter: PaymentFilter; systems: SystemsList }) {
  const { t, i18n } = useTranslation('payments');
  const { t: tc } = useTranslation('common');
  const location = useLocation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState<[number, number]>([0, 30]);
  const searching = filter.search !== '';
  const filtered = useFilteredRows(filter, !searching, range);
  const found = useSearchRows(filter, searching, range);
  const rows: RegistryRows = searching ? found : filtered;

  const virtualizer = useVirtualizer({
    count: rows.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeightPx,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    setRange((current) => (current[0] === first && current[1] === last ? current : [first, last]));
  }, [first, last]);
  // a new filter starts at the top
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter is the trigger
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [filter]);

  const systemName = useMemo(() => new Map(systems.map((s) => [s.id, systemLabel(s)])), [systems]);
  const columns = useMemo<ColumnDef<typeof features, Slot>[]>(
    () => [
      {
        id: 'id',
        header: t('column.id'),
        cell: ({ row }) => {
          const p = row.original.payment;
          return p ? (
            <Link
              to={{ pathname: `/payments/${p.id}`, search: location.search }}
              className="payment-link"
              data-payment-link={p.id}
            >
              {p.id}
            </Link>
          ) : (
            '…'
          );
        },
      },
      {
        id: 'created',
        header: t('column.created'),
        cell: ({ row }) => row.original.payment?.pending_datetime,
      },
      {
        id: 'amount',
        header: t('column.amount'),
        meta: { num: true },
        cell: ({ row }) =>
          row.original.payment && formatAmount(row.original.payment.pay_amount, i18n.language),
      },
      {
        id: 'refunded',
        header: t('column.refunded'),
        meta: { num: true },
        cell: ({ row }) => {
          const p = row.original.payment;
          return p && p.refund_amount !== '0.00' ? formatAmount(p.refund_amount, i18n.language) : '';
        },
      },
      {
        id: 'status',
        header: t('column.status'),
        cell: ({ row }) => {
          const p = row.original.payment;
          return p && <span className={`status status-${p.status}`}>{tc(`status.${p.status}`)}</span>;
        },
      },
      {
        id: 'system',
        header: t('column.system'),
        cell: ({ row }) => {
          const p = row.original.payment;
          return p && (systemName.get(p.payment_system_id) ?? p.payment_system_id);
        },
      },
      { id: 'orderid', header: t('column.orderid'), cell: ({ row }) => row.original.payment?.orderid ?? '' },
      {
        id: 'clientid',
        header: t('column.clientid'),
        cell: ({ row }) => row.original.payment?.clientid ?? '',
      },
    ],
    [t, tc, i18n.language, systemName, location.search],
  );
  const data = useMemo(
    () => items.map((v) => ({ index: v.index, payment: rows.rowAt(v.index) })),
    [items, rows],
  );
  const table = useTable({ features, columns, data, getRowId: (slot) => String(slot.index) });

  const shownFrom = rows.count === 0 ? 0 : first + 1;
  const shownTo = Math.min(last + 1, rows.count);
  return (
    <div className="registry">
      <p className="registry-summary" aria-live="polite" data-testid="registry-summary">
        {rows.total !== null
          ? t('summary.total', { count: Number(rows.total), total: formatCount(rows.total, i18n.language) })
          : searching && !rows.pending
            ? t('summary.found', { count: rows.count })
            : ''}
        {rows.count > 0 && (
          <span className="muted">
            {' '}
            {t('summary.shown', {
              from: formatCount(shownFrom, i18n.language),
              to: formatCount(shownTo, i18n.language),
            })}
          </span>
        )}
      </p>
      {rows.error ? <QueryError error={rows.error} retry={rows.retry} /> : null}
      {!rows.pending && rows.count === 0 && !rows.error && <p className="empty">{t('empty')}</p>}
      <div ref={scrollRef} className="registry-scroll" data-testid="registry-scroll">
        <table
          className="data registry-table"
          aria-rowcount={rows.count + 1}
          aria-busy={rows.pending}
          aria-label={t('tableLabel')}
        >
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id} aria-rowindex={1} className="registry-row">
                {group.headers.map((header) => (
                  <th
                    key={header.id}
                    scope="col"
                    className={`col-${header.column.id}${(header.column.columnDef.meta as { num?: boolean } | undefined)?.num ? ' num' : ''}`}
                  >
                    <table.FlexRender header={header} />
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody style={{ height: `${virtualizer.getTotalSize()}px` }}>
            {table.getRowModel().rows.map((row, at) => {
              const item = items[at];
              if (!item) return null;
              return (
                <tr
                  key={item.key}
                  aria-rowindex={item.index + 2}
                  className="registry-row"
                  data-testid={row.original.payment ? 'payment-row' : 'payment-row-loading'}
                  style={{ transform: `translateY(${item.start}px)`, height: `${rowHeightPx}px` }}
                >
                  {row.getAllCells().map((cell) => (
                    <td
                      key={cell.id}
                      className={`col-${cell.column.id}${(cell.column.columnDef.meta as { num?: boolean } | undefined)?.num ? ' num' : ''}`}
                    >
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
