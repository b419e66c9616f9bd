import { fail, ok, type Result } from './result.ts';

/**
 * Russian bank details of a payee, with their check digits: INN (tax number), KPP (tax
 * registration reason), BIC (the Bank of Russia's bank code) and 20-digit accounts keyed with
 * the BIC. Pure; no directory look-up (a BIC that passes here may still name no bank).
 */

export type BankDetailError = 'not_digits' | 'bad_length' | 'bad_checksum' | 'bad_format';

const digitsOf = (text: string): number[] => [...text].map((c) => c.charCodeAt(0) - 48);
const weighted = (digits: readonly number[], weights: readonly number[]): number =>
  weights.reduce((sum, w, i) => sum + w * (digits[i] ?? 0), 0);

// ---- INN ----

const inn10Weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const inn11Weights = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const inn12Weights = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const innDigit = (digits: readonly number[], weights: readonly number[]) =>
  (weighted(digits, weights) % 11) % 10;

/**
 * The check digits an INN's first 9 (a company's, one digit) or 10 (a person's, two digits)
 * digits call for; used to validate and to build samples.
 */
export function innCheckDigits(body: string): string {
  const d = digitsOf(body);
  if (!/^\d{9}$|^\d{10}$/.test(body)) throw new RangeError('an INN body is 9 or 10 digits');
  if (d.length === 9) return String(innDigit(d, inn10Weights));
  const eleventh = innDigit(d, inn11Weights);
  return `${eleventh}${innDigit([...d, eleventh], inn12Weights)}`;
}

/** A company's INN is 10 digits, a person's (and a sole trader's) 12. */
export function validateInn(text: string): Result<string, BankDetailError> {
  if (!/^\d+$/.test(text)) return fail('not_digits');
  if (text.length !== 10 && text.length !== 12) return fail('bad_length');
  const bodyLength = text.length === 10 ? 9 : 10;
  return innCheckDigits(text.slice(0, bodyLength)) === text.slice(bodyLength)
    ? ok(text)
    : fail('bad_checksum');
}

// ---- KPP ----

/**
 * KPP: tax office (4 digits), reason (2 digits or, since 2019, capital Latin letters), number
 * (3 digits). It carries no check digit.
 */
export function validateKpp(text: string): Result<string, BankDetailError> {
  if (text.length !== 9) return fail('bad_length');
  return /^\d{4}[0-9A-Z]{2}\d{3}$/.test(text) ? ok(text) : fail('bad_format');
}

// ---- BIC ----

/**
 * BIC: 9 digits, `04` for Russia, then region (2), division (2) and the bank's number within
 * it (3). The last three are 050–999 for a credit institution and below 050 for a division
 * of the Bank of Russia itself.
 */
export function validateBic(text: string): Result<string, BankDetailError> {
  if (!/^\d+$/.test(text)) return fail('not_digits');
  if (text.length !== 9) return fail('bad_length');
  return text.startsWith('04') ? ok(text) : fail('bad_format');
}

const isBankOfRussiaDivision = (bic: string): boolean => Number(bic.slice(6)) < 50;

// ---- accounts ----

const accountWeights = [7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1];

export type AccountKind = 'settlement' | 'correspondent';

/**
 * The three digits the Bank of Russia's keying puts before an account: the bank's own number
 * (the BIC's last three) for an account at a credit institution; `0` and the BIC's 5th–6th
 * digits for a bank's correspondent account, and for an account at a Bank of Russia division.
 */
function keyPrefix(bic: string, kind: AccountKind): string {
  return kind === 'correspondent' || isBankOfRussiaDivision(bic) ? `0${bic.slice(4, 6)}` : bic.slice(6);
}

const keySum = (prefixed: string): number => weighted(digitsOf(prefixed), accountWeights) % 10;

/**
 * The account's check digit (its 9th) given the other 19: the sum of the lowest digits of
 * digit × weight (7,1,3,…) over the 23 digits of prefix + account must end in 0.
 */
export function accountCheckDigit(account: string, bic: string, kind: AccountKind = 'settlement'): string {
  if (!/^\d{20}$/.test(account) || !/^\d{9}$/.test(bic))
    throw new RangeError('20-digit account, 9-digit BIC');
  const zeroed = `${account.slice(0, 8)}0${account.slice(9)}`;
  const sum = weighted(digitsOf(keyPrefix(bic, kind) + zeroed), accountWeights);
  // the check digit sits at position 12 of 23, weight 3: 3·k ≡ −sum (mod 10), and 3·7 ≡ 1, so k = 7·(−sum) mod 10
  return String((((10 - (sum % 10)) % 10) * 7) % 10);
}

/**
 * A 20-digit account keyed with its bank's BIC. A correspondent account must also start
 * `30101`, the balance account of correspondent accounts at the Bank of Russia.
 */
export function validateAccount(
  account: string,
  bic: string,
  kind: AccountKind = 'settlement',
): Result<string, BankDetailError> {
  if (!/^\d+$/.test(account)) return fail('not_digits');
  if (account.length !== 20) return fail('bad_length');
  if (!validateBic(bic).ok) return fail('bad_format');
  if (kind === 'correspondent' && !account.startsWith('30101')) return fail('bad_format');
  return keySum(keyPrefix(bic, kind) + account) === 0 ? ok(account) : fail('bad_checksum');
}
