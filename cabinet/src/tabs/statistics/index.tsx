import { useQuery } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { type Period, pk } from '../../api/paykeeper.ts';
import type { SystemsSumsDetails } from '../../api/types.ts';
import { formatAmount, formatChartAmount, formatCount } from '../../ui/format.ts';
import { PeriodPicker } from '../../ui/PeriodPicker.tsx';
import { usePeriod } from '../../ui/period.ts';
import { QueryError } from '../../ui/QueryError.tsx';
import { systemLabel } from '../../ui/systems.ts';

const charts = () => import('./Chart.tsx');
const PerDayChart = lazy(() => charts().then((m) => ({ default: m.PerDayChart })));
const BySystemChart = lazy(() => charts().then((m) => ({ default: m.BySystemChart })));
const ByStatusChart = lazy(() => charts().then((m) => ({ default: m.ByStatusChart })));

/** The Moscow day a chart point (ms of a Moscow midnight) stands for. */
const moscowDay = (ms: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date(ms));

/** Statistics (spec section 1): totals, accepted sums per day and system, by system, by status. */
export function StatisticsTab() {
  const { t } = useTranslation('statistics');
  const [period, setPeriod] = usePeriod();
  return (
    <section aria-labelledby="statistics-title" className="statistics">
      <h1 id="statistics-title">{t('title')}</h1>
      <div className="toolbar">
        <PeriodPicker period={period} onChange={setPeriod} />
      </div>
      <Totals period={period} />
      <div className="stats-grid">
        <PerDay period={period} />
        <BySystem period={period} />
        <ByStatus period={period} />
      </div>
    </section>
  );
}

