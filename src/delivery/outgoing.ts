import { type LookupAddress, lookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import {
  addressProblem,
  literalAddressOf,
  type TargetPolicy,
  callbackUrlProblem as urlProblem,
} from '../domain/callback-targets.ts';
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

/**
 * A callback that may not go where it points (domain/callback-targets.ts): a retry cannot
 * help, so the delivery worker records it as a permanent failure.
 */
export class ForbiddenTargetError extends Error {
  override name = 'ForbiddenTargetError';
}

/** Whether `error` (or what it wraps: undici passes a connection's error on) is a refused target. */
export function isForbiddenTarget(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    if (e.name === 'ForbiddenTargetError') return true;
  return false;
}

/**
 * The gateway's policy, set once by `openGateway` from its config (`CALLBACKS_ALLOW_PRIVATE`):
 * process-wide, so every dialect's callbacks follow it without each handler passing it on.
 */
let policy: TargetPolicy = { allowPrivate: false };
let agent = agentFor(policy);

export function setCallbackTargetPolicy(next: TargetPolicy): void {
  if (next.allowPrivate === policy.allowPrivate) return;
  const old = agent;
  policy = { ...next };
  agent = agentFor(policy);
  void old.close().catch(() => undefined);
}

/** Why a merchant's callback URL cannot be accepted under the gateway's policy, or null. */
export const callbackUrlProblem = (url: string): string | null => urlProblem(url, policy);

/**
 * Connections whose address is checked when it is resolved, right before connecting: the
 * address judged is the address connected to, so DNS rebinding (a name that answers a public
 * address to a check and a private one to the connection) does not pass.
 */
function agentFor(targets: TargetPolicy): Agent {
  const guarded: LookupFunction = (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => addressProblem(a.address, targets) === null);
      if (allowed.length === 0) {
        const why = addresses.map((a) => addressProblem(a.address, targets)).join('; ');
        return callback(new ForbiddenTargetError(`${hostname}: ${why || 'no address'}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0]!;
      callback(null, first.address, first.family);
    });
  };
  return new Agent({ connect: { lookup: guarded } });
}

const encodeFields = (fields: readonly (readonly [string, string])[]) =>
  new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString();

/**
 * Sends one callback and reads the merchant's answer (up to `answerBytesMax`). Network
 * failures throw; a forbidden target throws `ForbiddenTargetError`.
 */
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
  // a literal address is connected to without a lookup: judged here
  const literal = literalAddressOf(new URL(url).hostname);
  const refused = literal ? addressProblem(literal, policy) : null;
  if (refused) throw new ForbiddenTargetError(refused);
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
    dispatcher: agent,
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
