import { cardBrand, isExpired, normalizePan, parseExpiry, validCvc } from '../../domain/card.ts';
import type { CardData } from '../../domain/card-data.ts';
import { fail, ok, type Result } from '../../domain/result.ts';

/**
 * The card form's server-side check, the same rules pay.js applies in the browser (which
 * only saves a round trip: this one decides). Built on domain/card.ts, like the engine's own
 * check, so the page never accepts a card the engine would refuse for its shape.
 */
export const cardFields = ['pan', 'exp', 'cvc', 'holder'] as const;
export type CardField = (typeof cardFields)[number];

export type CardFormError =
  | 'required'
  | 'pan_invalid'
  | 'exp_invalid'
  | 'exp_past'
  | 'cvc_invalid'
  | 'holder_invalid';

export type CardFormErrors = Partial<Record<CardField, CardFormError>>;

/** Latin letters as embossed on cards, with the separators names use; 100 = the engine's bound. */
export const holderPattern = /^[A-Za-z][A-Za-z .'-]{0,99}$/;

/** `José Müller` → `Jose Muller`: canonical decomposition (NFD), combining marks dropped. */
export const withoutAccents = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '');

/** Longer input is not a card field; cut before any work so junk costs nothing. */
const fieldLengthMax = 128;

const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, fieldLengthMax) : '');

export function validateCardForm(body: Record<string, unknown>, now: Date): Result<CardData, CardFormErrors> {
  const errors: CardFormErrors = {};
  const panText = text(body.pan).trim();
  const expText = text(body.exp).trim();
  const cvc = text(body.cvc).trim();
  // Accents off first, as embossing drops them and autofill often brings them ('José Müller' →
  // 'Jose Muller': NFD, then no combining marks); pay.js does the same. Then checked as sent,
  // upper-cased after: `toUpperCase` turns some non-Latin letters into Latin ones ('ß' → 'SS',
  // 'ﬁ' → 'FI', dotless 'ı' → 'I'), which would let a name the payer did not type through.
  // pay.js upper-cases the field while the payer types, so with it running a 'ß' is 'SS' on
  // screen before anything is sent, and the payer sees what the card will say; this refusal
  // is for a form sent without it (its checkCard, given 'ß', refuses it the same way).
  const holderTyped = withoutAccents(text(body.holder)).trim().replace(/\s+/g, ' ');
  const holder = holderTyped.toUpperCase();

  const pan = normalizePan(panText);
  if (panText === '') errors.pan = 'required';
  else if (!pan.ok) errors.pan = 'pan_invalid';

  const expiry = parseExpiry(expText);
  if (expText === '') errors.exp = 'required';
  else if (!expiry.ok) errors.exp = 'exp_invalid';
  else if (isExpired(expiry.value, now)) errors.exp = 'exp_past';

  // Without a valid number the brand is unknown; three digits is what most cards want.
  const brand = pan.ok ? cardBrand(pan.value) : 'unknown';
  if (cvc === '') errors.cvc = 'required';
  else if (!validCvc(cvc, brand)) errors.cvc = 'cvc_invalid';

  if (holder === '') errors.holder = 'required';
  else if (!holderPattern.test(holderTyped)) errors.holder = 'holder_invalid';

  if (!pan.ok || !expiry.ok || Object.keys(errors).length > 0) return fail(errors);
  return ok({ pan: pan.value, expiry: expiry.value, cvc, holder });
}

/** What the form may show again after an error: never the number, never the CVC. */
export const keptFields = (body: Record<string, unknown>): { exp: string; holder: string } => ({
  exp: text(body.exp).slice(0, 7),
  holder: text(body.holder).slice(0, 100),
});
