import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../src/engine/engine.ts';
import type { MerchantCredentials, MerchantSettings } from '../../../src/engine/merchants/view.ts';
import { unwrap } from '../../helpers/fixtures.ts';

/**
 * Paymega test helpers, also for the browser test of the hosted page: a merchant with its
 * Paymega credentials, Basic auth, an invoice created through the private API, a local
 * callback receiver, and the shape comparison of the contract tests.
 */

export type PaymegaCreds = MerchantCredentials['paymega'] & { merchantId: bigint };

export async function paymegaMerchant(
  engine: Engine,
  name = 'Paymega shop',
  settings: MerchantSettings = {},
): Promise<PaymegaCreds> {
  const created = unwrap(await engine.createMerchant({ name, settings }));
  return { ...created.paymega, merchantId: BigInt(created.id) };
}

export const basicAuth = (
  creds: Pick<PaymegaCreds, 'account_id' | 'secret_key'>,
): { authorization: string } => ({
  authorization: `Basic ${Buffer.from(`${creds.account_id}:${creds.secret_key}`).toString('base64')}`,
});

let references = 0;
export const newReference = (): string => `order-${process.pid}-${Date.now()}-${++references}`;

export type CreatedInvoice = {
  id: string;
  publicId: string;
  /** Where the payer pays: `flow_data.action`. */
  pageUrl: string;
  document: { data: { id: string; attributes: Record<string, unknown> } };
};

/**
 * `POST /api/payment-invoices` with sensible defaults (10.00 USD by card); `attributes`
 * override or add any field. Asserts 201 and returns the id and the payment page URL.
 */
export async function createInvoiceViaApi(
  app: FastifyInstance,
  creds: Pick<PaymegaCreds, 'account_id' | 'secret_key'>,
  attributes: Record<string, unknown> = {},
): Promise<CreatedInvoice> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/payment-invoices',
    headers: basicAuth(creds),
    payload: {
      data: {
        type: 'payment-invoices',
        attributes: {
          reference_id: newReference(),
          amount: 10,
          currency: 'USD',
          service: 'payment_card_usd_hpp',
          ...attributes,
        },
      },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const document = res.json();
  const id = String(document.data.id);
  return {
    id,
    publicId: id.replace(/^cpi_/, ''),
    pageUrl: document.data.attributes.flow_data.action,
    document,
  };
}

export type Received = { body: string; headers: IncomingHttpHeaders; at: number };

/** A local HTTP server that records callbacks and answers with `status()` (200 by default). */
export async function callbackReceiver(status: () => number = () => 200): Promise<{
  url: string;
  received: Received[];
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ body, headers: req.headers, at: Date.now() });
      res.statusCode = status();
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/paymega/callback`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- shape comparison ----

export const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

export type ShapeOptions = {
  /** Paths (suffixes, `a.b`) whose keys are data, not names (`callback_logs` keyed by time). */
  dynamicKeys?: readonly string[];
  /** Paths (suffixes) where either side may be null: facts the spec's example knew and ours may not. */
  nullable?: readonly string[];
  /** Paths (suffixes, `a.key`) of keys ours may have and the spec's example lacks. */
  extraKeys?: readonly string[];
};

const matches = (path: string, suffixes: readonly string[] = []) =>
  suffixes.some((s) => path === s || path.endsWith(`.${s}`));

/**
 * Differences in shape between a response of the spec and ours: the same keys at every
 * level, and the same JSON type for every value. Ids, times and amounts may differ. Each
 * element of an array is compared with the spec's element at the same index (or its last).
 */
export function shapeDiff(
  expected: unknown,
  actual: unknown,
  options: ShapeOptions = {},
  path = '',
): string[] {
  const at = path || '$';
  const te = jsonType(expected);
  const ta = jsonType(actual);
  if (te !== ta) {
    if ((te === 'null' || ta === 'null') && matches(path, options.nullable)) return [];
    return [`${at}: spec has ${te}, got ${ta}`];
  }
  if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length === 0) return a.length === 0 ? [] : [`${at}: spec has [], got ${a.length} items`];
    if (a.length === 0) return [`${at}: spec has items, got []`];
    return a.flatMap((item, i) => shapeDiff(e[Math.min(i, e.length - 1)], item, options, `${path}[${i}]`));
  }
  if (te !== 'object') return [];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  if (matches(path, options.dynamicKeys)) {
    const template = Object.values(e)[0];
    return Object.entries(a).flatMap(([k, v]) => shapeDiff(template, v, options, `${path}.${k}`));
  }
  const problems: string[] = [];
  for (const key of Object.keys(e)) if (!(key in a)) problems.push(`${at}: missing "${key}"`);
  for (const key of Object.keys(a))
    if (!(key in e) && !matches(path ? `${path}.${key}` : key, options.extraKeys))
      problems.push(`${at}: unexpected "${key}"`);
  for (const key of Object.keys(e))
    if (key in a) problems.push(...shapeDiff(e[key], a[key], options, path ? `${path}.${key}` : key));
  return problems;
}

export function assertShape(expected: unknown, actual: unknown, options: ShapeOptions = {}): void {
  const problems = shapeDiff(expected, actual, options);
  assert.deepEqual(problems, [], `shape differs from the spec:\n${problems.join('\n')}`);
}
