import type { Currency } from '../domain/currency.ts';
import { deadlineAction, type PaymentStatus } from '../domain/states.ts';
import type { Tx } from '../store/database.ts';
import type { PaymentRow } from '../store/schema.ts';
import type { EngineDeps } from './context.ts';
import { mustPost } from './ledger.ts';
import { noChallenge, updatePayment } from './payment-store.ts';

/** The ledger postings that give a hold's money back in the books. */
export const holdRelease = (row: PaymentRow) => [
  { account: 'held' as const, amountMinor: -row.authorized_minor },
  { account: 'holds' as const, amountMinor: row.authorized_minor },
];

/** The payment as the deadline rule (domain/states.ts deadlineAction) sees it. */
export const deadlineOf = (row: PaymentRow, nowMs: number) =>
  deadlineAction(
    {
      status: row.status as PaymentStatus,
      expiresAtMs: Number(row.expires_at),
      awaitingChallenge: row.challenge !== null,
      opInFlight: row.op_in_flight !== null,
    },
    nowMs,
  );

/**
 * Applies the payment's deadline if it has passed, under the row lock the caller holds: the
 * sweep, a payer's late card or 3-DS answer, a merchant's late capture all end the same way.
 * The row after, or null when the deadline changes nothing (not due, not expirable, or moved
 * meanwhile).
 */
export async function expirePastDeadline(
  trx: Tx,
  deps: EngineDeps,
  row: PaymentRow,
  by: string,
): Promise<PaymentRow | null> {
  const action = deadlineOf(row, deps.now().getTime());
  if (action === 'lapse') return lapseHold(trx, deps, row, by);
  if (action === 'expire') return updatePayment(trx, deps, row, 'expired', noChallenge, { by });
  return null;
}

/**
 * An uncaptured hold past its deadline lapses, and our books release it. The caller holds the
 * row lock, and either no capture or void is in flight or the bank has just declined the void
 * (its marker goes with the hold). Nothing is sent to the bank (no bank call
 * is made with a transaction open): the issuer lets an uncaptured authorization go on its own
 * schedule, and a merchant who wants the payer's money released sooner voids the hold, which
 * reaches the bank even past the deadline (holds.ts).
 */
export async function lapseHold(
  trx: Tx,
  deps: EngineDeps,
  row: PaymentRow,
  by: string,
): Promise<PaymentRow | null> {
  const after = await updatePayment(
    trx,
    deps,
    row,
    'expired',
    { op_in_flight: null, op_started_at: null },
    { by },
  );
  if (!after) return null;
  await mustPost(
    trx,
    {
      merchantId: row.merchant_id,
      currency: row.currency as Currency,
      kind: 'hold_expiry',
      refType: 'payment',
      refId: row.id,
      postings: holdRelease(row),
    },
    deps.now().getTime(),
  );
  return after;
}
