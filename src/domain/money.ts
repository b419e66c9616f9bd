import { type Currency, exponentOf } from './currency.ts';
import { limits } from './limits.ts';
import { fail, ok, type Result } from './result.ts';

/**
 * Money is an integer count of minor units (bigint) in a known currency. Decimal text is
 * parsed and printed digit by digit; a floating-point value never holds an amount.
 */
export type Money = { amountMinor: bigint; currency: Currency };

export type MoneyParseError = 'not_a_number' | 'negative' | 'too_many_decimals' | 'too_large';

const decimalText = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a major-unit amount: `"100"`, `"100.5"`, `"1205.98"`, or a JSON number such as
 * `100.55`. A JSON number arrives as the shortest decimal that round-trips the double, which
 * is exactly what the sender wrote for any amount with at most 15 significant digits; a
 * float artefact like `100.30000000000001` fails as too many decimals rather than being
 * silently rounded. Trailing zeros beyond the currency's exponent (`"1.500"`) are exact and
 * accepted.
 */
export function parseMajor(input: unknown, currency: Currency): Result<bigint, MoneyParseError> {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return fail('not_a_number');
    if (input < 0 || Object.is(input, -0)) return fail('negative');
    text = String(input);
    if (text.includes('e')) return Math.abs(input) >= 1 ? fail('too_large') : fail('too_many_decimals');
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return fail('not_a_number');
  }
  if (text.length > limits.amountTextLengthMax) return fail('too_large');
  if (text.startsWith('-')) return decimalText.test(text.slice(1)) ? fail('negative') : fail('not_a_number');
  const match = decimalText.exec(text);
  if (!match) return fail('not_a_number');
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const exponent = exponentOf(currency);
  if (fraction.length > exponent) return fail('too_many_decimals');
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minor > limits.amountMinorMax) return fail('too_large');
  return ok(minor);
}

/** Prints minor units as major-unit text with exactly the currency's decimals: `"1205.98"`. */
export function formatMajor(amountMinor: bigint, currency: Currency): string {
  const exponent = exponentOf(currency);
  const sign = amountMinor < 0n ? '-' : '';
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString().padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Sum of minor amounts; the reduce is here so callers never reach for `Number`. */
export const sumMinor = (amounts: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const amount of amounts) total += amount;
  return total;
};

/** Integer division rounding half away from zero; the one rounding rule for fees and rates. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const rounded = (n * 2n + denominator) / (denominator * 2n);
  return negative ? -rounded : rounded;
}
