import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * Authentication pieces every dialect needs: HTTP Basic, a header's token, digests and
 * HMACs, a comparison that takes as long for a near miss as for a far one, and the
 * per-request account (set by a route's auth hook, read by its handler).
 */

/** `Authorization: Basic …` → login and password; null when absent or malformed (no colon). */
export function parseBasic(header: string | undefined): { login: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A header sent once, as text (`X-Login`, `X-Token`); undefined when missing or repeated. */
export function headerToken(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256';
export type DigestEncoding = 'hex' | 'base64';

/** The digest of text (UTF-8) or bytes: `digest('sha1', body)` → lowercase hex. */
export const digest = (
  algorithm: DigestAlgorithm,
  data: string | Buffer,
  encoding: DigestEncoding = 'hex',
): string => createHash(algorithm).update(data).digest(encoding);

export const hmac = (
  algorithm: DigestAlgorithm,
  key: string | Buffer,
  data: string | Buffer,
  encoding: DigestEncoding = 'hex',
): string => createHmac(algorithm, key).update(data).digest(encoding);

/**
 * True when `given` equals `expected`, in a time that does not tell how much of it matched.
 * Both are hashed first (SHA-256), so their lengths do not leak either, and timingSafeEqual
 * gets the equal lengths it needs.
 */
export function safeEqual(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The account a request speaks for: `set` by the route's auth hook, `get` by its handler.
 * Kept beside the request, not decorated onto it; `get` without an auth hook is our bug.
 */
export function accountSlot<A>() {
  const accounts = new WeakMap<FastifyRequest, A>();
  return {
    set: (req: FastifyRequest, account: A): void => {
      accounts.set(req, account);
    },
    get: (req: FastifyRequest): A => {
      const account = accounts.get(req);
      if (account === undefined) throw new Error('route without an auth hook');
      return account;
    },
    /** The account, or null on a route whose auth is optional and got no credentials. */
    find: (req: FastifyRequest): A | null => accounts.get(req) ?? null,
  };
}
