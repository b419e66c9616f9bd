import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { requestToken } from '../../../src/dialects/impay/sign.ts';
import type { Engine } from '../../../src/engine/engine.ts';
import type { MerchantCredentials, MerchantSettings } from '../../../src/engine/merchants/view.ts';
import { unwrap } from '../../helpers/fixtures.ts';

/**
 * ImPay test helpers: a merchant with its ImPay credentials (as `kopek merchant create` prints
 * them), and a POST signed over the exact bytes sent.
 */

export type ImpayCreds = MerchantCredentials['impay'] & { merchantId: bigint };

export async function impayMerchant(
  engine: Engine,
  name = 'ImPay shop',
  settings: MerchantSettings = {},
): Promise<ImpayCreds> {
  const created = unwrap(await engine.createMerchant({ name, settings }));
  return { ...created.impay, merchantId: BigInt(created.id) };
}

/** `body` as an object (serialised here) or as the exact text to send and sign. */
export async function impayPost(
  app: FastifyInstance,
  creds: Pick<ImpayCreds, 'login' | 'key'>,
  path: string,
  body: unknown,
  options: { headers?: Record<string, string>; remoteAddress?: string } = {},
): Promise<LightMyRequestResponse> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({
    method: 'POST',
    url: `/v1/${path}`,
    headers: {
      'content-type': 'application/json',
      'x-login': creds.login,
      'x-token': requestToken(creds.key, Buffer.from(text, 'utf8')),
      ...options.headers,
    },
    payload: text,
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  });
}

let counter = 0;
export const newExtid = (): string => `ext-${process.pid}-${Date.now() % 1e8}-${++counter}`;

export type Heard = { url: URL; method: string };

/**
 * A local merchant back end: records each request (method and URL) and answers with what
 * `reply` says for it: the HTTP status and body.
 */
export async function merchantServer(
  reply: (heard: Heard) => { status: number; body?: string } = () => ({ status: 200, body: 'OK' }),
): Promise<{ url: string; heard: Heard[]; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const heard: Heard[] = [];
  const server = createServer((req, res) => {
    const one = { url: new URL(req.url ?? '/', 'http://merchant.test'), method: req.method ?? '' };
    heard.push(one);
    const answer = reply(one);
    res.statusCode = answer.status;
    res.setHeader('content-type', 'application/json');
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    heard,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
