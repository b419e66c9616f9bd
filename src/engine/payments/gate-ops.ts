import type { EngineError } from '../../domain/errors.ts';
import { ok, type Result } from '../../domain/result.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { findPayment, lockPayment, updatePayment } from './store.ts';
import { type Payment, toPayment } from './view.ts';

/**
 * The payment gate (EngineDeps.paymentGate) before a card attempt: null to go on to the bank,
 * or the payment failed because the merchant refused it. The refusal is `not_permitted` (rc
 * 57, "transaction not permitted"), with the merchant's message, and no bank is called. A
 * card registration is no payment of the merchant's and is not asked about.
 */
export async function gateRefusal(
  deps: EngineContext,
  ref: { publicId: string } | { id: bigint },
  merchantId: bigint | undefined,
): Promise<Result<{ payment: Payment; outcome: 'declined' }, EngineError> | null> {
  if (!deps.paymentGate) return null;
  const row = await findPayment(deps.database, ref, merchantId);
  if (row?.status !== 'created' || row.card_role === 'verify') return null; // the claim decides
  const verdict = await deps.paymentGate(toPayment(row));
  if (verdict.allowed) return null;
  const failed = await inTransaction(deps.database, async (trx) => {
    const now = await lockPayment(trx, deps.database.flavor, { id: row.id }, row.merchant_id);
    if (now?.status !== 'created') return null;
    return updatePayment(
      trx,
      deps,
      now,
      'failed',
      { decline_reason: 'not_permitted', decline_message: verdict.message },
      { reason: 'not_permitted', by: 'merchant check' },
    );
  });
  // a concurrent attempt moved it first: that attempt's claim answers as usual
  if (!failed) return null;
  return ok({ payment: toPayment(failed), outcome: 'declined' });
}
