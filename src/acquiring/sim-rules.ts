import { type CardBrand, cardBrand, isExpired, maskPan, normalizePan, validCvc } from '../domain/card.ts';
import type { CardData } from '../domain/card-data.ts';
import type { Currency } from '../domain/currency.ts';
import { limits } from '../domain/limits.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import type { DeclineReason, IdentityVerdict } from './connector.ts';
import type { SimAuthorizationState } from './sim-store.ts';
import { behaviourOf, declinedAccountSuffix, findTestCard, type TestCardBehaviour } from './test-cards.ts';

/**
 * The simulator bank's decisions, as pure functions: which card declines and why, and what a
 * capture, void or refund may do to an authorization. simulator.ts applies them to the store.
 */

/** ISO 8583-style response codes the simulator uses; one place, so docs and tests agree. */
export const simRc = {
  approved: '00',
  doNotHonor: '05',
  /** 3-D Secure failed or was abandoned: issuers commonly answer a plain 05. */
  authenticationFailed: '05',
  invalidTransaction: '12',
  invalidAmount: '13',
  invalidCardNumber: '14',
  /** "Unable to locate record": an operation or authorization the bank never saw. */
  noSuchRecord: '25',
  expiredCard: '54',
  /** Visa's "CVV2 failure"; here a CVC of the wrong shape. */
  badCvc: 'N7',
  systemError: '96',
} as const;

export type Decline = { reason: DeclineReason; rc: string; message: string };

const decline = (reason: DeclineReason, rc: string, message: string): Decline => ({ reason, rc, message });

const declineMessages: Record<DeclineReason, string> = {
  do_not_honor: 'Do not honor',
  insufficient_funds: 'Insufficient funds',
  expired_card: 'Expired card',
  lost_card: 'Lost card, pick up',
  stolen_card: 'Stolen card, pick up',
  invalid_card: 'Invalid card',
  processing_error: 'System malfunction at the issuer',
  authentication_failed: '3-D Secure authentication failed',
  not_permitted: 'Transaction not permitted',
};

export const messageFor = (reason: DeclineReason): string => declineMessages[reason];

/** A card the bank accepted for processing: what it may keep (masked) and what it will do. */
export type ScreenedCard = { mask: string; brand: CardBrand; behaviour: TestCardBehaviour };

/**
 * Checks a card the way an issuer would before looking at funds: number, CVC shape, expiry,
 * then the test-card table. The CVC is only looked at, never returned.
 */
export function screenCard(card: CardData, now: Date): Result<ScreenedCard, Decline> {
  const pan = normalizePan(card.pan);
  if (!pan.ok) return fail(decline('invalid_card', simRc.invalidCardNumber, 'Invalid card number'));
  const brand = cardBrand(pan.value);
  if (card.cvc !== undefined && !validCvc(card.cvc, brand)) {
    return fail(decline('invalid_card', simRc.badCvc, 'Invalid CVC'));
  }
  if (isExpired(card.expiry, now)) return fail(decline('expired_card', simRc.expiredCard, 'Expired card'));
  return screenPan(pan.value);
}

/** A card known by its number only (a payout by number): the number and the test-card table. */
export function screenPan(number: string): Result<ScreenedCard, Decline> {
  const pan = normalizePan(number);
  if (!pan.ok) return fail(decline('invalid_card', simRc.invalidCardNumber, 'Invalid card number'));
  const behaviour = behaviourOf(pan.value);
  if (behaviour === 'decline') return fail(tableDecline(pan.value));
  return ok({ mask: maskPan(pan.value), brand: cardBrand(pan.value), behaviour });
}

function tableDecline(pan: string): Decline {
  const row = findTestCard(pan);
  const reason = row?.reason ?? 'do_not_honor';
  return decline(reason, row?.rc ?? simRc.doNotHonor, messageFor(reason));
}

