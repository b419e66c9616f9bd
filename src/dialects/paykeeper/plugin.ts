import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { limits } from '../../domain/limits.ts';
import type { DialectHost } from '../dialect.ts';
import { type Body, useBodyReader } from '../kit/body.ts';
import { mergeRequest, parsePhpForm } from '../kit/form.ts';
import { type Rendered, sendJson, sendRendered } from '../kit/render.ts';
import { accountOf, basicAuth, isTokenValid, PkUnauthorized } from './auth.ts';
import { badTokenFail, type PkFail, pkDialectFail } from './errors.ts';
import { PkFailure, type PkRoute, textParam } from './route.ts';
import { pkOperations } from './wire.ts';

/**
 * PayKeeper's HTTP conventions for every route (route.ts): bodies as PHP reads them (forms,
 * multipart, the query merged as $_REQUEST), Basic auth, the security token on a POST,
 * json_encode's escapes, and every failure as HTTP 200 `{"result":"fail","msg":…}` except
 * bad credentials (401).
 */

/** The API's own top-level paths: every URL under them answers in PayKeeper's format. */
export const pkApiPrefixes = ['/info', '/change', '/export'] as const;

const php = { php: true } as const;
const failure = (http: number, fail: PkFail, headers?: Record<string, string>): Rendered => ({
  http,
  body: fail,
  ...(headers && { headers }),
});

/** Any thrown thing as PayKeeper answers it; only our own bugs are 500 (and logged). */
export function renderFailure(error: unknown, req: FastifyRequest): Rendered {
  if (error instanceof PkFailure) return failure(200, error.fail);
  if (error instanceof PkUnauthorized)
    return failure(
      401,
      pkDialectFail.unauthorized,
      error.challenge ? { 'www-authenticate': 'Basic realm="PayKeeper"' } : undefined,
    );
  const status = (error as { statusCode?: unknown }).statusCode;
  // Fastify's own refusals (a body too large, a malformed URL): the caller's fault, told as such
  if (typeof status === 'number' && status >= 400 && status < 500)
    return failure(200, pkDialectFail.bad_request);
  req.log.error({ err: error }, 'paykeeper: unexpected failure');
  return failure(500, pkDialectFail.internal);
}

/** Errors Fastify answers before routing (web/app.ts's `frameworkErrors`), under the API's paths. */
export const frameworkError = (error: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
  sendRendered(reply, renderFailure(error, req), php);

/** What a body holds as PHP's $_POST: a form or multipart's fields; a JSON object is taken as fields. */
function acceptBody(body: Body): Record<string, unknown> {
  switch (body.kind) {
    case 'form':
      return body.value;
    case 'multipart':
      return body.value.fields;
    case 'json':
      if (typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value))
        return body.value as Record<string, unknown>;
      throw new PkFailure(pkDialectFail.bad_request);
    case 'malformed':
      throw new PkFailure(pkDialectFail.bad_request);
    default:
      return {}; // PHP fills no $_POST from other types either
  }
}

/** The query string as PHP's $_GET (brackets, last key wins, bare keys), not Fastify's reading. */
const queryOf = (req: FastifyRequest): Record<string, unknown> => {
  const at = req.url.indexOf('?');
  return at === -1 ? {} : parsePhpForm(req.url.slice(at + 1));
};

/** $_REQUEST: the query, overwritten by the body's fields of the same name. */
export const paramsOf = (req: FastifyRequest): Record<string, unknown> => {
  const body = req.method === 'POST' && req.body && typeof req.body === 'object' ? req.body : {};
  return mergeRequest(queryOf(req), body as Record<string, unknown>);
};

/** The reading, rendering and error handling of a scope (one per top-level path). */
function setUpScope(app: FastifyInstance, options: { notFound: boolean }): void {
  useBodyReader(app, { bodyBytesMax: limits.bodyBytesMax, accept: acceptBody });
  app.setErrorHandler((error, req, reply) => sendRendered(reply, renderFailure(error, req), php));
  if (options.notFound)
    app.setNotFoundHandler((_req, reply) =>
      sendRendered(reply, failure(404, pkDialectFail.unknown_method), php),
    );
}

/** Sends what a handler returned, unless it answered itself. */
const answer = (reply: FastifyReply, document: unknown) => {
  if (reply.sent || document === undefined) return reply;
  return sendJson(reply, 200, document, php);
};

/** wire.ts's `pkOperations` says once which operations are an administrator's (spec 4–5). */
const adminOnlyInWire = (route: PkRoute): boolean =>
  pkOperations.some((op) => op.adminOnly && op.method === route.method && op.path === route.path);

/** One route on its scope, at its path with and without the trailing slash. */
function addRoute(app: FastifyInstance, host: DialectHost, route: PkRoute, relative: string): void {
  const urls = relative.endsWith('/') && relative !== '/' ? [relative, relative.slice(0, -1)] : [relative];
  for (const url of urls) {
    if (route.auth === 'none') {
      app.route({
        method: route.method,
        url,
        handler: async (req, reply) =>
          answer(reply, await route.handler({ host, params: paramsOf(req), req, reply })),
      });
      continue;
    }
    app.route({
      method: route.method,
      url,
      onRequest: basicAuth(host),
      handler: async (req, reply) => {
        const { merchant, user } = accountOf(req);
        if ((route.adminOnly || adminOnlyInWire(route)) && !user.admin)
          throw new PkFailure(pkDialectFail.admin_only);
        const params = paramsOf(req);
        if (
          route.method === 'POST' &&
          !route.tokenFree &&
          !isTokenValid(host, user, textParam(params, 'token'))
        )
          throw new PkFailure(badTokenFail);
        return answer(reply, await route.handler({ host, merchant, user, params, req, reply }));
      },
    });
  }
}

const prefixOf = (path: string) => `/${path.split('/')[1] ?? ''}`;

/**
 * Registers `routes` on `app`: one encapsulated scope per top-level path (`/info`, `/change`,
 * …), each with PayKeeper's body reader and error format; the API's scopes also answer unknown
 * URLs (404 in PayKeeper's format). Other top-level paths (`/create`, `/bill`) leave their
 * 404 to whoever owns it (the payment pages own `/bill`).
 */
export async function registerPkRoutes(
  app: FastifyInstance,
  host: DialectHost,
  routes: readonly PkRoute[],
): Promise<void> {
  const prefixes = new Set<string>([...pkApiPrefixes, ...routes.map((r) => prefixOf(r.path))]);
  for (const prefix of prefixes) {
    const mine = routes.filter((r) => prefixOf(r.path) === prefix);
    await app.register(
      async (scope) => {
        setUpScope(scope, { notFound: (pkApiPrefixes as readonly string[]).includes(prefix) });
        for (const route of mine) addRoute(scope, host, route, route.path.slice(prefix.length) || '/');
      },
      { prefix },
    );
  }
}
