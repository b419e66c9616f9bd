import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { Gateway } from '../../runtime.ts';
import { registerAcsRoutes } from './acs-routes.ts';
import { registerAliasRoutes } from './alias-routes.ts';
import { Assets } from './assets.ts';
import { type Pages, sendError } from './context.ts';
import { registerPayRoutes } from './pay-routes.ts';
import { CsrfGuard, pageLimits } from './security.ts';

/**
 * The hosted payment page and the simulator bank's ACS pages: server-rendered HTML, one
 * encapsulated plugin. Its form parser, rate limits and HTML error pages stay inside, so
 * the dialects' JSON and wire formats never see them. web/app.ts: `register(paymentPages, …)`.
 */
export const paymentPages: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  const pages: Pages = {
    gateway,
    engine: gateway.engine,
    assets: new Assets(),
    csrf: CsrfGuard.fromConfig(gateway.config),
  };

  // Browsers post forms urlencoded. First value of a name wins; nothing inherited.
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

  pages.assets.register(app);
  registerPayRoutes(app, pages);
  registerAcsRoutes(app, pages);
  registerAliasRoutes(app, pages);
};
