import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { pkRoutes } from '../../../src/dialects/paykeeper/routes/index.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { paid } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { basic, type PkCreds, pkMerchant, tokenOf } from './helpers.ts';

/**
 * Malformed requests at every PayKeeper route: whatever arrives, the answer is PayKeeper's
 * JSON (a fail document, or the operation's answer), never a 5xx.
 */

const fieldNames = [
  'id',
  'start',
  'end',
  'from',
  'limit',
  'status',
  'payment_system_id',
  'amount',
  'partial',
].concat(['refund_cart', 'query', 'beg_date', 'end_date', 'token']);

const junkValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '1e3', '9223372036854775808', '2026-02-30', '2026-11-23', '1.001', 'true'),
  fc.constantFrom('%00', '%zz', '[]', '{"a":', '99999999999999999999', 'NaN', ' 1', '1 205,98', 'null'),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -5, max: 10_000 }).map(String),
);
const junkName = fc.oneof(
  fc.constantFrom(...fieldNames),
  fc.constantFrom(...fieldNames).map((n) => `${n}[]`),
  fc.constantFrom(...fieldNames).map((n) => `${n}[a][b]`),
  fc.string({ maxLength: 12 }),
);
const junkForm = fc
  .array(fc.tuple(junkName, junkValue), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

const contentTypes = [
  'application/x-www-form-urlencoded',
  'application/json',
  'multipart/form-data; boundary=zz',
  'multipart/form-data',
  'text/plain',
  'application/xml',
];

for (const flavor of await testFlavors()) {
  describe(`PayKeeper under malformed requests on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let token: string;
    let paymentId: string;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Fuzz shop');
      token = await tokenOf(app, shop);
      paymentId = String((await paid(gw.engine, shop.merchantId)).id);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('answers a few hundred malformed requests without a 5xx', async () => {
      const request = fc.record({
        route: fc.constantFrom(...pkRoutes.filter((r) => !r.path.endsWith('.json'))),
        query: junkForm,
        body: fc.oneof(
          junkForm,
          fc.string({ maxLength: 60 }),
          fc.constant('{"id":[1]}'),
          fc.constant('--zz\r\n'),
        ),
        type: fc.constantFrom(...contentTypes),
        withToken: fc.boolean(),
        withId: fc.boolean(),
        auth: fc.constantFrom('good', 'good', 'good', 'bad', 'none'),
      });
      const samples = fc.sample(request, { numRuns: 300, seed: 20261206 });
      for (const s of samples) {
        const extra = [s.withToken ? `token=${token}` : '', s.withId ? `id=${paymentId}` : '']
          .filter(Boolean)
          .join('&');
        const headers: Record<string, string> =
          s.auth === 'good'
            ? basic(shop)
            : s.auth === 'bad'
              ? basic({ login: shop.login, password: 'x' })
              : {};
        const url = `${s.route.path}?${[s.query, s.route.method === 'GET' ? extra : ''].filter(Boolean).join('&')}`;
        const res = await app.inject({
          method: s.route.method,
          url,
          headers: { ...headers, ...(s.route.method === 'POST' && { 'content-type': s.type }) },
          ...(s.route.method === 'POST' && { payload: [s.body, extra].filter(Boolean).join('&') }),
        });
        const what = `${s.route.method} ${url} ${s.type} ${JSON.stringify(s.body)}`;
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${what}: ${res.body}`);
        assert.ok([200, 401, 404].includes(res.statusCode), `${res.statusCode} for ${what}`);
        const body = JSON.parse(res.body);
        if (res.statusCode !== 200 || (body && !Array.isArray(body) && body.result === 'fail'))
          assert.equal(typeof body.msg, 'string', what);
        // every id in an answer is a digit string below 2^63
        for (const m of res.body.matchAll(/"(id|payment_id|payment_system_id|receipt_id)":("?)([^",}]*)/g)) {
          assert.equal(m[2], '"', `${m[1]} is a string: ${what}`);
          assert.match(m[3]!, /^[0-9]{1,19}$/);
          assert.ok(BigInt(m[3]!) < 2n ** 63n);
        }
      }
    });
  });
}
