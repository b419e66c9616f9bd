import { sql } from 'kysely';
import type { Tx } from '../store/database.ts';
import type { PaymentRow } from '../store/schema.ts';
import { inTransaction } from '../store/transaction.ts';
import type { EngineDeps } from './context.ts';

/**
 * Per-day aggregates by merchant, payment system, status and currency, kept in the same
 * transaction as the payment, so period sums and counts read a few rows per day instead of
 * scanning payments. A change moves a payment's whole contribution from its old bucket to
 * its new one, which stays right whatever fields changed. Each bucket is split into
 * `statsShards` rows by payment id, so one merchant's concurrent payments do not all queue
 * for the lock of a single row; readers sum the shards.
 */
export const statsShards = 8n;

type Contribution = {
  key: { merchant_id: bigint; day: string; system: string; status: string; currency: string; shard: bigint };
  count: bigint;
  amount_minor: bigint;
  captured_minor: bigint;
  refunded_minor: bigint;
  fee_minor: bigint;
};

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in a time zone. */
export function dayIn(timeZone: string, at: Date): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}

/** The payment fields a contribution depends on: what a rebuild reads. */
const contributionColumns = [
  'id',
  'merchant_id',
  'created_at',
  'system',
  'status',
  'currency',
  'amount_minor',
  'captured_minor',
  'refunded_minor',
  'fee_minor',
] as const;
type ContributingRow = Pick<PaymentRow, (typeof contributionColumns)[number]>;

/** The one rule of what a payment adds to which bucket, for the live path and the rebuild. */
function contribution(row: ContributingRow, timeZone: string, sign: bigint): Contribution {
  return {
    key: {
      merchant_id: row.merchant_id,
      day: dayIn(timeZone, new Date(Number(row.created_at))),
      system: row.system,
      status: row.status,
      currency: row.currency,
      shard: row.id % statsShards,
    },
    count: sign,
    amount_minor: sign * row.amount_minor,
    captured_minor: sign * row.captured_minor,
    refunded_minor: sign * row.refunded_minor,
    fee_minor: sign * row.fee_minor,
  };
}

/** A contribution as a `daily_stats` row. */
const statsRow = (c: Contribution) => ({
  ...c.key,
  count: c.count,
  amount_minor: c.amount_minor,
  captured_minor: c.captured_minor,
  refunded_minor: c.refunded_minor,
  fee_minor: c.fee_minor,
});

async function add(trx: Tx, c: Contribution): Promise<void> {
  await trx
    .insertInto('daily_stats')
    .values(statsRow(c))
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'day', 'system', 'status', 'currency', 'shard']).doUpdateSet({
        count: sql`daily_stats.count + ${c.count}`,
        amount_minor: sql`daily_stats.amount_minor + ${c.amount_minor}`,
        captured_minor: sql`daily_stats.captured_minor + ${c.captured_minor}`,
        refunded_minor: sql`daily_stats.refunded_minor + ${c.refunded_minor}`,
        fee_minor: sql`daily_stats.fee_minor + ${c.fee_minor}`,
      }),
    )
    .execute();
}

export async function movePaymentStats(
  trx: Tx,
  timeZone: string,
  before: PaymentRow | null,
  after: PaymentRow,
): Promise<void> {
  const plus = contribution(after, timeZone, 1n);
  if (!before) return add(trx, plus);
  const minus = contribution(before, timeZone, -1n);
  if (JSON.stringify(minus.key, bigintJson) === JSON.stringify(plus.key, bigintJson)) {
    const delta: Contribution = {
      key: plus.key,
      count: 0n,
      amount_minor: plus.amount_minor + minus.amount_minor,
      captured_minor: plus.captured_minor + minus.captured_minor,
      refunded_minor: plus.refunded_minor + minus.refunded_minor,
      fee_minor: plus.fee_minor + minus.fee_minor,
    };
    if (
      delta.amount_minor === 0n &&
      delta.captured_minor === 0n &&
      delta.refunded_minor === 0n &&
      delta.fee_minor === 0n
    )
      return;
    return add(trx, delta);
  }
  // Lock order by key, so two payments moving between the same buckets cannot deadlock.
  const [first, second] = [minus, plus].sort((a, b) =>
    JSON.stringify(a.key, bigintJson) < JSON.stringify(b.key, bigintJson) ? -1 : 1,
  );
  await add(trx, first!);
  await add(trx, second!);
}

const bigintJson = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

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
        const c = contribution(row, timeZone, 1n);
        const key = JSON.stringify(c.key, bigintJson);
        const sum = buckets.get(key);
        if (!sum) buckets.set(key, c);
        else {
          sum.count += c.count;
          sum.amount_minor += c.amount_minor;
          sum.captured_minor += c.captured_minor;
          sum.refunded_minor += c.refunded_minor;
          sum.fee_minor += c.fee_minor;
        }
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
