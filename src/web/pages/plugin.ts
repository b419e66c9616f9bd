import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Gateway } from '../../runtime.ts';
import { registerAcsRoutes } from './acs-routes.ts';
import { registerAliasRoutes } from './alias-routes.ts';
import { Assets } from './assets.ts';
import { type Pages, sendError } from './context.ts';
import { registerPayRoutes } from './pay-routes.ts';
import { CsrfGuard, hstsHeader, isHttps, pageLimits } from './security.ts';

/**
 * The hosted payment page and the simulator bank's ACS pages: server-rendered HTML, one
 * encapsulated plugin. Its form parser, rate limits and HTML error pages stay inside, so
 * the dialects' JSON and wire formats never see them. web/app.ts: `register(paymentPages, …)`.
 */
export const paymentPages: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  const pages = pagesOf(gateway);

  // Browsers post forms urlencoded, and that is all these pages read: JSON or text (Fastify's
  // defaults) would hand the routes objects and arrays where they expect strings, and a 256 KiB
  // body limit instead of ours. Anything else is a 415 page. First value of a name wins;
  // nothing inherited.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: pageLimits.formBodyBytesMax },
    (_req, body, done) => {
      const form: Record<string, string> = Object.create(null);
      for (const [name, value] of new URLSearchParams(body as string))
        if (!(name in form)) form[name] = value;
      done(null, form);
    },
  );

  // Per client IP; only routes that ask for it (the POSTs) are counted. Counts live in this
  // process: with several processes the bound is per process, still a bound.
  await app.register(rateLimit, { global: false });

  app.setErrorHandler((error: { statusCode?: number }, req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 429) return sendError(pages, req, reply, 'tooMany');
    if (status >= 400 && status < 500) return sendError(pages, req, reply, 'badRequest', undefined, status);
    req.log.error({ err: error }, 'payment page failed');
    return sendError(pages, req, reply, 'serverError');
  });

  // A browser that once reached the pages over https stays on https.
  if (pages.https)
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.header('strict-transport-security', hstsHeader);
      return payload;
    });

  pages.assets.register(app);
  registerPayRoutes(app, pages);
  registerAcsRoutes(app, pages);
  registerAliasRoutes(app, pages);

  // Any other address under the pages' paths (a typo, a trailing slash, another method) is the
  // pages' 404, with their headers, not the JSON 404 of the API.
  for (const prefix of pagePrefixes)
    await app.register(
      async (scope) => {
        scope.setNotFoundHandler((req, reply) => sendError(pages, req, reply, 'notFound'));
      },
      { prefix },
    );
};

/** The paths the pages own; web/app.ts's JSON 404 answers everywhere else. */
export const pagePrefixes = ['/pay', '/acs', '/hpp', '/bill'] as const;

/** One Pages per gateway: the plugin's routes and the framework errors below share it. */
const built = new WeakMap<Gateway, Pages>();
function pagesOf(gateway: Gateway): Pages {
  let pages = built.get(gateway);
  if (!pages) {
    pages = {
      gateway,
      engine: gateway.engine,
      assets: new Assets(),
      csrf: CsrfGuard.fromConfig(gateway.config),
      https: isHttps(gateway.config.publicUrl),
      resultRedirectSeconds: gateway.config.resultRedirectSeconds ?? pageLimits.redirectDelaySeconds,
    };
    built.set(gateway, pages);
  }
  return pages;
}

/**
 * Errors Fastify answers before routing (a malformed escape in `/pay/%ZZ`: FST_ERR_BAD_URL; an
 * id over the router's 100 characters: FST_ERR_MAX_PARAM_LENGTH) are the pages' error pages
 * with their headers too, for web/app.ts's `frameworkErrors`. A too long id names no payment.
 */
export function pageFrameworkError(gateway: Gateway) {
  return (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const pages = pagesOf(gateway);
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(pages, req, reply, 'notFound');
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    return sendError(pages, req, reply, 'badRequest', undefined, status);
  };
}
