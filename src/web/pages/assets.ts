import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { setPageHeaders } from './security.ts';

/**
 * The pages' static files (CSS, JS), read once from src/web/pages/assets at start. Only the
 * files found there are served, by exact name, so a path can never climb out of the folder.
 * Pages link them with `?v=<content hash>`: such a URL never changes meaning, so browsers
 * may keep it for a year; a request without the current hash revalidates by ETag.
 */
const contentTypes: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

type Asset = { body: Buffer; type: string; hash: string };

export const assetsPrefix = '/pay/assets/';

export class Assets {
  readonly #files = new Map<string, Asset>();

  constructor(dir: URL = new URL('./assets/', import.meta.url)) {
    for (const name of readdirSync(dir)) {
      const type = contentTypes[name.split('.').pop() ?? ''];
      if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
      const body = readFileSync(new URL(name, dir));
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
      this.#files.set(name, { body, type, hash });
    }
  }

  /** `pay.css` → `/pay/assets/pay.css?v=…`; throws on a name that is not there (a bug of ours). */
  url(name: string): string {
    const asset = this.#files.get(name);
    if (!asset) throw new Error(`no page asset named ${name}`);
    return `${assetsPrefix}${name}?v=${asset.hash}`;
  }

  register(app: FastifyInstance): void {
    app.get<{ Params: { file: string }; Querystring: { v?: string } }>(
      `${assetsPrefix}:file`,
      async (req, reply) => {
        const asset = this.#files.get(req.params.file);
        if (!asset) {
          setPageHeaders(reply);
          return reply.code(404).type('text/plain; charset=utf-8').send('not found');
        }
        const etag = `"${asset.hash}"`;
        reply
          .header('content-type', asset.type)
          .header('etag', etag)
          .header('x-content-type-options', 'nosniff')
          .header(
            'cache-control',
            req.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'public, no-cache',
          );
        if (req.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.send(asset.body);
      },
    );
  }
}
