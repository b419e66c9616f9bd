import { fail, ok, type Result } from '../../domain/result.ts';

/**
 * A JSON reader for the JSON that arrives inside form fields (`service_name`, `cart`). It
 * keeps every number as its text (`JsonNumber`), so a price never passes through a double;
 * duplicate keys keep the last value, as PHP's json_decode does. Depth and size are bounded;
 * a string holding U+0000 makes the text not JSON, so no NUL reaches the database.
 * When the dialect kit's exact JSON parser lands, this one gives way to it.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

export const jsonDepthMax = 16;
export const jsonTextLengthMax = 64 << 10;

const numberToken = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Reader {
  at = 0;
  constructor(readonly text: string) {}

  blank(): void {
    while (/[ \t\n\r]/.test(this.text[this.at] ?? '')) this.at++;
  }

  value(depth: number): JsonValue {
    if (depth > jsonDepthMax) throw new SyntaxError('too deep');
    this.blank();
    const c = this.text[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    numberToken.lastIndex = this.at;
    const match = numberToken.exec(this.text);
    if (!match) throw new SyntaxError(`unexpected ${c ?? 'end'} at ${this.at}`);
    this.at += match[0].length;
    return new JsonNumber(match[0]);
  }

  string(): string {
    // find the closing quote, skipping escapes, and let JSON.parse decode the string alone
    let end = this.at + 1;
    while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1;
    if (end >= this.text.length) throw new SyntaxError('unterminated string');
    const decoded = JSON.parse(this.text.slice(this.at, end + 1)) as string;
    // PostgreSQL's text cannot hold U+0000 (a 500 there, silently kept by SQLite): refused here
    if (decoded.includes('\u0000')) throw new SyntaxError('NUL in a string');
    this.at = end + 1;
    return decoded;
  }

  expect(c: string): void {
    this.blank();
    if (this.text[this.at] !== c) throw new SyntaxError(`expected ${c} at ${this.at}`);
    this.at++;
  }

  array(depth: number): JsonValue[] {
    this.at++;
    const out: JsonValue[] = [];
    this.blank();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.blank();
      if (this.text[this.at] === ']') {
        this.at++;
        return out;
      }
      this.expect(',');
    }
  }

  object(depth: number): { [key: string]: JsonValue } {
    this.at++;
    const out: { [key: string]: JsonValue } = {};
    this.blank();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.blank();
      if (this.text[this.at] !== '"') throw new SyntaxError(`expected a key at ${this.at}`);
      const key = this.string();
      this.expect(':');
      // defined, not assigned: a `__proto__` key is data here, never the object's prototype
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.blank();
      if (this.text[this.at] === '}') {
        this.at++;
        return out;
      }
      this.expect(',');
    }
  }
}

export function parseExactJson(text: string): Result<JsonValue, 'not_json'> {
  if (text.length > jsonTextLengthMax) return fail('not_json');
  const reader = new Reader(text);
  try {
    const value = reader.value(0);
    reader.blank();
    return reader.at === text.length ? ok(value) : fail('not_json');
  } catch {
    return fail('not_json');
  }
}

export const isJsonObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
