import assert from 'node:assert/strict';
import { sql, type Updateable } from 'kysely';
import type { ThreeDsChallenge } from '../../acquiring/connector.ts';
import type { PaymentStatus } from '../../domain/states.ts';
import { paymentMachine, transition } from '../../domain/states.ts';
import type { Database, Flavor, Tx } from '../../store/database.ts';
import type { PaymentRow, PaymentTable } from '../../store/schema.ts';
import type { EngineContext } from '../context.ts';
import { publish } from '../outbox/store.ts';
import { toPayment } from './view.ts';

/**
 * The 3-D Secure challenge a payment waits on, and when it lapses (the bank's `expiresAt`,
 * kept in a column of its own for the sweep of lapsed challenges): stored and cleared together.
 */
export const withChallenge = (challenge: ThreeDsChallenge) => {
  const lapsesAt = challenge.expiresAt === undefined ? Number.NaN : Date.parse(challenge.expiresAt);
  return {
    challenge: JSON.stringify(challenge),
    challenge_expires_at: Number.isNaN(lapsesAt) ? null : lapsesAt,
  };
};
export const noChallenge = { challenge: null, challenge_expires_at: null } as const;

export type PaymentKey = { id: bigint } | { publicId: string } | { merchantId: bigint; externalId: string };

/**
 * Reads a payment inside a transaction; on PostgreSQL it also takes the row lock, so the
 * rest of the use case sees the row as it will be updated. (SQLite transactions are
 * serialized already.) Scoped by merchant when `merchantId` is given: one merchant never
 * reaches another's payment.
 */
