import { randomInt } from 'node:crypto';
import { fieldRefusal, impayFail, refusalOf } from '../errors.ts';
import { cardDoc, cardRegistrationState, toImpayId } from '../map.ts';
import type { ImpayOperations } from '../operation.ts';
import { parseCardGet, parseCardRef, parseCardReg } from '../parse.ts';

/**
 * The card vault as ImPay exposes it. `card/reg` answers the id of the registration's
 * verification payment (not the card's), which `card/get` and `pay/state` then take.
 */

const minuteMs = 60_000;
const cardNotFound = impayFail.card_not_found;

/** ImPay's test charge: a random 1.00–10.00 RUB, given back once the card is approved. */
const verificationAmountMinor = (): bigint => BigInt(randomInt(100, 1001));

export const cardsOperations: ImpayOperations = {
  'card/reg': async (call) => {
    const cmd = parseCardReg(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const c = cmd.value;
    const registered = await call.host.engine.registerCard({
      merchantId: call.merchant.id,
      origin: 'impay',
      purpose: c.purpose,
      externalId: c.externalId,
      returnUrls: c.returnUrls,
      // type 1 cards are only ever paid to: ImPay takes their number without a test charge
      ...(c.purpose === 'payout'
        ? { verification: 'number_only' as const }
        : { verificationAmountMinor: verificationAmountMinor() }),
      ...(c.timeoutMinutes === null
        ? {}
        : { expiresAt: new Date(call.host.now().getTime() + c.timeoutMinutes * minuteMs) }),
    });
    if (!registered.ok) return refusalOf(call.path, registered.error);
    const { payment, url } = registered.value;
    return { status: 1, message: '', id: toImpayId(payment.id), url };
  },

  /** 0 waiting, 1 kept (with the card), 2 failed: top-level `status: 2` (COMPAT.md). */
  'card/get': async (call) => {
    const cmd = parseCardGet(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const card = await call.host.engine.getCard(call.merchant.id, { paymentId: cmd.value.registrationId });
    if (!card) return cardNotFound;
    const state = cardRegistrationState[card.status];
    if (state === 1) return { status: 1, message: '', card: cardDoc(card) };
    if (state === 2) return { status: 2, message: 'Регистрация карты не удалась' };
    return { status: 0, message: 'Регистрация карты не завершена' };
  },

  /** A kept card; one not (or no longer) usable is not found. */
  'card/info': async (call) => {
    const cmd = parseCardRef(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const card = await call.host.engine.getCard(call.merchant.id, { id: cmd.value.cardId });
    if (card?.status !== 'active') return cardNotFound;
    return { status: 1, message: '', card: cardDoc(card) };
  },

  'card/del': async (call) => {
    const cmd = parseCardRef(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const deleted = await call.host.engine.deleteCard({
      merchantId: call.merchant.id,
      cardId: cmd.value.cardId,
    });
    return deleted.ok ? { status: 1, message: '' } : refusalOf(call.path, deleted.error);
  },
};
