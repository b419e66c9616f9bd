import { normalizePan } from '../../domain/card.ts';
import { limits } from '../../domain/limits.ts';
import { type AmountError, impayAmount } from './amount.ts';
import { type FieldError, fieldError, fieldMessage } from './errors.ts';
import { fromImpayId, impayIdMax } from './map.ts';

/**
 * Reads the fields of one request body, the way ImPay's validators do: each reader returns
 * the value or null, and records a violation naming the field. Absent, `null` and `""` are
 * all "not given" (clients send each for an optional field). Numbers and strings are
 * interchangeable (COMPAT.md): `extid: 42` is the text "42", `"10"` is the integer 10.
 */
export class FieldReader {
  readonly errors: FieldError[] = [];
  readonly #body: Readonly<Record<string, unknown>>;

  constructor(body: unknown) {
    this.#body =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
  }

  fail(field: string, message: string): null {
    this.errors.push(fieldError(field, message));
    return null;
  }

  /** The raw value, or undefined when not given. */
  given(field: string): string | number | boolean | object | undefined {
    const value = this.#body[field];
    return value === null || value === undefined || value === ''
      ? undefined
      : (value as string | number | object);
  }

  /** Text up to `max` characters. NUL is refused: PostgreSQL's text cannot hold it. */
  text(field: string, max: number, required = false): string | null {
    const value = this.given(field);
    if (value === undefined) return required ? this.fail(field, fieldMessage.required(field)) : null;
    if (typeof value === 'number') return this.#fits(field, String(value), max);
    if (typeof value !== 'string') return this.fail(field, fieldMessage.notText(field));
    if (value.includes('\u0000')) return this.fail(field, fieldMessage.invalid(field));
    return this.#fits(field, value, max);
  }

  #fits(field: string, text: string, max: number): string | null {
    // characters as people count them (code points), as PHP's mb_strlen does
    return [...text].length > max ? this.fail(field, fieldMessage.tooLong(field, max)) : text;
  }

  /** Text that must match `pattern` (after the length check). */
  matching(field: string, max: number, pattern: RegExp, required = false): string | null {
    const text = this.text(field, max, required);
    if (text === null) return null;
    return pattern.test(text) ? text : this.fail(field, fieldMessage.invalid(field));
  }

  /** An integer in [min, max]: a JSON integer or a string of digits. */
  int(field: string, min: number, max: number, required = false): number | null {
    const value = this.given(field);
    if (value === undefined) return required ? this.fail(field, fieldMessage.required(field)) : null;
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !/^-?\d{1,10}$/.test(text))
      return this.fail(field, fieldMessage.notInteger(field));
    const n = Number(text);
    if (n < min) return this.fail(field, fieldMessage.tooSmall(field, min));
    if (n > max) return this.fail(field, fieldMessage.tooBig(field, max));
    return n;
  }

  /** One of a few integer codes (`type` 0/1); `fallback` when not given, else required. */
  code<C extends number>(field: string, allowed: readonly C[], fallback?: C): C | null {
    if (this.given(field) === undefined) return fallback ?? this.fail(field, fieldMessage.required(field));
    const n = this.int(field, -impayIdMax - 1, impayIdMax);
    if (n === null) return null;
    return (allowed as readonly number[]).includes(n)
      ? (n as C)
      : this.fail(field, fieldMessage.invalid(field));
  }

  /** An operation or card id: a positive int32. */
  id(field: string, required = true): bigint | null {
    const value = this.given(field);
    if (value === undefined) return required ? this.fail(field, fieldMessage.required(field)) : null;
    return fromImpayId(value) ?? this.fail(field, fieldMessage.notInteger(field));
  }

  /** An amount in rubles (the token's text) as kopecks. */
  amount(field: string, required = true): bigint | null {
    const value = this.given(field);
    if (value === undefined) return required ? this.fail(field, fieldMessage.required(field)) : null;
    if (typeof value !== 'string' && typeof value !== 'number')
      return this.fail(field, fieldMessage.notNumber(field));
    // a JS number only reaches here from a caller without the kit's parser; its shortest
    // round-trip text is what the client wrote for any real amount (money.ts)
    const parsed = impayAmount.parse(String(value));
    return parsed.ok ? parsed.value : this.fail(field, amountMessage(field, parsed.error));
  }

  /** An http(s) URL. */
  url(field: string): string | null {
    const text = this.text(field, limits.urlLengthMax);
    if (text === null) return null;
    return isWebUrl(text) ? text : this.fail(field, fieldMessage.notUrl(field));
  }

  /** A card number: digits (spaces and dashes as typed are dropped), Luhn-valid. */
  cardNumber(field: string, required = true): string | null {
    const text = this.text(field, 32, required);
    if (text === null) return null;
    const pan = normalizePan(text);
    return pan.ok ? pan.value : this.fail(field, fieldMessage.invalid(field));
  }

  /** A calendar date, `YYYY-MM-DD` or `DD.MM.YYYY`, as `YYYY-MM-DD`. */
  date(field: string, required = false): string | null {
    const text = this.text(field, 32, required);
    if (text === null) return null;
    return isoDate(text) ?? this.fail(field, fieldMessage.invalid(field));
  }

  /** A date, or a date and time (`2019-08-24T14:15:22Z`), as epoch milliseconds. */
  instant(field: string, required = false): number | null {
    const text = this.text(field, 40, required);
    if (text === null) return null;
    const day = isoDate(text);
    if (day !== null) return Date.parse(`${day}T00:00:00Z`);
    const ms = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)
      ? Date.parse(text.replace(' ', 'T'))
      : Number.NaN;
    return Number.isNaN(ms) ? this.fail(field, fieldMessage.invalid(field)) : ms;
  }
}

const amountMessage = (field: string, error: AmountError): string =>
  ({
    not_a_sum: fieldMessage.notNumber(field),
    not_positive: fieldMessage.tooSmall(field, '0.01'),
    too_many_decimals: fieldMessage.invalid(field),
    too_large: fieldMessage.invalid(field),
  })[error];

export function isWebUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `2024-02-29` or `29.02.2024` → `2024-02-29`; null for anything else, or a day that does not exist. */
export function isoDate(text: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : ru ? [ru[3], ru[2], ru[1]] : [];
  if (y === undefined || m === undefined || d === undefined) return null;
  const at = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  const same =
    at.getUTCFullYear() === Number(y) && at.getUTCMonth() === Number(m) - 1 && at.getUTCDate() === Number(d);
  return same ? `${y}-${m}-${d}` : null;
}
