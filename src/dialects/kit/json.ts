import { randomUUID } from 'node:crypto';

/**
 * JSON as payment wires need it. Reading: a number is taken from its text, so an amount is
 * never rounded by a double; numbers a double holds exactly as written stay plain numbers
 * (nothing changes for them), the others arrive as `ExactNumber`. Writing: an `ExactNumber`
 * is written digit for digit, and `php: true` escapes as PHP's json_encode does by default.
 */

const jsonNumber = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** A JSON number kept as its text: read where a double would change it, written as is. */
export class ExactNumber {
  constructor(readonly text: string) {
    if (!jsonNumber.test(text)) throw new RangeError(`not a JSON number: ${text}`);
  }
  /** The nearest double, for logs and for code that only compares shapes. */
  toJSON(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

/** `-12.50e1` → sign, significant digits and exponent (`-`, `125`, `0`); zero is `0`, `0`. */
function decimalOf(text: string): { negative: boolean; digits: string; exponent: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return { negative: false, digits: 'NaN', exponent: 0 };
  const fraction = match[3] ?? '';
  let digits = `${match[2]}${fraction}`.replace(/^0+/, '');
  let exponent = Number(match[4] ?? '0') - fraction.length;
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  if (digits === '') return { negative: false, digits: '0', exponent: 0 };
  return { negative: match[1] === '-', digits, exponent };
}

/** True when the double nearest to `text` prints as the same decimal value. */
export function isExactAsDouble(text: string): boolean {
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  const a = decimalOf(text);
  const b = decimalOf(String(value).replace('e+', 'e'));
  return a.negative === b.negative && a.digits === b.digits && a.exponent === b.exponent;
}

// strings first, so that digits inside a string are never taken for a number
const tokens = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
// marks a rewritten number inside the text handed to JSON.parse; unguessable, so no string
// a client sends can pass for one. Written as an escape (a raw NUL is no JSON), read as NUL.
const markerId = randomUUID();
const marker = `\u0000${markerId}:`;

/**
 * JSON.parse's grammar and errors (it throws a SyntaxError where JSON.parse does), with
 * numbers read from their text: those a double changes become `ExactNumber`.
 */
export function readJson(text: string): unknown {
  const value = JSON.parse(text); // the grammar check; also the result when no number is lossy
  let lossy = false;
  const rewritten = text.replace(tokens, (token) => {
    if (token.startsWith('"') || isExactAsDouble(token)) return token;
    lossy = true;
    return `"\\u0000${markerId}:${token}"`;
  });
  if (!lossy) return value;
  return JSON.parse(rewritten, (_key, member) =>
    typeof member === 'string' && member.startsWith(marker)
      ? new ExactNumber(member.slice(marker.length))
      : member,
  );
}

export type JsonWriteOptions = {
  /**
   * PHP's json_encode defaults: non-ASCII as lowercase `\uXXXX` (UTF-16 units) and `/` as
   * `\/`, which PHP clients and signatures over PHP-written bodies expect byte for byte.
   */
  php?: boolean;
};

const phpEscape = (text: string) =>
  text.replace(/[\u0080-\uffff/]/g, (c) =>
    c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

const writeString = (text: string, options: JsonWriteOptions) =>
  options.php ? phpEscape(JSON.stringify(text)) : JSON.stringify(text);

/**
 * JSON.stringify, except that an `ExactNumber` is written as its digits, a bigint as its
 * digits, and `undefined` members are dropped.
 */
export function writeJson(value: unknown, options: JsonWriteOptions = {}): string {
  if (value instanceof ExactNumber) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return writeString(value, options);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => writeJson(v, options)).join(',')}]`;
  if (typeof value === 'object') {
    const members: string[] = [];
    for (const [key, member] of Object.entries(value))
      if (member !== undefined) members.push(`${writeString(key, options)}:${writeJson(member, options)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A parsed value with every `ExactNumber` as its nearest double: what schema checks see. */
export function approximate(value: unknown): unknown {
  if (value instanceof ExactNumber) return value.toJSON();
  if (Array.isArray(value)) return value.some(holdsExact) ? value.map(approximate) : value;
  if (typeof value === 'object' && value !== null && holdsExact(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, approximate(v)]));
  return value;
}

function holdsExact(value: unknown): boolean {
  if (value instanceof ExactNumber) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(holdsExact);
}
