import { randomBytes, randomInt } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Unguessable base62 text, by rejection sampling so every character is uniform. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < 248 && out.length < length) out += base62[byte % 62];
    }
  }
  return out;
}

/** 16 base62 characters: the public id of a payment (hosted page URL, Paymega `cpi_…`). */
export const newPublicId = (): string => randomBase62(16);

export const newSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');

export const newHexToken = (bytes = 16): string => randomBytes(bytes).toString('hex');

/** Digits only, for logins that clients parse as numbers. */
export const newDigits = (length: number): string => {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
};
