import { STATUS_CODES } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { sql } from 'kysely';
import type { DialectModule } from '../dialects/dialect.ts';
import { limits } from '../domain/limits.ts';
import type { Gateway } from '../runtime.ts';
import { createMetrics } from './metrics.ts';
import { paymentPages } from './pages/plugin.ts';

/**
 * Builds the HTTP server (without listening: tests use `inject`). Each dialect will be one
 * encapsulated plugin registered here with the engine as its option.
 */
export async function buildApp(gateway: Gateway): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: gateway.log as FastifyBaseLogger,
    bodyLimit: limits.bodyBytesMax,
    // Client IPs (rate limits, logs) come from X-Forwarded-For only behind a proxy we name.
    trustProxy: gateway.config.trustProxy,
    frameworkErrors: frameworkErrorsOf(gateway.dialects),
  });
  const metrics = createMetrics(gateway.database);

  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(gateway.database.db);
      return { status: 'ok', database: gateway.database.flavor };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: gateway.database.flavor });
    }
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.register(paymentPages, { gateway });
  for (const dialect of gateway.dialects) await app.register(dialect.plugin, { gateway });

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
 * Fastify's errors before routing (a malformed URL escape, 400) never reach a plugin's error
 * handler. Under a dialect's prefix they answer in that dialect's format, as every other
 * failure there does; elsewhere (the pages, health, metrics) with the body Fastify itself
 * writes when no `frameworkErrors` is set.
 */
function frameworkErrorsOf(dialects: readonly DialectModule[]) {
  const owners = dialects.flatMap(({ frameworkErrors: own }) =>
    own ? own.prefixes.map((prefix) => ({ prefix, handler: own.handler })) : [],
  );
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
