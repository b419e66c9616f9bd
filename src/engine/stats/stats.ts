import { sql } from 'kysely';
import type { Currency } from '../../domain/currency.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineDeps } from '../context.ts';
import { type Contribution, contribution, contributionColumns, dayIn, statsRow, sumInto } from './store.ts';

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
      currency: r.currency,
      count: BigInt(r.count),
      amountMinor: BigInt(r.amount_minor),
      capturedMinor: BigInt(r.captured_minor),
      refundedMinor: BigInt(r.refunded_minor),
      feeMinor: BigInt(r.fee_minor),
    }))
    .sort((a, b) => (a.day + a.status < b.day + b.status ? -1 : 1));
}

export type RebuildStatsOptions = {
  /** Payments read per query (keyset by id); default 1000. */
  batchSize?: number;
};

export type RebuildStatsResult = {
  timeZone: string;
  paymentsRead: number;
  /** daily_stats rows before the rebuild. */
  rowsDeleted: number;
  /** daily_stats rows written: one per bucket and shard with at least one payment. */
  bucketsWritten: number;
  ms: number;
};

const rebuildBatchDefault = 1000;
/** 11 values a row: far below SQLite's and PostgreSQL's bind parameter limits. */
const insertChunk = 500;

/**
 * Recomputes daily_stats from the payments, in the configured time zone, with the rule the
 * live path uses: after changing STATS_TIME_ZONE, or to repair drift. Payments are streamed in
 * id order in batches; only the buckets are held in memory. The whole table is replaced in
 * one transaction, so readers see the old figures until the new ones are complete.
 *
 * A payment change made meanwhile is neither lost nor counted twice: every change that moves
 * stats writes daily_stats in its own transaction, and the rebuild holds daily_stats against
 * writers from before its first read until it commits. On PostgreSQL the EXCLUSIVE lock
 * (plain reads still pass) makes such a transaction wait at its upsert; whatever payment
 * state it had not committed yet is not read here, and its delta lands on the rebuilt table
 * after the commit. On SQLite the delete first takes the database's single write lock, so
 * the reads see the latest state and no writer commits until the rebuild does.
 */
export async function rebuildStats(
  deps: EngineDeps,
  options: RebuildStatsOptions = {},
): Promise<RebuildStatsResult> {
  const started = performance.now();
  const timeZone = deps.config.statsTimeZone;
  dayIn(timeZone, new Date(0)); // an unknown zone fails here, before any lock is taken
  const batch = Math.max(1, Math.floor(options.batchSize ?? rebuildBatchDefault));
  const result = await inTransaction(deps.database, async (trx) => {
    if (deps.database.flavor === 'postgres') await sql`lock table daily_stats in exclusive mode`.execute(trx);
    const deleted = await trx.deleteFrom('daily_stats').executeTakeFirst();
    const buckets = new Map<string, Contribution>();
    let paymentsRead = 0;
    for (let afterId: bigint | null = null; ; ) {
      let query = trx.selectFrom('payments').select(contributionColumns).orderBy('id').limit(batch);
      if (afterId !== null) query = query.where('id', '>', afterId);
      const rows = await query.execute();
      for (const row of rows) {
        sumInto(buckets, contribution(row, timeZone, 1n));
      }
      paymentsRead += rows.length;
      if (rows.length < batch) break;
      afterId = rows[rows.length - 1]!.id;
    }
    const values = [...buckets.values()].map(statsRow);
    for (let i = 0; i < values.length; i += insertChunk)
      await trx
        .insertInto('daily_stats')
        .values(values.slice(i, i + insertChunk))
        .execute();
    return { paymentsRead, rowsDeleted: Number(deleted.numDeletedRows), bucketsWritten: values.length };
  });
  const done = { timeZone, ...result, ms: Math.round(performance.now() - started) };
  deps.log.info(done, 'daily stats rebuilt');
  return done;
}
