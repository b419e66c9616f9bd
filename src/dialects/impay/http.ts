import { STATUS_CODES } from 'node:http';
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { limits } from '../../domain/limits.ts';
import type { MerchantAuth } from '../../engine/merchants/merchants.ts';
import type { DialectHost } from '../dialect.ts';
import { headerToken } from '../kit/auth.ts';
import { type Body, rawBodyOf, useBodyReader } from '../kit/body.ts';
import { ExactNumber } from '../kit/json.ts';
import { type Renderer, sendJson, sendRendered, useRenderer } from '../kit/render.ts';
import { fieldMessage, frameworkRefusals, transportErrors } from './errors.ts';
import { parseIpAllowList } from './ip-allow.ts';
import { impayOpenApi } from './openapi.ts';
import type { ImpayOperation, ImpayOperations } from './operation.ts';
import { impaySettingKeys } from './settings.ts';
import { tokenMatches } from './sign.ts';
import { type OperationPath, operations, pathAliases, type TransportError } from './wire.ts';

/**
 * ImPay's HTTP conventions on the dialect kit: every operation a POST of JSON under `/v1`,
 * authenticated by X-Login / X-Token over the raw bytes, business answers at HTTP 200 and
 * transport refusals (400/401/403/404/405/413) in the framework's `{name,message,code,status}`.
 */

/** A refusal before any operation runs, in the framework's format. */
export class TransportRefusal extends Error {
  constructor(readonly body: TransportError) {
    super(body.message);
  }
}

/** ImPay writes JSON as Yii does: UTF-8 and slashes unescaped (JSON_UNESCAPED_*). */
const jsonOptions = {};

export const impayRenderer: Renderer = {
  json: jsonOptions,
  failure(error, req) {
    if (error instanceof TransportRefusal) return { http: error.body.status, body: error.body };
    const status = (error as { statusCode?: number } | null)?.statusCode;
    if (status && status >= 400 && status < 500) {
      const name = STATUS_CODES[status] ?? 'Bad Request';
      return { http: status, body: { name, message: name, code: 0, status } };
    }
    req.log.error({ err: error }, 'impay: unhandled error');
    return { http: 500, body: frameworkRefusals.internal };
  },
  notFound: () => ({ http: 404, body: frameworkRefusals.notFound }),
};

/** The body as read: JSON (any value), or what made it unreadable. */
type ImpayBody = { kind: 'json'; value: unknown } | { kind: 'empty' } | { kind: 'unreadable' };

const bodies = new WeakMap<FastifyRequest, ImpayBody>();

/**
 * JSON numbers as parse.ts reads them: plain numbers stay (fields.ts takes them), and a number
 * a double would change (`ExactNumber`) becomes the text of its token.
 */
export function normalizeNumbers(value: unknown): unknown {
  if (value instanceof ExactNumber) return value.text;
  if (Array.isArray(value)) return value.map(normalizeNumbers);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeNumbers(v)]));
  return value;
}

function accept(body: Body, req: FastifyRequest): unknown {
  // JSON is what ImPay reads; a form (PHP's curl default type on a JSON body is sniffed as JSON)
  // is taken as its fields; anything else is refused after authentication (authenticate)
  const read: ImpayBody =
    body.kind === 'json'
      ? { kind: 'json', value: normalizeNumbers(body.value) }
      : body.kind === 'form'
        ? { kind: 'json', value: body.value }
        : body.kind === 'empty'
          ? { kind: 'empty' }
          : { kind: 'unreadable' };
  bodies.set(req, read);
  return read.kind === 'json' ? read.value : undefined;
}

/** X-Login is the merchant's number: digits, as clients type it. */
const loginPattern = /^[1-9]\d{0,18}$/;

const calls = new WeakMap<FastifyRequest, MerchantAuth>();

/**
 * Headers and body present (400), the login known and the token signing the raw bytes (401),
 * the merchant active and the caller in its IP allow-list (403), the body JSON (400).
 */
