import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import type { FastifyRequest } from 'fastify';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { Customer as EngineCustomer } from '../../engine/payments/view.ts';
import { type Body, readBody, readUnparsedBody } from '../kit/body.ts';
import { approximate } from '../kit/json.ts';
import { fieldError, statusError } from './errors.ts';
import { InvoiceAttributes } from './wire.ts';

/**
 * Paymega's wire → what the routes and the engine take: bodies as clients really send them,
 * schema findings in Symfony's words, `expires`, the customer, field order, list paging and
 * the list filter. Pure, except reading a GET's body.
 */

// ---- bodies ----

/** `customer[address][city]=x` → `{ customer: { address: { city: 'x' } } }`; the last value wins. */
export const formToObject = (text: string): Record<string, unknown> => nestForm(new URLSearchParams(text));

/** A form's names and values, PHP's brackets read as nesting (as `formToObject`). */
export function nestForm(entries: Iterable<[string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const path = match ? [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)] : [key];
    if (path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype' || p === '')) continue;
    let node = root;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node[part] = typeof next === 'object' && next !== null ? next : {};
      node = node[part] as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
  }
  return root;
}

/**
 * The bodies Paymega reads: JSON (also when a client labels it a form, as PHP's curl does
 * by default), or an HTML form with PHP brackets. Empty is `{}`. Else 400: the spec lists no
 * 415, and its 400 is "a request of invalid structure", which a body of a type the API does
 * not read (XML, multipart) is to a Paymega client.
 */
export const bodyOptions = { sniffJson: true, parseForm: formToObject } as const;

export function acceptBody(body: Body): unknown {
  switch (body.kind) {
    case 'empty':
      return {};
    case 'json':
    case 'form':
      return body.value;
    default:
      throw statusError(400);
  }
}

/**
 * The body of a GET, which Fastify leaves unread. Simple clients send one: `{}`, or the
 * public API's `public_key` in JSON as in their POSTs. A body that does not parse is no
 * body (the GET still answers); only one over the size bound is refused.
 */
export async function bodyOfGet(req: FastifyRequest): Promise<unknown> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
    return undefined;
  const raw = await readUnparsedBody(req, limits.bodyBytesMax);
  if (!raw) throw statusError(413);
  const body = await readBody(raw, String(req.headers['content-type'] ?? ''), bodyOptions);
  try {
    return acceptBody(body);
  } catch {
    return undefined;
  }
}

// ---- schema findings in Symfony's words ----

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * What a schema finds wrong with a value, one message per field in Symfony's words; `{}`
 * when it fits. Routes that also check values merge these with their own findings.
 */
export function schemaFindings(schema: TSchema, value: unknown): Record<string, string> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  // a number a double would change is checked as the number it nearly is (its type is what
  // matters here); the amount codec reads its exact text
  const checked = approximate(value);
  return check.Check(checked) ? {} : fieldErrorsOf(check.Errors(checked));
}

/** TypeBox's findings as Symfony's validator words them, one message per field. */
function fieldErrorsOf(found: Iterable<ValueError>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const e of found) {
    // fields of `data.attributes` by their own names, as Paymega reports them
    const name =
      e.path
        .replace(/^\/data\/attributes\//, '')
        .replace(/^\//, '')
        .replaceAll('/', '.') || 'data';
    fields[name] ??= messageOf(e);
  }
  return fields;
}

function messageOf(e: ValueError): string {
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
    case ValueErrorType.StringMinLength:
      return 'This value should not be blank.';
    case ValueErrorType.StringMaxLength:
      return `This value is too long. It should have ${e.schema.maxLength} characters or less.`;
    case ValueErrorType.String:
      return 'This value should be of type string.';
    case ValueErrorType.Boolean:
      return 'This value should be of type bool.';
    case ValueErrorType.Object:
      return 'This value should be of type array.';
    case ValueErrorType.Never:
      return 'This field was not expected.';
    case ValueErrorType.Literal:
      return 'The value you selected is not a valid choice.';
    case ValueErrorType.Union:
      // a union may say in its own words what it takes (`expires`: a DateTime or UNIX seconds)
      if (typeof e.schema.errorMessage === 'string') return e.schema.errorMessage;
      return (e.schema.anyOf as TSchema[]).every((s) => 'const' in s)
        ? 'The value you selected is not a valid choice.'
        : 'This value should be of type numeric.';
    default:
      return 'This value is not valid.';
  }
}

