import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * ImPay's two signatures (COMPAT.md, ImPay): the request token a merchant sends and the key
 * of the callback we send. Both are lowercase hex, as ImPay writes them.
 */

const sha1hex = (data: string | Uint8Array): string => createHash('sha1').update(data).digest('hex');

/**
 * X-Token = sha1hex(sha1hex(merchant key) + sha1hex(raw body)). The body is hashed as the bytes
 * received: a re-serialised JSON (`100.50` → `100.5`, key order, escapes) would hash otherwise.
 */
export const requestToken = (merchantKey: string, rawBody: Uint8Array): string =>
  sha1hex(sha1hex(merchantKey) + sha1hex(rawBody));

const lowerHex40 = /^[0-9a-f]{40}$/;

/**
 * Does `token` sign `rawBody` under `merchantKey`? Only the lowercase form is accepted: ImPay
 * refuses an uppercase token, and a client that works against us must work against ImPay.
 * Compared in constant time, so a wrong token reveals nothing of the right one.
 */
export function tokenMatches(token: string, merchantKey: string, rawBody: Uint8Array): boolean {
  if (!lowerHex40.test(token)) return false;
  return timingSafeEqual(
    Buffer.from(token, 'latin1'),
    Buffer.from(requestToken(merchantKey, rawBody), 'latin1'),
  );
}

/** The query a callback carries, as the exact strings sent (`sum` is `%.2f`). */
export type CallbackFields = { extid: string; id: string; sum: string; status: string };

/** key = md5hex(extid + id + sum + status + callback key), over the strings as sent. */
export const callbackKey = (f: CallbackFields, callbackSecret: string): string =>
  createHash('md5')
    .update(f.extid + f.id + f.sum + f.status + callbackSecret)
    .digest('hex');
