import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { EngineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { Account, InvoiceContext } from './invoice.ts';
import { writeJson } from './json.ts';
import { type ErrorBody, engineFailure, errorListOf } from './map.ts';
import { isStorableText, PublicKey } from './wire.ts';

/**
 * Paymega's HTTP conventions, shared by both APIs: bodies as clients really send them,
 * validation messages in Symfony's words, every failure in Paymega's error documents, 405 for
 * a wrong method, and the two ways of authenticating.
 */

/** A failure already in Paymega's format; thrown anywhere, rendered by the error handler. */
export class WireError extends Error {
  constructor(
    readonly http: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(`paymega ${http}`);
  }
}

export const fieldError = (fields: Record<string, string>) => new WireError(422, { errors: fields });
export const statusError = (http: number, headers?: Record<string, string>) =>
  new WireError(http, errorListOf(http), headers);
export const fromEngine = (error: EngineError) => {
  const failure = engineFailure(error);
  return new WireError(failure.http, failure.body);
};

/**
 * `Content-Type: application/json` exactly, as Symfony's JsonResponse writes it (JSON has no
 * charset parameter; UTF-8 is its only encoding): a client may compare the header whole.
 * Sent as bytes, since Fastify appends `; charset=utf-8` to the type of a string body.
 */
export const send = (reply: FastifyReply, http: number, body: unknown) =>
  reply
    .code(http)
    .type('application/json')
    .send(Buffer.from(writeJson(body), 'utf8'));

// ---- the wire: bodies, schemas, errors ----

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
 * A body, whatever it claims to be: JSON (also when a client labels it a form, as PHP's curl
 * does by default), or an HTML form with PHP brackets. Empty is `{}`. Else 400: the spec
 * lists no 415, and its 400 is "a request of invalid structure", which a body of a type the
 * API does not read (XML, multipart) is to a Paymega client.
 */
function parseBody(raw: string, contentType: string): Result<unknown, 400> {
  const text = raw.trim();
  const type = contentType.toLowerCase();
  if (text === '') return ok({});
  if (type.includes('json') || text.startsWith('{') || text.startsWith('[')) {
    try {
      return ok(JSON.parse(text));
    } catch {
      return fail(400);
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return ok(formToObject(text));
  return fail(400);
}

/**
 * The body of a GET, which Fastify leaves unread. Simple clients send one: `{}`, or the
 * public API's `public_key` in JSON as in their POSTs. A body that does not parse is no
 * body (the GET still answers); only one over the size bound is refused.
 */
async function bodyOfGet(req: FastifyRequest): Promise<unknown> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
    return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer | string>) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += bytes.length;
    if (size > limits.bodyBytesMax) throw statusError(413);
    chunks.push(bytes);
  }
  const parsed = parseBody(Buffer.concat(chunks).toString('utf8'), String(req.headers['content-type'] ?? ''));
  return parsed.ok ? parsed.value : undefined;
}

/** Routes are registered once; this marks the twin that answers with a trailing slash. */
const slashTwin = Symbol('paymega slash twin');

/**
 * Every body as clients send it, Paymega's error documents for every failure, and every path
 * also with a trailing slash: a client whose base URL ends in `/` must not meet a 404 or,
 * worse, the 405 of `/payment-invoices/:id` with an empty id. (Paymega sits behind a
 * router that redirects such GETs; answering directly serves clients that do not follow.)
 */
export function setUpWire(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: limits.bodyBytesMax }, (req, body, done) => {
    const parsed = parseBody(String(body), String(req.headers['content-type'] ?? ''));
    return parsed.ok ? done(null, parsed.value) : done(statusError(parsed.error), undefined);
  });
  app.addHook('preValidation', async (req) => {
    if (req.method === 'GET' && req.body === undefined) req.body = await bodyOfGet(req);
  });
  app.addHook('onRoute', (route) => {
    const twin = (route.config as Record<symbol, unknown> | undefined)?.[slashTwin];
    if (route.method === 'HEAD' || twin || route.routePath.endsWith('/')) return;
    const { path: _path, prefix: _prefix, routePath, ...options } = route;
    const config = { ...route.config, [slashTwin]: true } as typeof route.config;
    app.route({ ...options, url: `${routePath}/`, config });
  });
  app.setValidatorCompiler(({ schema }) => {
    return (data: unknown) => {
      const value = data ?? {};
      const findings = schemaFindings(schema as TSchema, value);
      return Object.keys(findings).length === 0 ? { value } : { error: fieldError(findings) };
    };
  });
  app.setErrorHandler(sendFailure);
  app.setNotFoundHandler((_req, reply) => send(reply, 404, errorListOf(404)));
}

