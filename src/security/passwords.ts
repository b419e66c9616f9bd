import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

/**
 * Verifier for a generated API secret. These secrets carry 128+ bits of randomness, so a
 * fast hash is enough (nothing to brute-force) and keeps per-request auth cheap.
 */
export const apiSecretVerifier = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex');

export function apiSecretMatches(secret: string, verifier: string): boolean {
  const a = Buffer.from(apiSecretVerifier(secret), 'hex');
  const b = Buffer.from(verifier, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Passwords people choose get a slow, salted hash: `scrypt$<salt>$<hash>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}
