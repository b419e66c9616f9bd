import { fail, ok, type Result } from './result.ts';

/**
 * Russian state registry numbers with check digits, other than bank details: OGRN (a company's
 * registration, 13 digits), OGRNIP (a sole trader's, 15) and SNILS (a person's pension
 * insurance number, 11). Pure.
 */

export type RegistryNumberError = 'not_digits' | 'bad_length' | 'bad_checksum';

/**
 * OGRN: the last digit is the first 12 taken mod 11, mod 10; OGRNIP: the first 14 mod 13,
 * mod 10. The numbers exceed 2^53, hence bigint.
 */
export function validateOgrn(
  text: string,
  kind: 'company' | 'sole_trader',
): Result<string, RegistryNumberError> {
  if (!/^\d+$/.test(text)) return fail('not_digits');
  const length = kind === 'company' ? 13 : 15;
  if (text.length !== length) return fail('bad_length');
  const modulus = kind === 'company' ? 11n : 13n;
  const check = (BigInt(text.slice(0, -1)) % modulus) % 10n;
  return String(check) === text.slice(-1) ? ok(text) : fail('bad_checksum');
}

/** SNILS's two check digits of its first nine (which it has only above 001-001-998). */
export function snilsCheckDigits(body: string): string {
  if (!/^\d{9}$/.test(body)) throw new RangeError('a SNILS body is 9 digits');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (body.charCodeAt(i) - 48) * (9 - i);
  const check = sum < 100 ? sum : sum % 101 === 100 ? 0 : sum % 101;
  return String(check).padStart(2, '0');
}

/** `112-233-445 95`, `11223344595`: spaces and dashes as written are dropped. */
export function validateSnils(text: string): Result<string, RegistryNumberError> {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits)) return fail('not_digits');
  if (digits.length !== 11) return fail('bad_length');
  // numbers up to 001-001-998 were issued before check digits existed
  if (digits.slice(0, 9) <= '001001998') return ok(digits);
  return snilsCheckDigits(digits.slice(0, 9)) === digits.slice(9) ? ok(digits) : fail('bad_checksum');
}