export async function lockPayment(
  trx: Tx,
  flavor: Flavor,
  key: PaymentKey,
  merchantId?: bigint,
): Promise<PaymentRow | undefined> {
  let query = trx.selectFrom('payments').selectAll();
  if ('id' in key) query = query.where('id', '=', key.id);
  else if ('publicId' in key) query = query.where('public_id', '=', key.publicId);
  else query = query.where('merchant_id', '=', key.merchantId).where('external_id', '=', key.externalId);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  if (flavor === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

export type PaymentRef = { id: bigint } | { publicId: string } | { externalId: string };

/** Reads one payment of one merchant (or, with no merchant, for the payer's page by public id). */
export async function findPayment(
  database: Database,
  ref: PaymentRef,
  merchantId?: bigint,
): Promise<PaymentRow | undefined> {
  let query = database.db.selectFrom('payments').selectAll();
  if ('id' in ref) query = query.where('id', '=', ref.id);
  else if ('publicId' in ref) query = query.where('public_id', '=', ref.publicId);
  else {
    if (merchantId === undefined) return undefined;
    query = query.where('external_id', '=', ref.externalId);
  }
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  return query.executeTakeFirst();
}

const amountColumns = [
  'amount_minor',
  'authorized_minor',
  'captured_minor',
  'refunded_minor',
  'refund_reserved_minor',
  'fee_minor',
] as const;
type PaymentAmounts = Pick<PaymentRow, 'id' | (typeof amountColumns)[number]>;

/**
 * The amounts of a payment as the engine maintains them, checked before and after every write
 * of a payment (and by the CHECK constraints of 0006_amount_checks): what is refunded or
 * reserved for refunds still with the bank never exceeds what was captured, a capture never
 * exceeds the hold, a hold never exceeds the payment. The fee is the quote on the whole amount
 * until something is captured, then the fee on what was captured. A violation is our bug,
 * never the caller's: it throws.
 */
export function assertPaymentAmounts(row: PaymentAmounts): void {
  const id = `payment ${row.id}`;
  assert(row.amount_minor > 0n, `${id}: amount > 0`);
  assert(row.refunded_minor >= 0n && row.refund_reserved_minor >= 0n, `${id}: refunds are not negative`);
  assert(
    row.refunded_minor + row.refund_reserved_minor <= row.captured_minor,
    `${id}: refunded + reserved <= captured`,
  );
  assert(row.captured_minor <= row.authorized_minor, `${id}: captured <= authorized`);
  assert(row.authorized_minor <= row.amount_minor, `${id}: authorized <= amount`);
  assert(row.fee_minor >= 0n, `${id}: fee >= 0`);
  assert(
    row.captured_minor === 0n ? row.fee_minor <= row.amount_minor : row.fee_minor <= row.captured_minor,
    `${id}: fee <= captured (the quote <= amount while nothing is captured)`,
  );
}

/** The amounts a patch leaves on the row; updatePayment's patches set amounts as plain values. */
function amountsAfter(before: PaymentRow, patch: Updateable<PaymentTable>): PaymentAmounts {
  const after: PaymentAmounts = { ...before };
  for (const column of amountColumns) {
    const value = patch[column];
    if (value === undefined) continue;
    assert(typeof value === 'bigint' || typeof value === 'number', `updatePayment sets ${column} as a value`);
    after[column] = BigInt(value);
  }
  return after;
}

/**
 * Moves a payment from the status it was read in to `to`, with a conditional UPDATE on that
 * status, and records the consequences in the same transaction: history, statistics and
 * notifications. Returns null when the move is illegal or another request moved it first.
 */
export async function updatePayment(
  trx: Tx,
  deps: EngineContext,
  before: PaymentRow,
  to: PaymentStatus,
  patch: Updateable<PaymentTable>,
  detail: Record<string, unknown> = {},
): Promise<PaymentRow | null> {
  const from = before.status;
  if (from !== to && !transition(paymentMachine, from, to).ok) return null;
  // asserted before the write too, so a broken invariant never meets the database's CHECK first
  assertPaymentAmounts(amountsAfter(before, patch));
  const now = deps.now().getTime();
  const update = trx
    .updateTable('payments')
    .set({ ...patch, status: to, updated_at: now })
    .where('id', '=', before.id)
    .where('status', '=', from)
    .returningAll();
  const withEvent = from !== to && deps.database.flavor === 'postgres';
  const after = withEvent
    ? await trx
        .with('changed', () => update)
        .with('event', () => eventOf(trx, 'changed', from, to, detail, now))
        .selectFrom('changed')
        .selectAll()
        .executeTakeFirst()
    : await update.executeTakeFirst();
  if (!after) return null;
  await recordPaymentChange(trx, deps, before, after, detail, { eventWritten: withEvent });
  return after;
}

/**
 * PostgreSQL: the history row of a payment's move, written by the statement that moves it (a
 * data-modifying CTE over the payment it returns, so a statement that changes no row writes
 * no history): one round trip instead of two. Constants are cast, since PostgreSQL does not
 * type a parameter from the column it is inserted into through a SELECT.
 */
export function eventOf(
  trx: Tx,
  from: string,
  before: PaymentStatus | null,
  to: PaymentStatus,
  detail: Record<string, unknown>,
  now: number,
) {
  return trx
    .insertInto('payment_events')
    .columns(['payment_id', 'from_status', 'to_status', 'detail', 'created_at'])
    .expression(
      sql`select ${sql.ref(`${from}.id`)}, cast(${before} as text), cast(${to} as text), cast(${JSON.stringify(detail)} as text), cast(${now} as bigint) from ${sql.table(from)}`,
    );
}

/**
 * Records a payment's change in its transaction: its followers, and, when its status moved,
 * history and notifications. Every write of a payment's amounts goes through here.
 */
export async function recordPaymentChange(
  trx: Tx,
  deps: EngineContext,
  before: PaymentRow | null,
  after: PaymentRow,
  detail: Record<string, unknown> = {},
  /** `eventWritten`: the statement that changed the payment wrote its history row (eventOf). */
  done: { eventWritten?: boolean } = {},
): Promise<void> {
  assertPaymentAmounts(after);
  const now = deps.now().getTime();
  // statistics, the invoice, the card: assembled in createEngine, in this order
  for (const follow of deps.followers) await follow(trx, deps, before, after);
  if (before?.status === after.status) return;
  if (!done.eventWritten)
    await trx
      .insertInto('payment_events')
      .values({
        payment_id: after.id,
        from_status: before?.status ?? null,
        to_status: after.status,
        detail: JSON.stringify(detail),
        created_at: now,
      })
      .execute();
  await publish(
    trx,
    deps.notifiers,
    { type: 'payment', name: `payment.${after.status}`, payment: toPayment(after) },
    now,
  );
}
