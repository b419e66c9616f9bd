import { sql } from 'kysely';
import type { Currency } from '../../domain/currency.ts';
import type { PaymentStatus } from '../../domain/states.ts';
import type { Tx } from '../../store/database.ts';
import type { PaymentRow } from '../../store/schema.ts';
import type { PaymentFollower } from '../context.ts';

/**
 * Per-day aggregates by merchant, payment system, status and currency, kept in the same
 * transaction as the payment, so period sums and counts read a few rows per day instead of
 * scanning payments. A change moves a payment's whole contribution from its old bucket to
 * its new one, which stays right whatever fields changed. Each bucket is split into
 * `statsShards` rows by payment id, so one merchant's concurrent payments do not all queue
 * for the lock of a single row; readers sum the shards.
 */
export const statsShards = 8n;

export type Contribution = {
  key: {
    merchant_id: bigint;
    day: string;
    system: string;
    status: PaymentStatus;
    currency: Currency;
    shard: bigint;
  };
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
export const contributionColumns = [
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

/**
 * The one rule of what a payment adds to which bucket, for the live path, the rebuild and the
 * demo seed. `day` is the day of `created_at` in `timeZone` when the caller already knows it.
 */
export function contribution(
  row: ContributingRow,
  timeZone: string,
  sign: bigint,
  day = dayIn(timeZone, new Date(Number(row.created_at))),
): Contribution {
  return {
    key: {
      merchant_id: row.merchant_id,
      day,
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

/** Adds a contribution to the sum of its bucket in `buckets` (by key), for writing all at once. */
export function sumInto(buckets: Map<string, Contribution>, c: Contribution): void {
  const k = c.key;
  const key = `${k.merchant_id}|${k.day}|${k.system}|${k.status}|${k.currency}|${k.shard}`;
  const sum = buckets.get(key);
  if (!sum) buckets.set(key, { ...c, key: { ...k } });
  else {
    sum.count += c.count;
    sum.amount_minor += c.amount_minor;
    sum.captured_minor += c.captured_minor;
    sum.refunded_minor += c.refunded_minor;
    sum.fee_minor += c.fee_minor;
  }
}

/** A contribution as a `daily_stats` row. */
export const statsRow = (c: Contribution) => ({
  ...c.key,
  count: c.count,
  amount_minor: c.amount_minor,
  captured_minor: c.captured_minor,
  refunded_minor: c.refunded_minor,
  fee_minor: c.fee_minor,
});

/**
 * Adds contributions to their buckets in one statement (one round trip for a payment's move
 * out of one bucket and into another). The keys must differ; rows are written, and so their
 * buckets locked, in the order given.
 */
export async function addContributions(trx: Tx, ...contributions: Contribution[]): Promise<void> {
  await trx
    .insertInto('daily_stats')
    .values(contributions.map(statsRow))
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'day', 'system', 'status', 'currency', 'shard']).doUpdateSet({
        count: sql`daily_stats.count + excluded.count`,
        amount_minor: sql`daily_stats.amount_minor + excluded.amount_minor`,
        captured_minor: sql`daily_stats.captured_minor + excluded.captured_minor`,
        refunded_minor: sql`daily_stats.refunded_minor + excluded.refunded_minor`,
        fee_minor: sql`daily_stats.fee_minor + excluded.fee_minor`,
      }),
    )
    .execute();
}

/** A payment's change moves its contribution, in its transaction (a follower of every change). */
export const statsFollowPayment: PaymentFollower = (trx, deps, before, after) =>
  movePaymentStats(trx, deps.config.statsTimeZone, before, after);

async function movePaymentStats(
  trx: Tx,
  timeZone: string,
  before: PaymentRow | null,
  after: PaymentRow,
): Promise<void> {
  const plus = contribution(after, timeZone, 1n);
  if (!before) return addContributions(trx, plus);
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
    return addContributions(trx, delta);
  }
  // Lock order by key, so two payments moving between the same buckets cannot deadlock.
  const [first, second] = [minus, plus].sort((a, b) =>
    JSON.stringify(a.key, bigintJson) < JSON.stringify(b.key, bigintJson) ? -1 : 1,
  );
  await addContributions(trx, first!, second!);
}

export const bigintJson = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
