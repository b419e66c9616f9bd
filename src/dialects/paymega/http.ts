import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { limits } from '../../domain/limits.ts';
import { useBodyReader } from '../kit/body.ts';
import { sendJson, sendRendered, useRenderer } from '../kit/render.ts';
import { errorListOf, fieldError, paymegaRenderer } from './errors.ts';
import { acceptBody, bodyOfGet, bodyOptions, schemaFindings } from './parse.ts';

// the form reader lives in parse.ts; imported from here by older code and tests
export { formToObject, nestForm } from './parse.ts';

/**
 * Paymega's HTTP conventions, shared by both APIs, on the kit: bodies as clients really
 * send them (parse.ts), validation messages in Symfony's words, every failure in Paymega's
 * error documents (errors.ts), 405 for a wrong method, every path also with a slash.
 */

/** Paymega's JSON answer: `Content-Type: application/json` exactly, exact decimals. */
export const send = (reply: FastifyReply, http: number, body: unknown) =>
  sendJson(reply, http, body, paymegaRenderer.json);

/** Any failure in Paymega's format: the APIs' error handler, and routes answered outside them. */
export const sendFailure = (error: unknown, req: FastifyRequest, reply: FastifyReply) =>
  sendRendered(reply, paymegaRenderer.failure(error, req), paymegaRenderer.json);

/** Routes are registered once; this marks the twin that answers with a trailing slash. */
const slashTwin = Symbol('paymega slash twin');

/**
 * Every body as clients send it, Paymega's error documents for every failure, and every path
 * also with a trailing slash: a client whose base URL ends in `/` must not meet a 404 or,
 * worse, the 405 of `/payment-invoices/:id` with an empty id. (Paymega sits behind a
 * router that redirects such GETs; answering directly serves clients that do not follow.)
 */
export function setUpWire(app: FastifyInstance): void {
  useBodyReader(app, { ...bodyOptions, bodyBytesMax: limits.bodyBytesMax, accept: acceptBody });
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
      const findings = schemaFindings(schema as Parameters<typeof schemaFindings>[0], value);
      return Object.keys(findings).length === 0 ? { value } : { error: fieldError(findings) };
    };
  });
  useRenderer(app, paymegaRenderer);
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
