import { statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/**
 * The merchant cabinet (a single-page app, cabinet/ at the repo root, built by Vite into
 * cabinet/dist/) served at `/cabinet/`:
 * - a file of the build is sent as it is; files under `assets/` carry a content hash in their
 *   names, so they are cached for a year and never revalidated;
 * - any other path under `/cabinet/` is the app's own route: `index.html`, which is always
 *   revalidated (`no-cache`), so a new build is picked up at the next load;
 * - a `.br` / `.gz` twin beside a file is sent to a client that accepts it (the build writes them);
 * - `/cabinet/api/…` is the server's: an unknown path there is a JSON 404, never the app;
 * - with no build: 503 and how to make one.
 * The session endpoints are the PayKeeper dialect's (dialects/paykeeper/cabinet-session.ts).
 */

export const cabinetPrefix = '/cabinet';

/** cabinet/dist/ beside src/ (or dist/, which mirrors it): two folders up from this module. */
export const cabinetDistDefault = fileURLToPath(new URL('../../cabinet/dist/', import.meta.url));

const immutableAssets = { maxAge: 365 * 24 * 60 * 60 * 1000, immutable: true } as const;

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The build's file that `rel` names, as a path relative to `root`; null when it names none. */
function buildFileOf(root: string, rel: string): string | null {
  if (rel === '' || rel.includes('\u0000')) return null;
  const relative = normalize(rel).replace(/^[/\\]+/, '');
  if (relative.startsWith('..') || isAbsolute(relative)) return null;
  if (relative.split(sep).some((part) => part.startsWith('.'))) return null; // no dotfiles
  return isFile(join(root, relative)) ? relative : null;
}

/** Headers every page of the app carries: it is never framed by another site, nor sniffed. */
function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}

export const cabinet: FastifyPluginAsync<{ dist?: string }> = async (app, options) => {
  const root = options.dist ?? cabinetDistDefault;
  // sendFile only (no routes of its own), with the build's pre-compressed twins
  await app.register(fastifyStatic, { serve: false, preCompressed: true });

  const serve = async (rel: string, reply: FastifyReply) => {
    if (!isFile(join(root, 'index.html')))
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('cabinet not built: run npm run build');
    const file = buildFileOf(root, rel);
    if (file?.startsWith(`assets${sep}`))
      return reply
        .header('x-content-type-options', 'nosniff')
        .header('vary', 'accept-encoding') // a shared cache keeps the brotli and the plain apart
        .sendFile(file, root, immutableAssets);
    // a missing script or style is a 404, not the app's HTML (which a browser would refuse as
    // a module, with a confusing error, after a deploy removed an old build's chunk)
    if (file === null && rel.startsWith('assets/'))
      return reply.code(404).header('cache-control', 'no-cache').type('text/plain').send('not found');
    const sent = file ?? 'index.html';
    return pageHeaders(reply)
      .header('cache-control', 'no-cache')
      .header('vary', 'accept-encoding')
      .sendFile(sent, root, { cacheControl: false });
  };

  app.get(cabinetPrefix, (req, reply) => {
    const query = req.url.indexOf('?');
    return reply.redirect(`${cabinetPrefix}/${query === -1 ? '' : req.url.slice(query)}`, 301);
  });
  app.get(`${cabinetPrefix}/`, (_req, reply) => serve('', reply));
  app.get(`${cabinetPrefix}/api/*`, (req, reply) =>
    reply.code(404).send({ error: 'not_found', path: req.url.split('?')[0] }),
  );
  app.get(`${cabinetPrefix}/*`, (req, reply) => serve((req.params as { '*': string })['*'], reply));
};
