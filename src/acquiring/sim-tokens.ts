import { createHmac, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Result } from '../domain/result.ts';

/**
 * Signed tokens for the simulator's 3-D Secure messages (PaReq, PaRes, CReq, CRes):
 * `base64url(JSON payload) "." base64url(HMAC-SHA256(key, purpose "." payload))`.
 *
 * They travel through the payer's browser, so anyone can read them and anyone can try to
 * change them. The HMAC makes a change detectable; the purpose inside the MAC keeps one kind
 * from being replayed as another (a PaReq is not a PaRes, even though both are signed).
 */
export type TokenPurpose = 'pareq' | 'pares' | 'creq' | 'cres';

export type TokenError = 'malformed' | 'bad_signature' | 'expired';

/** Every token carries its expiry, in milliseconds since the epoch. */
export type TokenPayload = { exp: number } & Record<string, unknown>;

/** Longer input is junk, not a token; checked before any decoding work. */
export const tokenLengthMax = 32 << 10;

const mac = (key: Buffer, purpose: TokenPurpose, body: string): Buffer =>
  createHmac('sha256', key).update(`${purpose}.${body}`).digest();

export function signToken(key: Buffer, purpose: TokenPurpose, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, purpose, body).toString('base64url')}`;
}

/**
 * The keys a token may be signed with: the first signs, every one verifies, so tokens issued
 * before a key rotation stay good until they expire.
 */
export type TokenKeys = readonly [Buffer, ...Buffer[]];

/** Checks the signature first, then the expiry; never throws on hostile input. */
export function verifyToken(
  keys: Buffer | TokenKeys,
  purpose: TokenPurpose,
  token: unknown,
  now: Date,
): Result<TokenPayload, TokenError> {
  const read = readToken(keys, purpose, token);
  if (read.ok && read.value.exp <= now.getTime()) return fail('expired');
  return read;
}

/** A token whose signature is good, expired or not: what it says can be trusted, not acted on. */
export function readToken(
  keys: Buffer | TokenKeys,
  purpose: TokenPurpose,
  token: unknown,
): Result<TokenPayload, Exclude<TokenError, 'expired'>> {
  if (typeof token !== 'string' || token.length > tokenLengthMax) return fail('malformed');
  const parts = token.split('.');
  if (parts.length !== 2) return fail('malformed');
  const [body, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  const signedByOne = (Buffer.isBuffer(keys) ? [keys] : keys).some((key) => {
    const expected = mac(key, purpose, body);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!signedByOne) return fail('bad_signature');
  const payload = parsePayload(body);
  return payload === null ? fail('malformed') : ok(payload);
}

function parsePayload(body: string): TokenPayload | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const exp = (value as Record<string, unknown>).exp;
    return typeof exp === 'number' ? (value as TokenPayload) : null;
  } catch {
    return null;
  }
}

/** A string field of a verified payload, or '' (never matches a real id) when absent. */
export const field = (payload: TokenPayload, name: string): string => {
  const value = payload[name];
  return typeof value === 'string' ? value : '';
};
