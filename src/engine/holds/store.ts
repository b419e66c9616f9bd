import { deadlineAction } from '../../domain/states.ts';
import type { Tx } from '../../store/database.ts';
import type { PaymentRow } from '../../store/schema.ts';
import type { EngineContext, EngineDeps } from '../context.ts';
import { mustPost } from '../ledger/store.ts';
import { noChallenge, updatePayment } from '../payments/store.ts';
import { type ClaimedOp, opText } from './view.ts';

/** The ledger postings that give a hold's money back in the books. */
export const holdRelease = (row: PaymentRow) => [
  { account: 'held' as const, amountMinor: -row.authorized_minor },
  { account: 'holds' as const, amountMinor: row.authorized_minor },
];

/** The payment as the deadline rule (domain/states.ts deadlineAction) sees it. */
export const deadlineOf = (row: PaymentRow, nowMs: number) =>
  deadlineAction(
    {
      status: row.status,
      expiresAtMs: Number(row.expires_at),
      awaitingChallenge: row.challenge !== null,
      opInFlight: row.op_in_flight !== null,
    },
    nowMs,
  );

/**
 * What the deadline did under the caller's row lock: the payment ended (`release` null), or an
 * authorized hold was claimed for its release at the bank (`release`: the void to send once the
 * transaction has committed, with `sendHoldOp` in holds/ops.ts).
 */
export type DeadlineApplied = { row: PaymentRow; release: ClaimedOp | null };

/**
 * Applies the payment's deadline if it has passed, under the row lock the caller holds: the
 * sweep, a payer's page view, a payer's late card or 3-DS answer, a merchant's late capture all
 * end the same way. Null when the deadline changes nothing (not due, not expirable, or moved
 * meanwhile).
 *
 * An unpaid payment expires here. An authorized hold cannot simply end in our books: the issuer
 * keeps the payer's money blocked until the bank is told to let it go, and no bank call is made
 * with a transaction open. So the hold is claimed with the marker a void uses (`expiry#<seq>`,
 * its own operation at the bank), and the caller sends the void after the commit
 * (`sendHoldOp`); the bank's answer, whichever, ends it `expired` (holds/ops.ts). A caller that
 * does not send it (a payer's late card attempt, which has no business with the bank) leaves the
 * claim to the janitor, which sends that void again once the call is overdue, exactly as for a
 * void whose answer was lost. The claim also refuses any capture or void racing it.
 */
export async function expirePastDeadline(
  trx: Tx,
  deps: EngineContext,
  row: PaymentRow,
  by: string,
): Promise<DeadlineApplied | null> {
  const action = deadlineOf(row, deps.now().getTime());
  if (action === 'lapse') return claimLapsedHold(trx, deps, row);
  if (action !== 'expire') return null;
  const after = await updatePayment(trx, deps, row, 'expired', noChallenge, { by });
  return after && { row: after, release: null };
}

/** The hold past its deadline, claimed for its void at the bank (see expirePastDeadline). */
async function claimLapsedHold(trx: Tx, deps: EngineDeps, row: PaymentRow): Promise<DeadlineApplied | null> {
  const seq = row.op_seq + 1n;
  const op: ClaimedOp = { kind: 'expiry', seq };
  const after = await trx
    .updateTable('payments')
    // a janitor's wait before asking about an earlier operation is not this one's
    .set({ op_in_flight: opText(op), op_seq: seq, op_started_at: deps.now().getTime(), next_check_at: null })
    .where('id', '=', row.id)
    .where('status', '=', 'authorized')
    .where('op_in_flight', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return after ? { row: after, release: op } : null;
}

/**
 * A hold past its deadline lapses, and our books release it, once the bank has answered a void
 * of it: the void the deadline sent (`expiry`), or a merchant's void the bank declined past the
 * deadline (it let the hold go already). The caller holds the row lock; the marker of that void
 * goes with the hold. Never called without the bank's answer: released only here, the money
 * would stay blocked at the issuer.
 */
export async function lapseHold(
  trx: Tx,
  deps: EngineContext,
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
      currency: row.currency,
      kind: 'hold_expiry',
      refType: 'payment',
      refId: row.id,
      postings: holdRelease(row),
    },
    deps.now().getTime(),
  );
  return after;
}
