import client from 'prom-client';
import type { Gateway } from '../runtime.ts';
import type { Database } from '../store/database.ts';

type Counted = { key: string; n: bigint | number | string };

/**
 * Prometheus metrics: process defaults, HTTP latency, and figures read from the database at
 * scrape time. A database that is down empties those gauges and sets `kopek_database_up` to
 * 0; it never takes the process metrics down with it.
 */
export function createMetrics(database: Database, worker?: Pick<Gateway['worker'], 'unsignableAttempts'>) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'kopek_' });
  const httpDuration = new client.Histogram({
    name: 'kopek_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const up = new client.Gauge({
    name: 'kopek_database_up',
    help: '1 when the last scrape could read the database',
    registers: [registry],
  });

  const fromDatabase = (name: string, help: string, label: string, read: () => Promise<Counted[]>) =>
    new client.Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const r of await read()) this.set({ [label]: r.key }, Number(r.n));
          up.set(1);
        } catch {
          up.set(0);
        }
      },
    });

  fromDatabase(
    'kopek_outbox_rows',
    'Outbox rows by delivery state (queued, delivered, exhausted)',
    'notice',
    () =>
      database.db
        .selectFrom('outbox')
        .select(['notice as key'])
        .select((eb) => eb.fn.countAll<bigint>().as('n'))
        .groupBy('notice')
        .execute(),
  );
  fromDatabase('kopek_payments', 'Payments by status', 'status', () =>
    database.db
      .selectFrom('daily_stats')
      .select(['status as key'])
      .select((eb) => eb.fn.sum<bigint>('count').as('n'))
      .groupBy('status')
      .execute(),
  );
  new client.Counter({
    name: 'kopek_callbacks_unsignable_total',
    help: 'Callback attempts of this process that failed because a sealed secret would not open (wrong master keys)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(worker?.unsignableAttempts ?? 0);
    },
  });
  return { registry, httpDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;

const shared = new WeakMap<Database, Metrics>();

/**
 * One set of metrics per gateway (by its database handle): the public app records HTTP figures
 * into it, and the metrics listener reads the same registry.
 */
export function metricsOf(gateway: Pick<Gateway, 'database' | 'worker'>): Metrics {
  let metrics = shared.get(gateway.database);
  if (!metrics) {
    metrics = createMetrics(gateway.database, gateway.worker);
    shared.set(gateway.database, metrics);
  }
  return metrics;
}
