import { limits } from '../../domain/limits.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { sendHoldOp } from '../holds/ops.ts';
import { expirePastDeadline } from '../holds/store.ts';
import { lockPayment } from '../payments/store.ts';

/**
 * Expiry, a background chore, idempotent and safe to run from any number of processes: expire
 * what nobody paid, and release at the bank the holds nobody captured.
 */
export async function expireDue(deps: EngineContext, batch: number = limits.outboxBatchMax): Promise<number> {
  const now = deps.now().getTime();
  const due = await deps.database.db
    .selectFrom('payments')
    .select(['id'])
    // holds/store.ts's rule, in SQL: what may be due, each checked again under its row lock
    .where('expires_at', '<=', BigInt(now))
    // A hold whose capture or void is with the bank waits for that answer (expireOne skips
    // it); selected here, it would take a place in every batch from payments really due.
    .where('op_in_flight', 'is', null)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['created', 'authorized']),
        // a payer who left the 3-DS page: nothing is with the bank
        eb.and([eb('status', '=', 'pending'), eb('challenge', 'is not', null)]),
      ]),
    )
    .orderBy('expires_at')
    .orderBy('id')
    .limit(batch)
    .execute();
  let expired = 0;
  for (const { id } of due) if (await expireOne(deps, { id })) expired++;
  return expired;
}

/**
 * The payer opened the page of a payment whose deadline has passed: expire it now rather
 * than at the next sweep, so the page can say so. False when it is not due (or not expirable),
 * or when a lapsed hold's void has not been answered yet (the janitor finishes it).
 */
export async function expireIfDue(
  deps: EngineContext,
  ref: { publicId: string } | { id: bigint },
): Promise<boolean> {
  return expireOne(deps, ref);
}

/**
 * One payment's expiry: the rule (holds/store.ts) is applied under the row lock, in its own
 * transaction. A hold past its deadline is claimed there, and its void sent to the bank after
 * the commit, so the payer's money is released at the issuer too; an unanswered void leaves
 * the claim to resolveUnsettled (chores/janitor.ts).
 */
async function expireOne(deps: EngineContext, ref: { publicId: string } | { id: bigint }): Promise<boolean> {
  const applied = await inTransaction(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, ref);
    return row ? expirePastDeadline(trx, deps, row, 'expiry') : null;
  });
  if (!applied) return false;
  if (!applied.release) return true;
  const released = await sendHoldOp(deps, applied.row, applied.release);
  return released.ok && released.value.status === 'expired';
}
