/**
 * Paymega writes amounts as JSON numbers (`123.45`). Ours are exact decimals, so they are
 * written digit for digit from their text and never pass through a double: `RawNumber`
 * holds the text, and `writeJson` emits it as a bare number token.
 */
export class RawNumber {
  constructor(readonly text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) throw new RangeError(`not a JSON number: ${text}`);
  }
  toJSON(): number {
    return Number(this.text); // for logs only; the wire goes through writeJson
  }
}

/** JSON.stringify, except that a RawNumber is written as its digits and `undefined` keys are dropped. */
export function writeJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  if (typeof value === 'object') {
    const members: string[] = [];
    for (const [key, member] of Object.entries(value))
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${writeJson(member)}`);
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}
