import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type JsonWriteOptions, writeJson } from './json.ts';

/**
 * How a dialect answers: each decides the HTTP status and the body of every failure itself
 * (Paymega: HTTP codes and error lists; PayKeeper: HTTP 200 `{"result":"fail","msg":…}`;
 * ImPay: 200 `{status:0,message}` for refusals, 400/401 for transport errors), and how its
 * JSON is written. `useRenderer` makes it the plugin's error handler and 404.
 */

export type Rendered = { http: number; body: unknown; headers?: Record<string, string> };

export type Renderer = {
  /** How this dialect writes JSON (`php: true` for json_encode's escapes). */
  json: JsonWriteOptions;
  /** Any failure thrown in a route or hook, in the dialect's format; unexpected ones logged by it. */
  failure: (error: unknown, req: FastifyRequest) => Rendered;
  /** A URL under the dialect that names no route. */
  notFound: (req: FastifyRequest) => Rendered;
};

/**
 * `Content-Type: application/json` exactly (JSON has no charset parameter): a client may
 * compare the header whole. Sent as bytes, since Fastify appends `; charset=utf-8` to the
 * type of a string body.
 */
export const sendJson = (reply: FastifyReply, http: number, body: unknown, options: JsonWriteOptions = {}) =>
  reply
    .code(http)
    .type('application/json')
    .send(Buffer.from(writeJson(body, options), 'utf8'));

/** Sends what a renderer made, its headers included. */
export const sendRendered = (reply: FastifyReply, rendered: Rendered, options: JsonWriteOptions = {}) =>
  sendJson(reply.headers(rendered.headers ?? {}), rendered.http, rendered.body, options);

/** Every failure and unknown URL of `app` (a dialect's plugin) answered by `renderer`. */
export function useRenderer(app: FastifyInstance, renderer: Renderer): void {
  app.setErrorHandler((error, req, reply) =>
    sendRendered(reply, renderer.failure(error, req), renderer.json),
  );
  app.setNotFoundHandler((req, reply) => sendRendered(reply, renderer.notFound(req), renderer.json));
}