function Totals({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const query = useQuery({
    queryKey: ['allsum', period],
    queryFn: ({ signal }) => pk.allSum(period, signal),
  });
  if (query.error) return <QueryError error={query.error} retry={() => void query.refetch()} />;
  const cards = [
    ['account', query.data?.account],
    ['success', query.data?.success],
    ['stuck', query.data?.stuck],
  ] as const;
  return (
    <section aria-labelledby="totals-title" aria-busy={query.isPending}>
      <h2 id="totals-title" className="visually-hidden">
        {t('totals.title')}
      </h2>
      <dl className="cards" data-testid="totals">
        {cards.map(([key, value]) => (
          <div key={key} className="card" data-testid={`total-${key}`}>
            <dt>{t(`totals.${key}`)}</dt>
            <dd className="value">{value === undefined ? '…' : `${formatAmount(value, i18n.language)} ₽`}</dd>
            <dd className="muted hint">{t(`totals.${key}Hint`)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Panel({
  id,
  title,
  children,
  busy,
}: {
  id: string;
  title: string;
  children: ReactNode;
  busy: boolean;
}) {
  return (
    <section aria-labelledby={id} aria-busy={busy} className="panel">
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** A chart named for a screen reader (its caption), drawn once its chunk has arrived. */
function ChartSlot({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  const { t } = useTranslation('common');
  return (
    <figure className="chart-figure" data-testid={testId}>
      <figcaption className="visually-hidden">{label}</figcaption>
      <Suspense
        fallback={
          <div className="chart chart-loading" role="status">
            {t('app.loading')}
          </div>
        }
      >
        {children}
      </Suspense>
    </figure>
  );
}

/** 1.3's series as rows for the chart: a day and an amount per system. */
function perDayRows(details: SystemsSumsDetails): Record<string, string | number>[] {
  return (details[0]?.data ?? []).map(([ms], row) => {
    const point: Record<string, string | number> = { day: moscowDay(ms) };
    for (const s of details) point[s.payment_system_id] = s.data[row]?.[1] ?? 0;
    return point;
  });
}

function PerDay({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const query = useQuery({
    queryKey: ['sums-details', period],
    queryFn: ({ signal }) => pk.sumsDetails(period, signal),
  });
  const systems = useQuery({
    queryKey: ['systems'],
    queryFn: ({ signal }) => pk.systems(signal),
    staleTime: 300_000,
  });
  const rows = useMemo(() => (query.data ? perDayRows(query.data) : null), [query.data]);
  // 1.3 names a system by its method only; 1.1 tells card_rub from card_usd
  const names = useMemo(() => new Map(systems.data?.map((s) => [s.id, systemLabel(s)])), [systems.data]);
  const nameOf = (s: { payment_system_id: string; label: string }) =>
    names.get(s.payment_system_id) ?? s.label;
  return (
    <Panel id="per-day-title" title={t('perDay.title')} busy={query.isPending}>
      {query.error && <QueryError error={query.error} retry={() => void query.refetch()} />}
      {query.data?.length === 0 && <p className="muted">{t('noSystems')}</p>}
      {rows && query.data && query.data.length > 0 && (
        <>
          <ChartSlot
            label={t('perDay.chartLabel', { start: period.start, end: period.end })}
            testId="chart-per-day"
          >
            <PerDayChart
              rows={rows}
              series={query.data.map((s) => ({ key: s.payment_system_id, name: nameOf(s) }))}
              language={i18n.language}
            />
          </ChartSlot>
          <details>
            <summary>{t('asTable')}</summary>
            <div className="table-scroll">
              <table className="data">
                <caption className="visually-hidden">{t('perDay.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('perDay.day')}</th>
                    {query.data.map((s) => (
                      <th key={s.payment_system_id} scope="col" className="num">
                        {nameOf(s)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {(query.data[0]?.data ?? []).map(([ms], row) => (
                    <tr key={ms}>
                      <th scope="row">{moscowDay(ms)}</th>
                      {query.data.map((s) => (
                        <td key={s.payment_system_id} className="num">
                          {formatChartAmount(s.data[row]?.[1] ?? 0, i18n.language)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </Panel>
  );
}

function BySystem({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const query = useQuery({ queryKey: ['sums', period], queryFn: ({ signal }) => pk.sums(period, signal) });
  // bar lengths only: the table beside the chart shows the amounts as the API wrote them
  const bars = useMemo(
    () =>
      query.data?.map((s) => ({ name: `${systemLabel(s)}, ${s.currency}`, value: Number(s.account) })) ??
      null,
    [query.data],
  );
  return (
    <Panel id="by-system-title" title={t('bySystem.title')} busy={query.isPending}>
      {query.error && <QueryError error={query.error} retry={() => void query.refetch()} />}
      {query.data?.length === 0 && <p className="muted">{t('noSystems')}</p>}
      {bars && query.data && query.data.length > 0 && (
        <>
          <ChartSlot label={t('bySystem.chartLabel')} testId="chart-by-system">
            <BySystemChart rows={bars} language={i18n.language} />
          </ChartSlot>
          <div className="table-scroll">
            <table className="data" data-testid="by-system">
              <caption className="visually-hidden">{t('bySystem.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('bySystem.system')}</th>
                  <th scope="col">{t('bySystem.currency')}</th>
                  <th scope="col" className="num">
                    {t('totals.account')}
                  </th>
                  <th scope="col" className="num">
                    {t('totals.success')}
                  </th>
                  <th scope="col" className="num">
                    {t('totals.stuck')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {query.data.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{systemLabel(s)}</th>
                    <td>{s.currency}</td>
                    <td className="num">{formatAmount(s.account, i18n.language)}</td>
                    <td className="num">{formatAmount(s.success, i18n.language)}</td>
                    <td className="num">{formatAmount(s.stuck, i18n.language)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Panel>
  );
}

function ByStatus({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const { t: tc } = useTranslation('common');
  const query = useQuery({
    queryKey: ['bydatecount', period, [], []],
    queryFn: ({ signal }) => pk.byDateCount({ ...period, statuses: [], systems: [] }, signal),
  });
  const slices = useMemo(
    () =>
      query.data?.statuses.map((s) => ({ name: tc(`status.${s.status}`), value: Number(s.count) })) ?? null,
    [query.data, tc],
  );
  const total = query.data?.fullcount[0]?.count ?? '0';
  return (
    <Panel id="by-status-title" title={t('byStatus.title')} busy={query.isPending}>
      {query.error && <QueryError error={query.error} retry={() => void query.refetch()} />}
      {query.data && query.data.statuses.length === 0 && <p className="muted">{t('noPayments')}</p>}
      {slices && query.data && query.data.statuses.length > 0 && (
        <>
          <ChartSlot label={t('byStatus.chartLabel')} testId="chart-by-status">
            <ByStatusChart rows={slices} language={i18n.language} />
          </ChartSlot>
          <table className="data" data-testid="by-status">
            <caption className="visually-hidden">{t('byStatus.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('byStatus.status')}</th>
                <th scope="col" className="num">
                  {t('byStatus.count')}
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.statuses.map((s) => (
                <tr key={s.status}>
                  <th scope="row">{tc(`status.${s.status}`)}</th>
                  <td className="num">{formatCount(s.count, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t('byStatus.total')}</th>
                <td className="num">{formatCount(total, i18n.language)}</td>
              </tr>
            </tfoot>
          </table>
        </>
      )}
    </Panel>
  );
}
