import { request } from 'undici';
import { limits } from '../domain/limits.ts';

/**
 * The one place where Kopek makes an HTTP request to a merchant: every callback (the core's
 * and each dialect's) goes out here, so whatever guards outgoing requests (timeouts, target
 * address checks) is written once. A callback is a POST of JSON or of a form, or a GET with
 * its fields in the query (ImPay); `sign` sees exactly the text that is sent.
 */

export type OutgoingBody =
  /** JSON already written (the dialect's own writer: exact decimals, PHP escapes). */
  | { json: string }
  /** `application/x-www-form-urlencoded`, in this order. */
  | { form: readonly (readonly [string, string])[] }
  /** No body: the fields go in the URL's query, after any it already has. */
  | { query: readonly (readonly [string, string])[] };

export type OutgoingCallback = {
  url: string;
  body: OutgoingBody;
  /** Headers that sign `payload`: the JSON, the form, or the query string as sent. */
  sign?: (payload: string) => Record<string, string>;
  headers?: Record<string, string>;
};

export type CallbackAnswer = { status: number; body: string };

/**
 * How much of a merchant's answer is read: enough for every answer a dialect looks at
 * (`OK <md5>`, a status JSON) and for the delivery log, which keeps less; a merchant that
 * answers with megabytes does not make us hold them.
 */
export const answerBytesMax = Math.max(16 << 10, limits.deliveryResponseBodyStoredMax);

const encodeFields = (fields: readonly (readonly [string, string])[]) =>
  new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString();

/** Sends one callback and reads the merchant's answer (up to `answerBytesMax`). Network failures throw. */
export async function sendCallback(call: OutgoingCallback, signal?: AbortSignal): Promise<CallbackAnswer> {
  const { body } = call;
  let url = call.url;
  let payload: string;
  let method: 'GET' | 'POST' = 'POST';
  let contentType: string | undefined;
  if ('json' in body) {
    payload = body.json;
    contentType = 'application/json';
  } else if ('form' in body) {
    payload = encodeFields(body.form);
    contentType = 'application/x-www-form-urlencoded';
  } else {
    payload = encodeFields(body.query);
    method = 'GET';
    if (payload !== '') {
      const [address = '', fragment] = url.split(/#(.*)/s);
      url = `${address}${address.includes('?') ? '&' : '?'}${payload}${fragment === undefined ? '' : `#${fragment}`}`;
    }
  }
  const headers = {
    ...(contentType && { 'content-type': contentType }),
    ...call.headers,
    ...call.sign?.(payload),
  };
  const res = await request(url, {
    method,
    ...(method === 'POST' && { body: payload }),
    headers,
    signal,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= answerBytesMax) break; // leaving the loop destroys the rest of the stream
  }
  return { status: res.statusCode, body: Buffer.concat(chunks).subarray(0, answerBytesMax).toString('utf8') };
}
