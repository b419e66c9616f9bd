import { formatMajor, parseMajor } from '../../domain/money.ts';
import { fail, ok, type Result } from '../../domain/result.ts';

/**
 * PayKeeper's one amount codec, used only at the edge. The wire writes roubles with a dot
 * (`100`, `100.00`, `300.3` all occur in `pay_amount`; the spec: "разделитель дробной части –
 * точка"), and prints them as strings with two decimals (`"1205.98"`). A comma or a group
 * space (`1 205,98`) is refused, not guessed at: neither the spec nor any known client sends
 * one, and PHP's own `floatval('1 205,98')` would have read 1 rouble. Digits are read as text
 * and never pass through a double.
 */
export type PkAmountProblem = 'missing' | 'not_a_sum' | 'too_many_decimals' | 'zero' | 'too_large';

export const pkAmount = {
  /** Text from a form or a JSON string → kopecks; zero is refused (nothing to pay or refund). */
  parse(input: string | undefined | null): Result<bigint, PkAmountProblem> {
    if (input === undefined || input === null) return fail('missing');
    // a PHP form field may carry stray blanks around the number; inside it, none
    const text = input.trim();
    if (text === '') return fail('missing');
    const parsed = parseMajor(text, 'RUB');
    if (!parsed.ok) {
      if (parsed.error === 'too_many_decimals') return fail('too_many_decimals');
      if (parsed.error === 'too_large') return fail('too_large');
      return fail('not_a_sum');
    }
    if (parsed.value === 0n) return fail('zero');
    return ok(parsed.value);
  },
  /** Kopecks → `"1205.98"`: always two decimals, as every PayKeeper document writes them. */
  print(amountMinor: bigint): string {
    return formatMajor(amountMinor, 'RUB');
  },
};
