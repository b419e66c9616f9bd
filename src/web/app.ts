import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { sql } from 'kysely';
import { type HttpLimits, httpLimitsDefault } from '../config.ts';
import type { DialectModule } from '../dialects/dialect.ts';
import { limits } from '../domain/limits.ts';
import type { Gateway } from '../runtime.ts';
import { cabinet } from './cabinet.ts';
import { inboxView } from './dev-inbox.ts';
import { metricsOf } from './metrics.ts';
import { pageFrameworkError, pagePrefixes, paymentPages } from './pages/plugin.ts';

/**
 * A URL longer than this is answered 414 by the app, in the format of the surface it is
 * under. Node's own header limit is raised well above it (`headerBytesMax`), so Node's bare
 * 431 is left for requests far beyond anything a client of ours sends.
 */
export const urlLengthMax = 8 << 10;
const headerBytesMax = 64 << 10;

/** Where the catch-all server's messages are shown. */
export const inboxPath = '/dev/inbox';

/**
 * Builds the public HTTP server (without listening: tests use `inject`). Each dialect is one
 * encapsulated plugin registered here with the gateway as its option. `/metrics` is not here:
 * it has a listener of its own (buildMetricsApp), so the public one answers it 404.
 */
export async function buildApp(gateway: Gateway): Promise<FastifyInstance> {
  const bounds: HttpLimits = { ...httpLimitsDefault, ...gateway.config.http };
  const app = Fastify({
    loggerInstance: gateway.log as FastifyBaseLogger,
    bodyLimit: limits.bodyBytesMax,
    // Client IPs (rate limits, logs) come from X-Forwarded-For only behind a proxy we name.
    trustProxy: gateway.config.trustProxy,
    frameworkErrors: frameworkErrorsOf(gateway),
    serverFactory: (handler) => boundedServer(handler, bounds),
  });
  const metrics = metricsOf(gateway);

  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // Registered before every plugin, so each answers an over-long URL in its own format.
  app.addHook('onRequest', async (req) => {
    if (req.url.length > urlLengthMax)
      throw Object.assign(new Error(`URL over ${urlLengthMax} characters`), { statusCode: 414 });
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(gateway.database.db);
      return { status: 'ok', database: gateway.database.flavor };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: gateway.database.flavor });
    }
  });

  // The catch-all SMTP server's inbox (no SMTP_URL): loopback clients only (dev-inbox.ts).
  const inbox = gateway.email?.inbox;
  if (inbox) await app.register(inboxView, { prefix: inboxPath, inbox });
  await app.register(paymentPages, { gateway });
  for (const dialect of gateway.dialects) await app.register(dialect.plugin, { gateway });
  await app.register(cabinet, { dist: gateway.config.cabinetDist });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', path: req.url.split('?')[0] }),
  );
  app.setErrorHandler((error: { statusCode?: number; message: string }, req, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) req.log.error({ err: error }, 'unhandled error');
    return reply.code(status).send({
      error: status === 500 ? 'internal_error' : 'bad_request',
      message: status === 500 ? 'internal error' : error.message,
    });
  });
  return app;
}

/**
 * `/metrics` alone, for a listener of its own (Config.metrics: 127.0.0.1 by default): payment
 * counts and the callback backlog are for the operator's scraper, not for the internet.
 */
export async function buildMetricsApp(gateway: Gateway): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: gateway.log as FastifyBaseLogger });
  const metrics = metricsOf(gateway);
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}

/** A tenth of the shortest timeout that is set (0 is none), between 50 ms and a second. */
function checkingIntervalOf(bounds: HttpLimits): number {
  const set = [bounds.requestTimeoutMs, bounds.headersTimeoutMs].filter((ms) => ms > 0);
  return set.length === 0 ? 1000 : Math.max(50, Math.min(1000, Math.floor(Math.min(...set) / 10)));
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The Node server under the public app, bounding what a slow or greedy client can hold: a
 * request (headers and body) must arrive within `requestTimeoutMs`, its headers within
 * `headersTimeoutMs`; an idle keep-alive connection closes after `keepAliveTimeoutMs`; one
 * address keeps at most `connectionsPerAddressMax` connections open (counted by the TCP
 * peer: behind a proxy that is the proxy, which should bound its clients itself).
 */
export function boundedServer(handler: Handler, bounds: HttpLimits) {
  const server = createServer(
    {
      requestTimeout: bounds.requestTimeoutMs,
      headersTimeout: Math.min(bounds.headersTimeoutMs, bounds.requestTimeoutMs || Number.MAX_SAFE_INTEGER),
      keepAliveTimeout: bounds.keepAliveTimeoutMs,
      maxHeaderSize: headerBytesMax,
      // Node checks the two timeouts above on this period (30 s by default): a tenth of the
      // shortest, so a bound of a few seconds is kept to within a few hundred milliseconds.
      connectionsCheckingInterval: checkingIntervalOf(bounds),
    },
    handler,
  );
  if (bounds.connectionsPerAddressMax > 0) {
    const open = new Map<string, number>();
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      const count = (open.get(address) ?? 0) + 1;
      if (count > bounds.connectionsPerAddressMax) {
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    });
  }
  return server;
}

/**
 * Fastify's errors before routing (a malformed URL escape, 400; a path segment over the
 * router's limit) never reach a plugin's error handler. Under a dialect's prefix they answer
 * in that dialect's format, under the pages' in the pages' HTML; elsewhere (health) with the
 * body Fastify itself writes when no `frameworkErrors` is set.
 */
function frameworkErrorsOf(gateway: Gateway) {
  const dialects: readonly DialectModule[] = gateway.dialects;
  const pages = pageFrameworkError(gateway);
  const owners = [
    ...dialects.flatMap(({ frameworkErrors: own }) =>
      own ? own.prefixes.map((prefix) => ({ prefix, handler: own.handler })) : [],
    ),
    ...pagePrefixes.map((prefix) => ({ prefix, handler: pages })),
  ];
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    const owner = owners.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`));
    if (owner) return owner.handler(error, req, reply);
    const status = error.statusCode ?? 500;
    const body = {
      error: STATUS_CODES[status],
      code: error.code,
      message: error.message,
      statusCode: status,
    };
    // bytes, so the type stays `application/json` without the charset Fastify adds to a string
    return reply
      .code(status)
      .type('application/json')
      .send(Buffer.from(JSON.stringify(body)));
  };
}