async function authenticate(gateway: DialectHost, req: FastifyRequest): Promise<void> {
  const login = headerToken(req, 'x-login')?.trim();
  const token = headerToken(req, 'x-token')?.trim();
  const body = bodies.get(req) ?? { kind: 'empty' };
  if (!login || !token || body.kind === 'empty') throw new TransportRefusal(transportErrors.badRequest);
  if (!loginPattern.test(login)) throw new TransportRefusal(transportErrors.unauthorized);
  const auth = await gateway.engine.authenticate('impay', login);
  if (!auth || !tokenMatches(token, auth.secret(), rawBodyOf(req)))
    throw new TransportRefusal(transportErrors.unauthorized);
  if (
    auth.merchant.status !== 'active' ||
    !ipAllowed(auth.merchant.settings[impaySettingKeys.ipAllowList], req.ip)
  )
    throw new TransportRefusal(transportErrors.forbidden);
  if (body.kind === 'unreadable') throw new TransportRefusal(frameworkRefusals.badJson);
  calls.set(req, auth);
}

/** No list (or an empty one): any address. A list that no longer parses lets nobody in. */
function ipAllowed(setting: unknown, ip: string): boolean {
  if (setting === undefined || setting === null) return true;
  if (!Array.isArray(setting) || !setting.every((e) => typeof e === 'string')) return false;
  const list = parseIpAllowList(setting);
  return list.ok && list.value.allows(ip);
}

const checkers = new Map<OperationPath, TypeCheck<TSchema>>();
function checkerOf(path: OperationPath): TypeCheck<TSchema> {
  let checker = checkers.get(path);
  if (!checker) {
    checker = TypeCompiler.Compile(operations[path].request);
    checkers.set(path, checker);
  }
  return checker;
}

/**
 * The body's shape against wire.ts: a field of the wrong kind (an object, an array) is answered
 * like any field error, `{status:0, message}` naming it at HTTP 200, as ImPay's validators do.
 */
export function shapeRefusal(path: OperationPath, body: unknown): { status: 0; message: string } | null {
  const checker = checkerOf(path);
  if (checker.Check(body)) return null;
  const first = checker.Errors(body).First();
  const field = first?.path.split('/')[1];
  return field
    ? { status: 0, message: fieldMessage.invalid(field) }
    : { status: 0, message: 'Неверные параметры запроса' };
}

function route(
  app: FastifyInstance,
  gateway: DialectHost,
  url: string,
  path: OperationPath,
  op: ImpayOperation,
) {
  app.route({
    method: 'POST',
    url,
    preValidation: async (req) => authenticate(gateway, req),
    handler: async (req, reply) => {
      const auth = calls.get(req)!;
      const body = req.body ?? {};
      const refused = shapeRefusal(path, body);
      const answer =
        refused ?? (await op({ host: gateway, path, merchant: auth.merchant, auth, body, ip: req.ip }));
      return send(reply, 200, answer);
    },
  });
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url,
    handler: async (_req, reply) =>
      send(reply.header('allow', 'POST'), 405, frameworkRefusals.methodNotAllowed),
  });
}

export const send = (reply: FastifyReply, http: number, body: unknown) =>
  sendJson(reply, http, body, jsonOptions);

/** Any failure rendered outside the plugin's handlers (web/app.ts's framework errors). */
export const sendFailure = (error: unknown, req: FastifyRequest, reply: FastifyReply) =>
  sendRendered(reply, impayRenderer.failure(error, req), jsonOptions);

/** The plugin: the body reader, the renderer, and a POST route per operation (and alias). */
export const impayApi =
  (table: ImpayOperations): FastifyPluginAsync<{ gateway: DialectHost }> =>
  async (app, { gateway }) => {
    useBodyReader(app, { sniffJson: true, bodyBytesMax: limits.bodyBytesMax, accept });
    useRenderer(app, impayRenderer);
    // the document is public, as ImPay's is: it describes the API, it holds nothing of anyone's
    const openApi = impayOpenApi(gateway.config.publicUrl);
    app.get('/openapi.json', async (_req, reply) => send(reply, 200, openApi));
    for (const [path, op] of Object.entries(table) as [OperationPath, ImpayOperation][])
      route(app, gateway, `/${path}`, path, op);
    for (const [alias, path] of Object.entries(pathAliases)) {
      const op = table[path];
      if (op) route(app, gateway, `/${alias}`, path, op);
    }
  };
