import client from 'prom-client';
import type { Database } from '../store/database.ts';

/** Prometheus metrics: process defaults, HTTP latency, and the outbox backlog read at scrape time. */
export function createMetrics(database: Database) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'kopek_' });
  const httpDuration = new client.Histogram({
    name: 'kopek_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new client.Gauge({
    name: 'kopek_outbox_rows',
    help: 'Outbox rows by delivery state (queued, delivered, exhausted)',
    labelNames: ['notice'] as const,
    registers: [registry],
    async collect() {
      const rows = await database.db
        .selectFrom('outbox')
        .select(['notice'])
        .select((eb) => eb.fn.countAll<bigint>().as('n'))
        .groupBy('notice')
        .execute();
      this.reset();
      for (const r of rows) this.set({ notice: r.notice }, Number(r.n));
    },
  });
  new client.Gauge({
    name: 'kopek_payments',
    help: 'Payments by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await database.db
        .selectFrom('daily_stats')
        .select(['status'])
        .select((eb) => eb.fn.sum<bigint>('count').as('n'))
        .groupBy('status')
        .execute();
      this.reset();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  return { registry, httpDuration };
}
