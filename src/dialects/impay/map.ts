import type { DeclineReason } from '../../acquiring/connector.ts';
import type { CardStatus, PaymentStatus, PayoutStatus } from '../../domain/states.ts';
import type { Card } from '../../engine/cards/view.ts';
import type { Payment } from '../../engine/payments/view.ts';
import type { Payout } from '../../engine/payouts/view.ts';
import type { CardDoc, StateRes } from './wire.ts';

/**
 * Pure conversions between the engine and ImPay's wire: ids, operation states, the bank's
 * `rc`, card documents. Amounts are in amount.ts, errors in errors.ts.
 */

// ---- ids ----

/** ImPay's ids are JSON integers that fit a signed 32-bit field (clients read them so). */
export const impayIdMax = 2 ** 31 - 1;

/**
 * An engine row id as ImPay writes it. Payments, payouts and cards each count from 1 in their
 * own table, so ids stay int32 far beyond any merchant's volume; an id past that would be a
 * number a client truncates, so it is a failure of ours, loudly, not a wrong answer.
 */
export function toImpayId(id: bigint): number {
  if (id < 1n || id > BigInt(impayIdMax)) throw new RangeError(`id ${id} does not fit ImPay's int32 ids`);
  return Number(id);
}

/**
 * An id a client sent (`12`, `"12"`, the text of a JSON number token): a positive int32, or
 * null when it is anything else (`"сard"`, `-1`, `1.5`, `1e3`, too large), which names no
 * operation or card.
 */
export function fromImpayId(value: unknown): bigint | null {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : '') : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,9}$/.test(text)) return null;
  const id = BigInt(text);
  return id <= BigInt(impayIdMax) ? id : null;
}

// ---- operation states ----

/** `/pay/state`, `/out/state`, `/ident/state` and the callback's `status`. */
export const impayStates = { processing: 0, success: 1, error: 2, canceled: 3, held: 4 } as const;
export type ImpayState = (typeof impayStates)[keyof typeof impayStates];

/**
 * A payment's state. `authorized` only happens to holds (a charge is captured in the same
 * step), so it is 4, held. Money given back, in full (`refunded`), reads as canceled; a
 * partial refund leaves the payment a success. A payment nobody paid in time is canceled,
 * not an error: no bank refused anything.
 */
export const paymentState = {
  created: 0,
  pending: 0,
  unknown: 0,
  authorized: 4,
  captured: 1,
  partially_refunded: 1,
  refunded: 3,
  failed: 2,
  canceled: 3,
  expired: 3,
} as const satisfies Record<PaymentStatus, ImpayState>;

/** A payout's state; `unknown` (the bank did not answer yet) is still processing. */
export const payoutState = {
  pending: 0,
  unknown: 0,
  succeeded: 1,
  failed: 2,
} as const satisfies Record<PayoutStatus, ImpayState>;

/**
 * The bank's response code for a decline that came without one (a test connector's): the
 * ISO 8583 codes Russian acquirers report.
 */
export const declineRc = {
  do_not_honor: '05',
  insufficient_funds: '51',
  expired_card: '54',
  lost_card: '41',
  stolen_card: '43',
  invalid_card: '14',
  processing_error: '96',
  authentication_failed: '05',
  not_permitted: '57',
} as const satisfies Record<DeclineReason, string>;

const isDeclineReason = (reason: string): reason is DeclineReason => Object.hasOwn(declineRc, reason);

/** `rc` is `""` while processing, else the bank's code; `""` when no bank was involved. */
function rcOf(state: ImpayState, bankRc: string | null, declineReason: string | null): string {
  if (state === impayStates.processing) return '';
  if (bankRc) return bankRc;
  return declineReason !== null && isDeclineReason(declineReason) ? declineRc[declineReason] : '';
}

export function paymentStateRes(payment: Payment): StateRes {
  const status = paymentState[payment.status];
  return { status, message: '', rc: rcOf(status, payment.receipt.rc, payment.decline?.reason ?? null) };
}

export function payoutStateRes(payout: Payout): StateRes {
  const status = payoutState[payout.status];
  return { status, message: '', rc: rcOf(status, payout.rc, payout.declineReason) };
}

// ---- cards ----

/**
 * `card/get`'s status of a registration: 0 waiting for the payer (or the bank), 1 the card is
 * kept, 2 it failed. A card deleted since was registered; `card/get` answers it as failed,
 * since it can no longer be used (card/info says "not found").
 */
export const cardRegistrationState = {
  created: 0,
  pending: 0,
  active: 1,
  failed: 2,
  expired: 2,
  deleted: 2,
} as const satisfies Record<CardStatus, 0 | 1 | 2>;

/**
 * The card document: `num` masked (first six, last four), `exp` "mm/yy" and `holder` a
 * string. A payout-only card (`type: 1`) was never charged, so its expiry is unknown: `""`,
 * as ImPay writes it. `holder` is never null: clients read it into a non-nullable string.
 */
export const cardDoc = (card: Card): CardDoc => ({
  id: toImpayId(card.id),
  num: card.mask ?? '',
  exp: card.purpose === 'payout' ? '' : (card.expiry ?? ''),
  holder: card.holder ?? '',
});

/** ImPay's card `type`: 0 for autopay (and payouts), 1 for payouts only. */
export const cardPurposeOf = (type: 0 | 1): Card['purpose'] => (type === 0 ? 'pay' : 'payout');
