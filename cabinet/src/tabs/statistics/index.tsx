import { useQuery } from '@tanstack/react-query';
import type { EChartsCoreOption } from 'echarts/core';
import { lazy, type ReactNode, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { type Period, pk } from '../../api/paykeeper.ts';
import type { PaymentsByDateCount, SystemsSums, SystemsSumsDetails } from '../../api/types.ts';
import { formatAmount, formatChartAmount, formatCount } from '../../ui/format.ts';
import { PeriodPicker } from '../../ui/PeriodPicker.tsx';
import { usePeriod } from '../../ui/period.ts';
import { QueryError } from '../../ui/QueryError.tsx';
import { systemLabel } from '../../ui/systems.ts';

const Chart = lazy(() => import('./Chart.tsx'));

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

function ChartSlot({ option, label, testId }: { option: EChartsCoreOption; label: string; testId: string }) {
  const { t } = useTranslation('common');
  return (
    <Suspense
      fallback={
        <div className="chart chart-loading" role="status">
          {t('app.loading')}
        </div>
      }
    >
      <Chart option={option} label={label} testId={testId} />
    </Suspense>
  );
}

const compact = () => window.matchMedia?.('(max-width: 640px)').matches ?? false;

function lineOption(details: SystemsSumsDetails, language: string): EChartsCoreOption {
  const days = details[0]?.data.map(([ms]) => moscowDay(ms)) ?? [];
  const small = compact();
  return {
    animation: false,
    grid: { left: 8, right: 16, top: small ? 56 : 40, bottom: 8, containLabel: true },
    legend: { type: 'scroll', top: 0 },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (value: unknown) => formatChartAmount(value, language),
    },
    xAxis: { type: 'category', data: days, boundaryGap: false, axisLabel: { hideOverlap: true } },
    yAxis: {
      type: 'value',
      axisLabel: { formatter: (value: number) => formatAmount(String(value), language) },
    },
    series: details.map((s) => ({
      name: s.label,
      type: 'line',
      showSymbol: days.length <= 31,
      data: s.data.map(([, amount]) => amount),
    })),
  };
}

function PerDay({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const query = useQuery({
    queryKey: ['sums-details', period],
    queryFn: ({ signal }) => pk.sumsDetails(period, signal),
  });
  const option = useMemo(
    () => (query.data ? lineOption(query.data, i18n.language) : null),
    [query.data, i18n.language],
  );
  return (
    <Panel id="per-day-title" title={t('perDay.title')} busy={query.isPending}>
      {query.error && <QueryError error={query.error} retry={() => void query.refetch()} />}
      {query.data?.length === 0 && <p className="muted">{t('noSystems')}</p>}
      {option && query.data && query.data.length > 0 && (
        <>
          <ChartSlot
            option={option}
            label={t('perDay.chartLabel', { start: period.start, end: period.end })}
            testId="chart-per-day"
          />
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
                        {s.label}
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

function barOption(sums: SystemsSums, language: string): EChartsCoreOption {
  return {
    animation: false,
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: (value: unknown) => formatAmount(String(value), language) },
    xAxis: {
      type: 'value',
      axisLabel: { formatter: (value: number) => formatAmount(String(value), language) },
    },
    yAxis: { type: 'category', data: sums.map((s) => `${systemLabel(s)}, ${s.currency}`), inverse: true },
    // the chart's bar lengths only: the table beside it shows the amounts as the API wrote them
    series: [{ type: 'bar', data: sums.map((s) => Number(s.account)), barMaxWidth: 28 }],
  };
}

function BySystem({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const query = useQuery({ queryKey: ['sums', period], queryFn: ({ signal }) => pk.sums(period, signal) });
  const option = useMemo(
    () => (query.data ? barOption(query.data, i18n.language) : null),
    [query.data, i18n.language],
  );
  return (
    <Panel id="by-system-title" title={t('bySystem.title')} busy={query.isPending}>
      {query.error && <QueryError error={query.error} retry={() => void query.refetch()} />}
      {query.data?.length === 0 && <p className="muted">{t('noSystems')}</p>}
      {option && query.data && query.data.length > 0 && (
        <>
          <ChartSlot option={option} label={t('bySystem.chartLabel')} testId="chart-by-system" />
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

function pieOption(counts: PaymentsByDateCount, label: (status: string) => string): EChartsCoreOption {
  return {
    animation: false,
    tooltip: { trigger: 'item' },
    legend: { type: 'scroll', bottom: 0 },
    series: [
      {
        type: 'pie',
        radius: ['35%', '65%'],
        center: ['50%', '45%'],
        label: { show: false },
        data: counts.statuses.map((s) => ({ name: label(s.status), value: Number(s.count) })),
      },
    ],
  };
}

function ByStatus({ period }: { period: Period }) {
  const { t, i18n } = useTranslation('statistics');
  const { t: tc } = useTranslation('common');
  const query = useQuery({
    queryKey: ['bydatecount', period, [], []],
    queryFn: ({ signal }) => pk.byDateCount({ ...period, statuses: [], systems: [] }, signal),
  });
  const option = useMemo(
    () => (query.data ? pieOption(query.data, (s) => tc(`status.${s}`)) : null),
    [query.data, tc],
  );
  const total = query.data?.fullcount[0]?.count ?? '0';
  return (
    <Panel id="by-status-title" title={t('byStatus.title')} busy={query.isPending}>
      {query.error && <QueryError error={query.error} retry={() => void query.refetch()} />}
      {query.data && query.data.statuses.length === 0 && <p className="muted">{t('noPayments')}</p>}
      {option && query.data && query.data.statuses.length > 0 && (
        <>
          <ChartSlot option={option} label={t('byStatus.chartLabel')} testId="chart-by-status" />
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
