import { sql } from 'kysely';
import type { Currency } from '../domain/currency.ts';
import type { EngineDeps } from './context.ts';

export type StatsQuery = { merchantId: bigint; fromDay: string; toDay: string };
export type StatsRow = {
  day: string;
  system: string;
  status: string;
  currency: Currency;
  count: bigint;
  amountMinor: bigint;
  capturedMinor: bigint;
  refundedMinor: bigint;
  feeMinor: bigint;
};

/**
 * Period statistics from the per-day aggregates: the cost grows with the number of days,
 * not of payments. Days are `YYYY-MM-DD` in the statistics time zone, both ends included.
 */
export async function statistics(deps: EngineDeps, q: StatsQuery, groupByDay = true): Promise<StatsRow[]> {
  const day = groupByDay ? sql<string>`day` : sql<string>`${`${q.fromDay}..${q.toDay}`}`;
  const rows = await deps.database.db
    .selectFrom('daily_stats')
    .select([
      day.as('day'),
      'system',
      'status',
      'currency',
      sql<bigint>`sum(count)`.as('count'),
      sql<bigint>`sum(amount_minor)`.as('amount_minor'),
      sql<bigint>`sum(captured_minor)`.as('captured_minor'),
      sql<bigint>`sum(refunded_minor)`.as('refunded_minor'),
      sql<bigint>`sum(fee_minor)`.as('fee_minor'),
    ])
    .where('merchant_id', '=', q.merchantId)
    .where('day', '>=', q.fromDay)
    .where('day', '<=', q.toDay)
    .groupBy([...(groupByDay ? ['day' as const] : []), 'system', 'status', 'currency'])
    .having(sql`sum(count)`, '>', 0)
    .orderBy('system')
    .execute();
  return rows
    .map((r) => ({
      day: r.day,
      system: r.system,
      status: r.status,
      currency: r.currency as Currency,
      count: BigInt(r.count),
      amountMinor: BigInt(r.amount_minor),
      capturedMinor: BigInt(r.captured_minor),
      refundedMinor: BigInt(r.refunded_minor),
      feeMinor: BigInt(r.fee_minor),
    }))
    .sort((a, b) => (a.day + a.status < b.day + b.status ? -1 : 1));
}
