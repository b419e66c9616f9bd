import type { CardView } from '../../domain/card.ts';
import type { EngineError } from '../../domain/errors.ts';
import { ok, type Result } from '../../domain/result.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { lockPayment, updatePayment } from '../payments/store.ts';
import { type Payment, toPayment } from '../payments/view.ts';
import { lockCard, moveCard } from './store.ts';
import { panAad } from './view.ts';

/** How a registration checks its card: a voided hold, or (payout cards) the number only. */
export type CardVerification = 'hold' | 'number_only';

/** Kept in the registration payment's metadata: its page takes the number without a charge. */
export const numberOnlyMark = { cardVerification: 'number_only' } as const;

const isNumberOnly = (metadata: string): boolean => {
  try {
    return (JSON.parse(metadata) as Record<string, unknown>)?.cardVerification === 'number_only';
  } catch {
    return false;
  }
};

/**
 * A card kept for payouts only (ImPay's `type: 1`) is registered without a charge: money is
 * only ever paid *to* it, so there is nothing to verify with a hold. When the payer submits
 * such a registration's form, the number is sealed into the card, which is `active` at once,
 * and the registration's payment is closed (`canceled`) with no bank call and no ledger entry.
 * Null for every other payment: the ordinary attempt goes on.
 */
export async function collectPayoutCard(
  deps: EngineContext,
  ref: { publicId: string } | { id: bigint },
  merchantId: bigint | undefined,
  pan: string,
  view: CardView,
): Promise<Result<{ payment: Payment; outcome: 'approved' }, EngineError> | null> {
  const collected = await inTransaction(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, ref, merchantId);
    // a registration takes its number from the payer's page only (merchantId is the back end's)
    if (row?.card_role !== 'verify' || row.card_id === null || merchantId !== undefined) return null;
    if (row.status !== 'created' || !isNumberOnly(row.metadata)) return null; // the claim answers
    const card = await lockCard(trx, deps.database.flavor, row.card_id, row.merchant_id);
    if (card?.purpose !== 'payout' || card.status !== 'created') return null;
    const sealed = deps.vault.encrypt(pan, panAad(card.merchant_id, card.id));
    const active = await moveCard(trx, deps, card, 'active', {
      pan_key_id: sealed.keyId,
      pan_encrypted: sealed.ciphertext,
      mask: view.mask,
      bin: view.bin,
      last4: view.last4,
      brand: view.brand,
      expiry: view.expiry,
      holder: view.holder,
    });
    if (!active) return null;
    // the card is active first, so the payment's close leaves it so (an active card stays active)
    return updatePayment(
      trx,
      deps,
      row,
      'canceled',
      { card_mask: view.mask, card_brand: view.brand, card_holder: view.holder, card_expiry: view.expiry },
      { by: 'payout card collected' },
    );
  });
  return collected ? ok({ payment: toPayment(collected), outcome: 'approved' }) : null;
}