// ---- invoice fields ----

const minuteMs = 60_000;
const expiresWindowMs = { min: 14 * minuteMs, max: 2 * 24 * 60 * minuteMs };

/**
 * True when the fields name a real wall-clock time. JavaScript's Date rolls what it cannot
 * name over (February 30 → March 2, 24:00 → the next day); PHP's DateTime checks refuse them.
 */
function isRealTime(date: string, time: string): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  // the regexp gave hours and minutes; seconds may be missing, their fraction is no matter
  const [hour = 0, minute = 0, second = 0] = time.split(':').map((part) => Math.trunc(Number(part)));
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years below 100 as 19xx
  wall.setUTCHours(hour, minute, second);
  return (
    wall.getUTCFullYear() === year &&
    wall.getUTCMonth() === month - 1 &&
    wall.getUTCDate() === day &&
    wall.getUTCHours() === hour &&
    wall.getUTCMinutes() === minute &&
    wall.getUTCSeconds() === second
  );
}

/**
 * `expires` as the spec writes it (a DateTime) or as PayCore's checkout reference does (an int
 * UNIX timestamp, UTC): a JSON integer, or its digits in a form or a query.
 */
function readExpires(value: string | number): Date | null {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    const at = new Date(ms);
    return Number.isSafeInteger(ms) && !Number.isNaN(at.getTime()) ? at : null;
  }
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text,
  );
  if (!iso || !isRealTime(iso[1]!, iso[2]!)) return null;
  // no zone means UTC; `+0300` means `+03:00`
  const zone = iso[3] ? iso[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
  const at = new Date(`${iso[1]}T${iso[2]}${zone}`);
  return Number.isNaN(at.getTime()) ? null : at;
}

export function parseExpires(value: string | number, now: Date): Result<Date, string> {
  const at = readExpires(value);
  if (!at) return fail('This value is not a valid datetime.');
  const ahead = at.getTime() - now.getTime();
  if (ahead < expiresWindowMs.min || ahead > expiresWindowMs.max)
    return fail('This value should be between 14 minutes and 2 days from now.');
  return ok(at);
}

export function engineCustomer(c: InvoiceAttributes['customer']): EngineCustomer | undefined {
  if (!c) return undefined;
  const { reference_id, ...rest } = c;
  return { id: reference_id, ...rest };
}

/** Field errors in the order Paymega's validator walks the fields (envelope first). */
const fieldOrder = ['data', 'public_key', ...Object.keys(InvoiceAttributes.properties)];
export function inFieldOrder(errors: Record<string, string>): Record<string, string> {
  const rank = (name: string) => {
    const at = fieldOrder.indexOf(name.split('.')[0]!);
    return at === -1 ? fieldOrder.length : at;
  };
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

// ---- the invoice list ----

export const pageSizeMax = 100;

/** `page[size]` and friends: a positive integer up to the bound, or a 422 naming the parameter. */
export function pageParam(
  query: Record<string, unknown>,
  name: string,
  fallback: number,
  max: number,
): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max))
    throw fieldError({ [name]: `This value should be between 1 and ${max}.` });
  return value;
}

/**
 * The list's `filter[reference_id]`: undefined when the query asks for no filter. A filter is
 * never dropped, since the whole list would then answer a client that reads `data[0]` as its
 * invoice: a value that names no invoice (empty) is an empty list, and one that is not a
 * single string (repeated, `filter=x`, `filter[reference_id][]=x`, a filter we do not have)
 * is a 422 naming the parameter, as PHP's query arrays would make Symfony's validator say.
 */
export function referenceFilter(query: Record<string, unknown>): string | undefined {
  const errors: Record<string, string> = {};
  const name = 'filter[reference_id]';
  for (const key of Object.keys(query)) {
    if (key === name) {
      if (typeof query[key] !== 'string') errors[key] = 'This value should be of type string.';
    } else if (key === 'filter') errors[key] = 'This value should be of type array.';
    else if (key.startsWith(`${name}[`)) errors[name] = 'This value should be of type string.';
    else if (key.startsWith('filter[')) errors[key] = 'This field was not expected.';
  }
  if (Object.keys(errors).length > 0) throw fieldError(errors);
  return query[name] as string | undefined;
}
