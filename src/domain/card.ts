import { fail, ok, type Result } from './result.ts';

export type CardBrand = 'visa' | 'mastercard' | 'mir' | 'amex' | 'unionpay' | 'jcb' | 'maestro' | 'unknown';

export type CardError = 'not_digits' | 'bad_length' | 'bad_checksum' | 'bad_expiry' | 'expired' | 'bad_cvc';

/** Strips the spaces and dashes people type; everything else must be digits. */
export function normalizePan(input: string): Result<string, CardError> {
  const pan = input.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(pan)) return fail('not_digits');
  if (pan.length < 13 || pan.length > 19) return fail('bad_length');
  if (!luhnValid(pan)) return fail('bad_checksum');
  return ok(pan);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The digit that makes `partial + digit` pass Luhn; used to build test cards. */
export function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + d)) return String(d);
  throw new Error('unreachable: some digit always completes a Luhn number');
}

export function cardBrand(pan: string): CardBrand {
  const p2 = Number(pan.slice(0, 2));
  const p4 = Number(pan.slice(0, 4));
  if (p4 >= 2200 && p4 <= 2204) return 'mir';
  if (pan.startsWith('4')) return 'visa';
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return 'mastercard';
  if (p2 === 34 || p2 === 37) return 'amex';
  if (p4 >= 3528 && p4 <= 3589) return 'jcb';
  if (p2 === 62) return 'unionpay';
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return 'maestro';
  return 'unknown';
}

/** `4111111111111111` → `411111******1111`: first six and last four, as PCI DSS allows. */
export function maskPan(pan: string): string {
  return pan.slice(0, 6) + '*'.repeat(Math.max(0, pan.length - 10)) + pan.slice(-4);
}

export type Expiry = { month: number; year: number };

/**
 * Accepts `MM/YY`, `MM/YYYY`, `MMYY` or separate month and year. A card is valid through the
 * last day of its expiry month, so `11/26` still works on 2026-11-30.
 */
export function parseExpiry(month: string | number, year?: string | number): Result<Expiry, CardError> {
  let m: string;
  let y: string;
  if (year === undefined) {
    const match = /^(\d{2})\s*\/?\s*(\d{2}|\d{4})$/.exec(String(month).trim());
    if (!match) return fail('bad_expiry');
    m = match[1]!;
    y = match[2]!;
  } else {
    m = String(month).trim();
    y = String(year).trim();
  }
  if (!/^\d{1,2}$/.test(m) || !/^(\d{2}|\d{4})$/.test(y)) return fail('bad_expiry');
  const monthNo = Number(m);
  const yearNo = y.length === 2 ? 2000 + Number(y) : Number(y);
  if (monthNo < 1 || monthNo > 12) return fail('bad_expiry');
  return ok({ month: monthNo, year: yearNo });
}

export function isExpired(expiry: Expiry, now: Date): boolean {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  return expiry.year < y || (expiry.year === y && expiry.month < m);
}

export const formatExpiry = (e: Expiry): string =>
  `${String(e.month).padStart(2, '0')}/${String(e.year % 100).padStart(2, '0')}`;

export function validCvc(cvc: string, brand: CardBrand): boolean {
  return brand === 'amex' ? /^\d{4}$/.test(cvc) : /^\d{3}$/.test(cvc);
}

/** Everything about a card that may be stored and shown: never the PAN, never the CVC. */
export type CardView = {
  mask: string;
  bin: string;
  last4: string;
  brand: CardBrand;
  expiry: string;
  holder: string;
};

export const cardView = (pan: string, expiry: Expiry, holder: string): CardView => ({
  mask: maskPan(pan),
  bin: pan.slice(0, 6),
  last4: pan.slice(-4),
  brand: cardBrand(pan),
  expiry: formatExpiry(expiry),
  holder,
});
