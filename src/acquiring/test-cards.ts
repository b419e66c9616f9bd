import type { CardBrand } from '../domain/card.ts';
import type { DeclineReason } from './connector.ts';

/**
 * The simulator bank's deterministic test cards. The card number alone decides what the bank
 * does, so a merchant can walk every branch of their integration by typing a number. Any other
 * Luhn-valid number is approved without 3-D Secure. Numbers follow the habits of well-known
 * PSP sandboxes where one exists, so developers recognise them; the rest were completed with
 * `luhnCheckDigit`, and a test checks every one.
 */
export type TestCardBehaviour =
  | 'approve'
  | 'decline'
  | 'threeds_v1'
  | 'threeds_v2_frictionless'
  | 'threeds_v2_challenge'
  | 'timeout';

export type TestCard = {
  pan: string;
  brand: CardBrand;
  behaviour: TestCardBehaviour;
  /** Response code the bank finally gives: `00` unless the card declines. */
  rc: string;
  /** Why it declines; only for `behaviour: 'decline'`. */
  reason?: DeclineReason;
  description: string;
};

/** The one-time code the simulator's ACS accepts for every 3-D Secure challenge. */
export const testOtp = '123456';

/** A payout to an account number ending in this is declined by the beneficiary bank. */
export const declinedAccountSuffix = '0000';

export const testCards: readonly TestCard[] = [
  {
    pan: '4111111111111111',
    brand: 'visa',
    behaviour: 'approve',
    rc: '00',
    description: 'Approved, no 3-D Secure.',
  },
  {
    pan: '5555555555554444',
    brand: 'mastercard',
    behaviour: 'approve',
    rc: '00',
    description: 'Approved, no 3-D Secure.',
  },
  {
    pan: '2200000000000004',
    brand: 'mir',
    behaviour: 'approve',
    rc: '00',
    description: 'Approved, no 3-D Secure.',
  },
  {
    pan: '378282246310005',
    brand: 'amex',
    behaviour: 'approve',
    rc: '00',
    description: 'Approved, no 3-D Secure; its CVC has 4 digits.',
  },
  {
    pan: '4000000000000002',
    brand: 'visa',
    behaviour: 'decline',
    rc: '05',
    reason: 'do_not_honor',
    description: 'Declined: do not honor.',
  },
  {
    pan: '4000000000009995',
    brand: 'visa',
    behaviour: 'decline',
    rc: '51',
    reason: 'insufficient_funds',
    description: 'Declined: insufficient funds (payouts to it decline too).',
  },
  {
    pan: '4000000000000069',
    brand: 'visa',
    behaviour: 'decline',
    rc: '54',
    reason: 'expired_card',
    description: 'Declined: expired card, whatever expiry date is typed.',
  },
  {
    pan: '4000000000009987',
    brand: 'visa',
    behaviour: 'decline',
    rc: '41',
    reason: 'lost_card',
    description: 'Declined: lost card.',
  },
  {
    pan: '4000000000009979',
    brand: 'visa',
    behaviour: 'decline',
    rc: '43',
    reason: 'stolen_card',
    description: 'Declined: stolen card.',
  },
  {
    pan: '4000000000000119',
    brand: 'visa',
    behaviour: 'decline',
    rc: '96',
    reason: 'processing_error',
    description: 'Declined: processing error at the bank (system malfunction).',
  },
  {
    pan: '4000000000003063',
    brand: 'visa',
    behaviour: 'threeds_v1',
    rc: '00',
    description: `3-D Secure 1.0 challenge (PaReq/PaRes); code ${testOtp} approves, any other code declines.`,
  },
  {
    pan: '4000000000003055',
    brand: 'visa',
    behaviour: 'threeds_v2_frictionless',
    rc: '00',
    description: '3-D Secure 2 frictionless: approved at once with ECI 05, no challenge.',
  },
  {
    pan: '4000000000003220',
    brand: 'visa',
    behaviour: 'threeds_v2_challenge',
    rc: '00',
    description: `3-D Secure 2 challenge (CReq/CRes); code ${testOtp} approves, any other code declines.`,
  },
  {
    pan: '4000000000007775',
    brand: 'visa',
    behaviour: 'timeout',
    rc: '00',
    description:
      'The bank hangs and the call times out, but the operation is approved at the bank: `status` later reports it approved.',
  },
];

const byPan: ReadonlyMap<string, TestCard> = new Map(testCards.map((card) => [card.pan, card]));

/** The table row for `pan`, or undefined for an ordinary (approved) card. */
export const findTestCard = (pan: string): TestCard | undefined => byPan.get(pan);

/** What the bank does with `pan`: a table row decides, anything else is approved. */
export const behaviourOf = (pan: string): TestCardBehaviour => findTestCard(pan)?.behaviour ?? 'approve';

const behaviourText: Record<TestCardBehaviour, string> = {
  approve: 'approved',
  decline: 'declined',
  threeds_v1: '3-DS v1 challenge',
  threeds_v2_frictionless: '3-DS v2 frictionless',
  threeds_v2_challenge: '3-DS v2 challenge',
  timeout: 'timeout, then approved',
};

/** `4111111111111111` → `4111 1111 1111 1111`; the payment page strips the spaces again. */
const groupPan = (pan: string): string => pan.replace(/(\d{4})(?=\d)/g, '$1 ');

/** The table as Markdown, for the README and the demo page. */
export function testCardsMarkdown(): string {
  const rows = testCards.map(
    (c) =>
      `| \`${groupPan(c.pan)}\` | ${c.brand} | ${behaviourText[c.behaviour]} | ${c.rc} | ${c.description} |`,
  );
  return [
    '| Card number | Brand | Outcome | RC | What happens |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '- Any other Luhn-valid card number is approved without 3-D Secure.',
    '- An expiry date in the past declines with RC 54; a CVC, when sent, must have 3 digits (4 for Amex) or the card declines with RC N7.',
    `- The 3-D Secure one-time code is \`${testOtp}\`; any other code fails authentication (RC 05).`,
    `- Payouts to cards follow the same table; payouts to an account number ending in \`${declinedAccountSuffix}\` are declined (RC 05), others approved.`,
    "- Identity checks (ImPay `ident/req`) find every person except the surname `Отказов` (refused, RC 05); with no SMS gateway, the phone code is in the answer's message.",
    '',
  ].join('\n');
}
