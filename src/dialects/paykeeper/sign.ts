import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * PayKeeper's signatures, all of them: the informer's `key` and the answer it waits for, the
 * legacy `/create/` form's `sign`, and the cabinet's security token. Every comparison of a
 * secret-derived value is constant-time.
 */

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Equal texts, compared in constant time for equal lengths (a length is no secret). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---- informer ----

export type InformerFacts = {
  /** The payment id as its digits. */
  id: string;
  /** Always two decimals, `"100.00"`. */
  sum: string;
  clientid: string | null;
  orderid: string | null;
};

/** `key = md5(id + sum + clientid + orderid + seed)`; a missing clientid/orderid is ''. */
export const informerKey = (facts: InformerFacts, seed: string): string =>
  md5(facts.id + facts.sum + (facts.clientid ?? '') + (facts.orderid ?? '') + seed);

/** The body the merchant must answer with: `OK ` + md5(id + seed). */
export const informerAnswer = (id: string, seed: string): string => `OK ${md5(id + seed)}`;

/**
 * Whether the merchant's answer confirms the notification. Surrounding whitespace is allowed
 * (PHP shops echo a newline); anything else (a bare `OK`, an HTML page) is a failed
 * delivery, retried.
 */
export const isInformerAccepted = (body: string, id: string, seed: string): boolean =>
  sameText(body.trim(), informerAnswer(id, seed));

// ---- the legacy HTML form (POST /create/) ----

export type LegacyFormFields = {
  sum: string;
  clientid: string;
  orderid: string;
  service_name: string;
  client_email: string;
  client_phone: string;
};

/** `sign = sha256(sum + clientid + orderid + service_name + client_email + client_phone + secret)`. */
export const legacyFormSign = (f: LegacyFormFields, secret: string): string =>
  sha256(f.sum + f.clientid + f.orderid + f.service_name + f.client_email + f.client_phone + secret);

/**
 * Checks a form's `sign`. Shops compute it over the `sum` they put in the form, which is
 * either the raw text or its two-decimal form (`300.3` / `300.30`): both are accepted, the
 * two-decimal form being given by the caller from the parsed amount. Hex case is ignored.
 */
export function isLegacyFormSigned(
  f: LegacyFormFields,
  sumTwoDecimals: string,
  sign: string,
  secret: string,
): boolean {
  const given = sign.trim().toLowerCase();
  const raw = sameText(given, legacyFormSign(f, secret));
  const printed = sameText(given, legacyFormSign({ ...f, sum: sumTwoDecimals }, secret));
  return raw || printed;
}

// ---- the security token (POST `token`) ----

/** A token changes once a day (spec 6.1: "Смена токена происходит раз в 24 часа"). */
export const tokenWindowMs = 24 * 60 * 60 * 1000;

/**
 * The security token is derived, not stored: 32 hex of HMAC-SHA256 over the user, the
 * user's credential stamp and the day window, under a key derived for this purpose alone.
 * Why not a stored value: a GET would have to write (or race to write) a row, every process
 * of a PostgreSQL cluster already shares the key, and nothing needs cleaning up. The stamp
 * (e.g. the password hash's last change) revokes a user's token when the password changes
 * or the user is deleted. Fetches within a window return the same token; a token stays
 * accepted through the next window too, so one fetched just before the change keeps
 * working for at least 24 h (at most 48 h).
 */
export type TokenSubject = { userId: bigint; stamp: string };

/** The token key, derived from a gateway secret so no other use of that secret can collide. */
export const deriveTokenKey = (secret: Buffer): Buffer =>
  createHmac('sha256', secret).update('kopek/paykeeper/security-token/v1').digest();

const windowOf = (nowMs: number) => Math.floor(nowMs / tokenWindowMs);

const tokenFor = (key: Buffer, s: TokenSubject, window: number): string =>
  createHmac('sha256', key).update(`${s.userId}\n${s.stamp}\n${window}`).digest('hex').slice(0, 32);

export const securityToken = (key: Buffer, s: TokenSubject, nowMs: number): string =>
  tokenFor(key, s, windowOf(nowMs));

/** The POST `token`: this window's or the previous one's; empty or malformed is simply wrong. */
export function isSecurityTokenValid(key: Buffer, s: TokenSubject, token: string, nowMs: number): boolean {
  if (!/^[0-9a-f]{32}$/.test(token)) return false;
  const window = windowOf(nowMs);
  const current = sameText(token, tokenFor(key, s, window));
  const previous = sameText(token, tokenFor(key, s, window - 1));
  return current || previous;
}
