import { formatMajor, parseMajor } from '../../domain/money.ts';
import { fail, ok, type Result } from '../../domain/result.ts';

/**
 * ImPay's one amount codec: rubles on the wire, kopecks (bigint) inside. The input is the exact
 * text of the JSON token (`100.50`, `150.5`, the kit parses numbers without floats) or the
 * string a client sent (`"100.50"`); either is read digit for digit by domain/money.ts.
 */

export type AmountError = 'not_a_sum' | 'too_many_decimals' | 'not_positive' | 'too_large';

export const impayAmount = {
  /**
   * `"100.50"` → 10050n. Refused: anything but plain decimal digits (exponents, signs, spaces),
   * a third significant decimal (`1.005`; `1.500` is exactly 1.50 and is read), zero or less,
   * and more than money.ts allows (10^13 rubles, or a text longer than 32 characters).
   */
  parse(text: string): Result<bigint, AmountError> {
    const parsed = parseMajor(text, 'RUB');
    if (!parsed.ok) {
      if (parsed.error === 'negative') return fail('not_positive');
      return fail(parsed.error === 'not_a_number' ? 'not_a_sum' : parsed.error);
    }
    if (parsed.value === 0n) return fail('not_positive');
    return ok(parsed.value);
  },
  /** 10050n → `"100.50"`: PHP's `sprintf('%.2f')`, as ImPay prints a callback's `sum`. */
  print: (amountMinor: bigint): string => formatMajor(amountMinor, 'RUB'),
};