/** Any failure in Paymega's format: the APIs' error handler, and routes answered outside them. */
export function sendFailure(error: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof WireError) {
    reply.headers(error.headers);
    return send(reply, error.http, error.body);
  }
  const status = (error as { statusCode?: number } | null)?.statusCode;
  if (status && status >= 400 && status < 500) return send(reply, status, errorListOf(status));
  req.log.error({ err: error }, 'paymega: unhandled error');
  return send(reply, 500, errorListOf(500));
}

/**
 * What Fastify refuses before any route or plugin runs (a malformed URL escape such as `%ZZ`:
 * 400), in Paymega's error list like every other failure; web/app.ts hands these over for
 * URLs under the dialect's prefixes. A path parameter over Fastify's length bound is an id
 * that names nothing: 404 as for any unknown id (the spec has no 414).
 */
export function frameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 404
      : error.statusCode && error.statusCode >= 400
        ? error.statusCode
        : 400;
  if (status >= 500) req.log.error({ err: error }, 'paymega: framework error');
  return send(reply, status, errorListOf(status));
}

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
  return check.Check(value) ? {} : fieldErrorsOf(check.Errors(value));
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

/**
 * Answers 405 for the methods a path does not take (Fastify alone would say 404), with the
 * `Allow` header HTTP asks of a 405. OPTIONS too: no CORS here, as the spec names none.
 */
export function refuseOtherMethods(app: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  const others = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const).filter(
    (m) => !allowed.includes(m),
  );
  const allow = allowed.join(', ');
  app.route({
    method: others,
    url,
    handler: async (_req, reply) => send(reply.header('allow', allow), 405, errorListOf(405)),
  });
}

// ---- authentication ----

/** The account each request speaks for, set by its auth hook; not a decoration of the request. */
const accounts = new WeakMap<FastifyRequest, Account & { testKey: boolean }>();
export const accountOf = (req: FastifyRequest) => {
  const account = accounts.get(req);
  if (!account) throw new Error('route without an auth hook');
  return account;
};

/** `public_key` from the body, or from the query of a GET. `creates`: refused when the account forbids it. */
export const publicAuth =
  (ctx: InvoiceContext, options: { creates: boolean }) =>
  async (req: FastifyRequest): Promise<void> => {
    const fromBody = (req.body as { public_key?: unknown } | undefined)?.public_key;
    const key = fromBody ?? (req.query as { public_key?: unknown }).public_key;
    await authenticatePublic(ctx, req, key, options);
  };

/** Makes `key` the account `req` speaks for, or throws the 401 / 403 Paymega answers. */
export async function authenticatePublic(
  ctx: InvoiceContext,
  req: FastifyRequest,
  key: unknown,
  options: { creates: boolean },
): Promise<void> {
  // what is no public key at all (empty, a NUL the database cannot hold) is a wrong one
  if (typeof key !== 'string' || Object.keys(schemaFindings(PublicKey, key)).length > 0)
    throw statusError(401);
  const auth = await ctx.engine.authenticateByPublicKey(key);
  if (!auth) throw statusError(401);
  if (auth.merchant.status !== 'active') throw statusError(403);
  if (options.creates && auth.merchant.settings.publicAccess === false) throw statusError(403);
  accounts.set(req, {
    merchant: auth.merchant,
    accountId: auth.login,
    testKey: key.startsWith('pk_test_'),
  });
}

/** Basic auth: the account id as login, the secret key as password. */
export const privateAuth =
  (ctx: InvoiceContext) =>
  async (req: FastifyRequest): Promise<void> => {
    const unauthorized = statusError(401, { 'www-authenticate': 'Basic realm="Paymega API"' });
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) throw unauthorized;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // a NUL names no account (and PostgreSQL refuses it in a query): wrong credentials
    if (colon < 1 || !isStorableText(decoded)) throw unauthorized;
    const auth = await ctx.engine.authenticate('paymega', decoded.slice(0, colon), decoded.slice(colon + 1));
    if (!auth) throw unauthorized;
    if (auth.merchant.status !== 'active') throw statusError(403);
    accounts.set(req, { merchant: auth.merchant, accountId: auth.login, testKey: true });
  };
