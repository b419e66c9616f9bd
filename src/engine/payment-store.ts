import type { Updateable } from 'kysely';
import type { ThreeDsChallenge } from '../acquiring/connector.ts';
import type { PaymentStatus } from '../domain/states.ts';
import { paymentMachine, transition } from '../domain/states.ts';
import type { Flavor, Tx } from '../store/database.ts';
import type { PaymentRow, PaymentTable } from '../store/schema.ts';
import { followPayment } from './card-store.ts';
import type { EngineDeps } from './context.ts';
import { syncInvoice } from './invoices.ts';
import { publish } from './notify.ts';
import { toPayment } from './payment-view.ts';
import { movePaymentStats } from './stats.ts';

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

/**
 * Moves a payment from the status it was read in to `to`, with a conditional UPDATE on that
 * status, and records the consequences in the same transaction: history, statistics and
 * notifications. Returns null when the move is illegal or another request moved it first.
 */
export async function updatePayment(
  trx: Tx,
  deps: EngineDeps,
  before: PaymentRow,
  to: PaymentStatus,
  patch: Updateable<PaymentTable>,
  detail: Record<string, unknown> = {},
): Promise<PaymentRow | null> {
  const from = before.status as PaymentStatus;
  if (from !== to && !transition(paymentMachine, from, to).ok) return null;
  const now = deps.now().getTime();
  const after = await trx
    .updateTable('payments')
    .set({ ...patch, status: to, updated_at: now })
    .where('id', '=', before.id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
  if (!after) return null;
  await recordPaymentChange(trx, deps, before, after, detail);
  return after;
}

export async function recordPaymentChange(
  trx: Tx,
  deps: EngineDeps,
  before: PaymentRow | null,
  after: PaymentRow,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const now = deps.now().getTime();
  await movePaymentStats(trx, deps.config.statsTimeZone, before, after);
  if (before?.status === after.status) return;
  await syncInvoice(trx, after.id, after.status as PaymentStatus, now);
  await followPayment(trx, deps, before, after);
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