/** Accounts are 20 digits and BICs 9, as in Russian bank transfers. */
export function screenAccount(account: string, bic: string, name: string): Decline | null {
  if (!/^\d{20}$/.test(account) || !/^\d{9}$/.test(bic) || name.trim() === '') {
    return decline(
      'not_permitted',
      simRc.invalidCardNumber,
      'Invalid account number, BIC or beneficiary name',
    );
  }
  if (account.endsWith(declinedAccountSuffix)) {
    return decline(
      'do_not_honor',
      simRc.doNotHonor,
      'Beneficiary bank rejected the transfer: account closed',
    );
  }
  return null;
}

/** `40817810…1234`: enough to recognise an account on a screen, not to use it. */
export const maskAccount = (account: string): string => `${account.slice(0, 8)}…${account.slice(-4)}`;

export function checkAmount(amountMinor: bigint): Decline | null {
  if (amountMinor > 0n && amountMinor <= limits.amountMinorMax) return null;
  return decline('not_permitted', simRc.invalidAmount, 'Invalid amount');
}

/** ECI of an authenticated 3-D Secure payment: Mastercard says 02, Visa and Mir 05. */
export const eciFor = (brand: CardBrand): string => (brand === 'mastercard' ? '02' : '05');

/** The money side of one authorization, in bigint minor units. */
export type Ledger = {
  state: SimAuthorizationState;
  currency: Currency;
  authorizedMinor: bigint;
  capturedMinor: bigint;
  refundedMinor: bigint;
};

const notPermitted = (rc: string, message: string): Decline => decline('not_permitted', rc, message);

/** One capture per hold, full or partial; what is not captured is released. */
export function applyCapture(l: Ledger, amountMinor: bigint, currency: Currency): Result<Ledger, Decline> {
  if (currency !== l.currency)
    return fail(notPermitted(simRc.invalidTransaction, 'Currency differs from the hold'));
  if (l.state === 'voided') return fail(notPermitted(simRc.invalidTransaction, 'The hold was voided'));
  if (l.state === 'captured') return fail(notPermitted(simRc.invalidTransaction, 'Already captured'));
  if (checkAmount(amountMinor)) return fail(notPermitted(simRc.invalidAmount, 'Invalid amount'));
  if (amountMinor > l.authorizedMinor) {
    return fail(notPermitted(simRc.invalidAmount, 'Capture amount exceeds the held amount'));
  }
  return ok({ ...l, state: 'captured', capturedMinor: amountMinor });
}

/** Only a hold can be voided; money already captured comes back by refund. */
export function applyVoid(l: Ledger): Result<Ledger, Decline> {
  if (l.state === 'voided') return fail(notPermitted(simRc.invalidTransaction, 'Already voided'));
  if (l.state === 'captured') {
    return fail(
      notPermitted(simRc.invalidTransaction, 'Captured operations cannot be voided; refund instead'),
    );
  }
  return ok({ ...l, state: 'voided' });
}

/** Refunds, in any number of parts, up to what was captured. */
export function applyRefund(l: Ledger, amountMinor: bigint, currency: Currency): Result<Ledger, Decline> {
  if (currency !== l.currency)
    return fail(notPermitted(simRc.invalidTransaction, 'Currency differs from the payment'));
  if (l.state !== 'captured')
    return fail(notPermitted(simRc.invalidTransaction, 'Nothing captured to refund'));
  if (checkAmount(amountMinor)) return fail(notPermitted(simRc.invalidAmount, 'Invalid amount'));
  if (l.refundedMinor + amountMinor > l.capturedMinor) {
    return fail(notPermitted(simRc.invalidAmount, 'Refund exceeds the captured amount less earlier refunds'));
  }
  return ok({ ...l, refundedMinor: l.refundedMinor + amountMinor });
}

/**
 * The simulator's identity registry: every person is found, except the test surnames below
 * (docs list them with the test cards), so both outcomes of an identification can be driven.
 */
export const identityTestSurnames: Readonly<Record<string, IdentityVerdict>> = {
  /** Not found in the passport registry. */
  Отказов: { verified: false, rc: '05' },
};

export function identityVerdict(lastName: string): IdentityVerdict {
  return identityTestSurnames[lastName.trim()] ?? { verified: true, rc: simRc.approved };
}
