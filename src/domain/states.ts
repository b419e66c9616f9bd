import { fail, ok, type Result } from './result.ts';

/**
 * Every state machine of the gateway as a table of allowed transitions. A move not in a
 * table is an error value; the engine applies a move only with a conditional UPDATE on the
 * `from` state, so two racing requests cannot both make it.
 */
type Machine<S extends string> = { readonly [K in S]: readonly S[] };

export const paymentStates = [
  'created',
  'pending',
  'unknown',
  'authorized',
  'captured',
  'partially_refunded',
  'refunded',
  'failed',
  'canceled',
  'expired',
] as const;
export type PaymentStatus = (typeof paymentStates)[number];

export const paymentMachine = {
  // created: waiting for the payer; pending: the bank is working on an attempt (incl. 3-DS)
  created: ['pending', 'failed', 'canceled', 'expired'],
  // back to created when an attempt is declined and the payer may try another card
  pending: ['created', 'unknown', 'authorized', 'captured', 'failed', 'canceled', 'expired'],
  // the bank did not answer in time; a status query settles it (a decline reopens the
  // payment like any declined attempt while attempts and time remain). Back to pending: a
  // 3-DS answer the bank never received, so the payer is given the challenge again
  unknown: ['created', 'pending', 'authorized', 'captured', 'failed'],
  authorized: ['captured', 'canceled', 'expired'],
  captured: ['partially_refunded', 'refunded'],
  partially_refunded: ['refunded'],
  refunded: [],
  failed: [],
  canceled: [],
  expired: [],
} as const satisfies Machine<PaymentStatus>;

export const refundStates = ['pending', 'unknown', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof refundStates)[number];
export const refundMachine = {
  pending: ['unknown', 'succeeded', 'failed'],
  unknown: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
} as const satisfies Machine<RefundStatus>;

export const payoutStates = ['pending', 'unknown', 'succeeded', 'failed'] as const;
export type PayoutStatus = (typeof payoutStates)[number];
export const payoutMachine = {
  pending: ['unknown', 'succeeded', 'failed'],
  unknown: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
} as const satisfies Machine<PayoutStatus>;

/**
 * A person's identification: the phone code is awaited (`code_sent`), then the registries are
 * asked (`verifying`); too many wrong codes or a code not entered in time end it (`expired`).
 */
export const identificationStates = ['code_sent', 'verifying', 'verified', 'rejected', 'expired'] as const;
export type IdentificationStatus = (typeof identificationStates)[number];
export const identificationMachine = {
  code_sent: ['verifying', 'expired'],
  verifying: ['verified', 'rejected'],
  verified: [],
  rejected: [],
  expired: [],
} as const satisfies Machine<IdentificationStatus>;

export const cardStates = ['created', 'pending', 'active', 'failed', 'expired', 'deleted'] as const;
export type CardStatus = (typeof cardStates)[number];
export const cardMachine = {
  // created: registration link issued; pending: the bank is checking the card
  created: ['pending', 'active', 'failed', 'expired', 'deleted'],
  pending: ['created', 'active', 'failed', 'expired'],
  active: ['deleted'],
  failed: [],
  expired: [],
  deleted: [],
} as const satisfies Machine<CardStatus>;

export const invoiceStates = ['created', 'sent', 'paid', 'expired', 'canceled'] as const;
export type InvoiceStatus = (typeof invoiceStates)[number];
export const invoiceMachine = {
  created: ['sent', 'paid', 'expired', 'canceled'],
  sent: ['sent', 'paid', 'expired', 'canceled'],
  paid: [],
  expired: [],
  canceled: [],
} as const satisfies Machine<InvoiceStatus>;

export type Transition<S extends string> = { from: S; to: S };
export type IllegalTransition<S extends string> = { code: 'illegal_transition'; from: S; to: S };

export function transition<S extends string>(
  machine: Machine<S>,
  from: S,
  to: S,
): Result<Transition<S>, IllegalTransition<S>> {
  return (machine[from] as readonly S[]).includes(to)
    ? ok({ from, to })
    : fail({ code: 'illegal_transition', from, to });
}

export const isFinal = <S extends string>(machine: Machine<S>, state: S): boolean =>
  machine[state].length === 0;

/** States a payment may be refunded from. */
export const refundableStates = [
  'captured',
  'partially_refunded',
] as const satisfies readonly PaymentStatus[];
/** States in which the payer may still pay. */
export const payableStates = ['created'] as const satisfies readonly PaymentStatus[];

/**
 * What a payment's deadline (`expires_at`) does to it once passed: a payment nobody paid, or
 * whose payer left the bank's 3-D Secure page (nothing is with the bank), `expire`s; an
 * uncaptured hold `lapse`s (capturing is over; its money is released in the books). Null when
 * it is not due, when the deadline no longer concerns it, or while an operation is with the
 * bank (`opInFlight`): that answer decides, and the deadline applies once it has come.
 * A void is the one thing a hold past its deadline still takes (holds.ts).
 */
export function deadlineAction(
  p: { status: PaymentStatus; expiresAtMs: number; awaitingChallenge: boolean; opInFlight: boolean },
  nowMs: number,
): 'expire' | 'lapse' | null {
  if (p.expiresAtMs > nowMs || p.opInFlight) return null;
  if (p.status === 'created' || (p.status === 'pending' && p.awaitingChallenge)) return 'expire';
  return p.status === 'authorized' ? 'lapse' : null;
}
