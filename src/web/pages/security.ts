import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config.ts';

/**
 * What protects the payment and ACS pages: response headers (a CSP with no inline code, no
 * framing, no referrer), a CSRF token on every form that changes something, and the bounds
 * of the per-IP rate limits (in addition to the engine's per-payment attempt limit).
 */
export const pageLimits = {
  /** Card submissions per client IP and minute: a payer needs a handful, a card tester hundreds. */
  attemptsPerIpPerMinute: 20,
  /** One-time-code answers at the ACS per client IP and minute. */
  acsAnswersPerIpPerMinute: 20,
  /** Every other POST of the pages (cancel, 3-DS returns, method step) per client IP and minute. */
  postsPerIpPerMinute: 60,
  /** A form of four card fields and a token is well under this. */
  formBodyBytesMax: 16 << 10,
  /**
   * `/bill/<invoice id>` lookups per client IP and minute. An invoice id is a timestamp and
   * five random digits, so unlike a payment's public id it can be guessed by counting.
   */
  billLookupsPerIpPerMinute: 30,
  /** How long a result page shows before it sends the payer back to the shop (Config.resultRedirectSeconds overrides). */
  redirectDelaySeconds: 3,
  /** How often the "processing" page looks again while the bank works. */
  processingRefreshSeconds: 3,
} as const;

export type PageSecurity = {
  /** Origins forms on the page may submit to (and be redirected to), besides 'self'. */
  formAction?: readonly string[];
  /** Origins the page may frame (the 3-DS Method iframe); none by default. */
  frameSrc?: readonly string[];
  /** `'self'` only for pages that live in our own hidden iframe (3-DS Method). */
  frameable?: boolean;
};

/** `https://shop.test/ok?x=1` → `https://shop.test`: what a CSP source list takes. */
export function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/**
 * A merchant's or bank's URL as the payer's browser is sent to it, or null if it is not
 * http(s). Normalized by the URL parser browsers use: an IDN host in punycode, spaces and
 * non-ASCII percent-encoded, tabs and newlines gone. So it is safe in a `Location` header
 * (which takes no such characters: Node throws on them) as well as in an href.
 */
export function httpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Strict-Transport-Security for a gateway whose public URL is https: a year, as scanners expect. */
export const hstsHeader = 'max-age=31536000';

const sources = (extra: readonly string[] | undefined, base: string): string =>
  [base, ...new Set((extra ?? []).filter((o) => originOf(o) === o))].join(' ');

export function contentSecurityPolicy(s: PageSecurity = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action ${sources(s.formAction, "'self'")}`,
    `frame-src ${s.frameSrc?.length ? sources(s.frameSrc, "'self'") : "'none'"}`,
    `frame-ancestors ${s.frameable ? "'self'" : "'none'"}`,
    "base-uri 'none'",
  ].join('; ');
}

export function setPageHeaders(reply: FastifyReply, s: PageSecurity = {}): void {
  reply
    .header('content-security-policy', contentSecurityPolicy(s))
    .header('x-frame-options', s.frameable ? 'SAMEORIGIN' : 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    // A payment page shows live state and a one-use token: never from a cache.
    .header('cache-control', 'no-store')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

/** `a=1; b=2` → Map; at most 32 cookies are looked at, names and values as sent. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';').slice(0, 32)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!jar.has(name)) jar.set(name, part.slice(eq + 1).trim());
  }
  return jar;
}

export const csrfCookie = 'kopek_csrf';
export const csrfField = 'csrf';

/**
 * Signed double-submit CSRF tokens, bound to one payment. The token is `nonce.mac` with
 * mac = HMAC(key, publicId + nonce); it sits in an HttpOnly cookie scoped to the payment's
 * path and in a hidden form field. A POST passes only when both are present, equal, and the
 * mac is right for this payment: another site can neither read the cookie nor mint a pair,
 * even one that can plant cookies, since the key never leaves the server. Nothing is stored,
 * so any gateway process can check a token another one issued.
 */
export class CsrfGuard {
  /** The first signs new tokens; every one verifies, so tokens issued before a rotation stay good. */
  readonly #keys: readonly [Buffer, ...Buffer[]];
  readonly #secure: boolean;

  constructor(keys: readonly [Buffer, ...Buffer[]], secureCookie: boolean) {
    this.#keys = keys;
    this.#secure = secureCookie;
  }

  /**
   * The keys are derived from the master keys, as the simulator's 3-DS keys are: the active
   * one's signs, the others' still verify, so a master key rotation does not void the form a
   * payer has open.
   */
  static fromConfig(config: Config): CsrfGuard {
    const { activeKeyId, keys } = config.keyring;
    const derive = (master: Buffer) => Buffer.from(hkdfSync('sha256', master, 'kopek', 'pay-page-csrf', 32));
    const others = [...keys].filter(([id]) => id !== activeKeyId).map(([, master]) => derive(master));
    return new CsrfGuard([derive(keys.get(activeKeyId)!), ...others], isHttps(config.publicUrl));
  }

  #mac(key: Buffer, publicId: string, nonce: string): string {
    return createHmac('sha256', key).update(`pay-csrf.${publicId}.${nonce}`).digest('base64url');
  }

  #valid(publicId: string, token: string): boolean {
    const [nonce, mac, extra] = token.split('.');
    if (!nonce || !mac || extra !== undefined || nonce.length > 64) return false;
    return this.#keys.some((key) => same(mac, this.#mac(key, publicId, nonce)));
  }

  /** The token for this payment's form: the one already in the cookie if valid, else a new one. */
  issue(publicId: string, cookieToken: string | undefined): { token: string; setCookie: string | null } {
    if (cookieToken && this.#valid(publicId, cookieToken)) return { token: cookieToken, setCookie: null };
    const nonce = randomBytes(18).toString('base64url');
    const token = `${nonce}.${this.#mac(this.#keys[0], publicId, nonce)}`;
    const attributes = [`Path=/pay/${publicId}`, 'HttpOnly', 'SameSite=Lax', 'Max-Age=86400'];
    if (this.#secure) attributes.push('Secure');
    return { token, setCookie: `${csrfCookie}=${token}; ${attributes.join('; ')}` };
  }

  verify(publicId: string, formToken: unknown, cookieToken: string | undefined): boolean {
    if (typeof formToken !== 'string' || !cookieToken || formToken.length > 256) return false;
    return same(formToken, cookieToken) && this.#valid(publicId, formToken);
  }
}

/** The gateway is reached over https: its cookies get `Secure`, its pages HSTS. */
export const isHttps = (publicUrl: string): boolean => originOf(publicUrl)?.startsWith('https:') === true;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
