import { ExactNumber } from '../kit/json.ts';

export { writeJson } from '../kit/json.ts';

/**
 * Paymega writes amounts as JSON numbers (`123.45`). Ours are exact decimals, written digit
 * for digit from their text (the kit's ExactNumber), always in plain notation as Paymega
 * writes them: no exponent, no leading zeros.
 */
export class RawNumber extends ExactNumber {
  constructor(text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) throw new RangeError(`not a plain JSON number: ${text}`);
    super(text);
  }
}
