import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import {
  InvoiceList,
  PaymentServiceList,
  PrerequestDocument,
  PrivateInvoiceDocument,
  PublicInvoiceDocument,
} from '../../../src/dialects/paymega/wire.ts';
import { limits } from '../../../src/domain/limits.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import {
  basicAuth,
  createInvoiceViaApi,
  newReference,
  type PaymegaCreds,
  paymegaMerchant,
} from './helpers.ts';

/** HTTP semantics of the Paymega dialect: auth, every documented status, bad input, paging, refunds. */

const valid = {
  private: TypeCompiler.Compile(PrivateInvoiceDocument),
  public: TypeCompiler.Compile(PublicInvoiceDocument),
  list: TypeCompiler.Compile(InvoiceList),
  services: TypeCompiler.Compile(PaymentServiceList),
  prerequest: TypeCompiler.Compile(PrerequestDocument),
};
const assertValid = (check: (typeof valid)[keyof typeof valid], body: unknown) =>
  assert.ok(check.Check(body), JSON.stringify([...check.Errors(body)].slice(0, 3)));

for (const flavor of await testFlavors()) {
  describe(`Paymega API on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PaymegaCreds;
    let rival: PaymegaCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await paymegaMerchant(gw.engine, 'Shop');
      rival = await paymegaMerchant(gw.engine, 'Rival');
    });
    after(async () => {
      await assertLedgerBalanced(gw.engine);
      await app.close();
      await gw.close();
    });

    const createPrivate = (attributes: Record<string, unknown>, creds = shop) =>
      app.inject({
        method: 'POST',
        url: '/api/payment-invoices',
        headers: basicAuth(creds),
        payload: { data: { type: 'payment-invoices', attributes } },
      });
    const base = () => ({
      reference_id: newReference(),
      amount: 10,
      currency: 'USD',
      service: 'payment_card_usd_hpp',
    });
    const getPrivate = (id: string, creds = shop) =>
      app.inject({ method: 'GET', url: `/api/payment-invoices/${id}`, headers: basicAuth(creds) });
    const refund = (id: string, attributes: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: `/api/payment-invoices/${id}/refund`,
        headers: basicAuth(shop),
        payload: { data: { type: 'refund', attributes } },
      });

    describe('authentication', () => {
      it('private API: Basic with the account id and the secret key, else 401', async () => {
        const bad = [
          {},
          { authorization: 'Bearer x' },
          { authorization: 'Basic !!!' },
          { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` },
          basicAuth({ account_id: shop.account_id, secret_key: `${shop.secret_key}x` }),
          basicAuth({ account_id: 'comacc_unknown', secret_key: shop.secret_key }),
          basicAuth({ account_id: shop.account_id, secret_key: rival.secret_key }),
        ];
        for (const headers of bad) {
          const res = await app.inject({ method: 'GET', url: '/api/payment-invoices', headers });
          assert.equal(res.statusCode, 401, JSON.stringify(headers));
          assert.deepEqual(res.json(), { errors: [{ status: 'Unauthorized', code: '401' }] });
          assert.equal(res.headers['www-authenticate'], 'Basic realm="Paymega API"');
        }
        // authentication comes before validation: no hint about the body to a stranger
        const res = await app.inject({ method: 'POST', url: '/api/payment-invoices', payload: {} });
        assert.equal(res.statusCode, 401);
      });

      it('public API: the public key, else 401', async () => {
        for (const payload of [
          { currency: 'USD' },
          { public_key: '', currency: 'USD' },
          { public_key: 'pk_test_nope', currency: 'USD' },
          { public_key: 5, currency: 'USD' },
        ]) {
          const res = await app.inject({ method: 'POST', url: '/public-api/payment-prerequest', payload });
          assert.equal(res.statusCode, 401, JSON.stringify(payload));
        }
        // the invoice lookup takes no key (the id is the capability): an unknown id is a 404
        const get = await app.inject({
          method: 'GET',
          url: '/public-api/payment-invoices/cpi_0000000000000000',
        });
        assert.equal(get.statusCode, 404);
      });

      it('a disabled merchant gets 403', async () => {
        const gone = await paymegaMerchant(gw.engine, 'Gone');
        unwrap(await gw.engine.setMerchantStatus(gone.merchantId, 'disabled'));
        const priv = await app.inject({
          method: 'GET',
          url: '/api/payment-services',
          headers: basicAuth(gone),
        });
        assert.equal(priv.statusCode, 403);
        assert.deepEqual(priv.json(), { errors: [{ status: 'Forbidden', code: '403' }] });
        const pub = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest',
          payload: { public_key: gone.public_key, currency: 'USD' },
        });
        assert.equal(pub.statusCode, 403);
      });

      it('an account that forbids public access refuses public invoices, but still answers reads', async () => {
        const closed = await paymegaMerchant(gw.engine, 'Private only', { publicAccess: false });
        const body = { public_key: closed.public_key, ...base() };
        const create = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices',
          payload: body,
        });
        assert.equal(create.statusCode, 403);
        assert.deepEqual(create.json(), { errors: [{ status: 'Forbidden', code: '403' }] });
        const form = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ ...body, amount: '10' }).toString(),
        });
        assert.equal(form.statusCode, 403);
        const pre = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest',
          payload: { public_key: closed.public_key, currency: 'USD' },
        });
        assert.equal(pre.statusCode, 200);
        // the private API still creates
        assert.equal((await createPrivate(base(), closed)).statusCode, 201);
        unwrap(await gw.engine.updateMerchantSettings(closed.merchantId, { publicAccess: true }));
        const reopened = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices',
          payload: body,
        });
        assert.equal(reopened.statusCode, 201);
      });

      it('one merchant never reaches another’s invoice', async () => {
        const mine = await createInvoiceViaApi(app, shop);
        assert.equal((await getPrivate(mine.id, rival)).statusCode, 404);
        const pub = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${mine.id}?public_key=${rival.public_key}`,
        });
        assert.equal(pub.statusCode, 404);
        const own = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${mine.id}?public_key=${shop.public_key}`,
        });
        assert.equal(own.statusCode, 200);
        assertValid(valid.public, own.json());
        const theirs = await app.inject({
          method: 'GET',
          url: '/api/payment-invoices?page[size]=100',
          headers: basicAuth(rival),
        });
        assert.ok(!theirs.json().data.some((i: { id: string }) => i.id === mine.id));
        const refundAsRival = await app.inject({
          method: 'POST',
          url: `/api/payment-invoices/${mine.id}/refund`,
          headers: basicAuth(rival),
          payload: { data: { type: 'refund', attributes: { reference_id: 'r' } } },
        });
        assert.equal(refundAsRival.statusCode, 404);
      });
    });

    describe('HTTP statuses', () => {
      it('201 on create, with the invoice document', async () => {
        const res = await createPrivate(base());
        assert.equal(res.statusCode, 201);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assertValid(valid.private, res.json());
      });

      it('404 for unknown invoices, services and paths, in both APIs', async () => {
        for (const id of ['cpi_0000000000000000', 'nope', 'cpi_', '0000000000000000'])
          assert.equal((await getPrivate(id)).statusCode, 404, id);
        const service = await app.inject({
          method: 'GET',
          url: '/api/payment-services/comcps_nope',
          headers: basicAuth(shop),
        });
        assert.equal(service.statusCode, 404);
        for (const url of ['/api/nothing', '/public-api/nothing', '/api/payment-invoices/cpi_x/y']) {
          const res = await app.inject({ method: 'GET', url, headers: basicAuth(shop) });
          assert.equal(res.statusCode, 404, url);
          assert.deepEqual(res.json(), { errors: [{ status: 'Not Found', code: '404' }] });
        }
      });

      it('405 for a method a path does not take', async () => {
        const cases: [string, string][] = [
          ['DELETE', '/api/payment-invoices'],
          ['PUT', '/api/payment-invoices/cpi_0000000000000000'],
          ['POST', '/api/payment-invoices/cpi_0000000000000000'],
          ['GET', '/api/payment-invoices/cpi_0000000000000000/refund'],
          ['POST', '/api/payment-services'],
          ['PATCH', '/api/payment-services/comcps_x'],
          ['GET', '/public-api/payment-prerequest'],
          ['GET', '/public-api/payment-invoices'],
          ['GET', '/public-api/payment-invoices/process'],
          ['DELETE', '/public-api/payment-invoices/cpi_0000000000000000'],
        ];
        for (const [method, url] of cases) {
          const res = await app.inject({ method: method as 'GET', url, headers: basicAuth(shop) });
          assert.equal(res.statusCode, 405, `${method} ${url}`);
          assert.deepEqual(res.json(), { errors: [{ status: 'Method Not Allowed', code: '405' }] });
        }
      });

      it('409 with the existing invoice for a repeated reference_id, in both APIs', async () => {
        const attributes = base();
        const first = (await createPrivate(attributes)).json();
        for (const again of [
          attributes,
          { ...attributes, amount: 11 },
          { ...attributes, currency: 'RUB', service: 'payment_card_rub_hpp' },
        ]) {
          const res = await createPrivate(again);
          assert.equal(res.statusCode, 409, JSON.stringify(again));
          assert.equal(res.json().data.id, first.data.id);
          assert.equal(res.json().data.attributes.amount, 10);
        }
        const pub = { public_key: shop.public_key, ...base() };
        const one = await app.inject({ method: 'POST', url: '/public-api/payment-invoices', payload: pub });
        const two = await app.inject({ method: 'POST', url: '/public-api/payment-invoices', payload: pub });
        assert.deepEqual([one.statusCode, two.statusCode], [201, 409]);
        assert.equal(two.json().data.id, one.json().data.id);
      });

      it('a public-key holder cannot make the server-side create hand back an invoice it did not ask for', async () => {
        const createPublic = (attributes: Record<string, unknown>) =>
          app.inject({
            method: 'POST',
            url: '/public-api/payment-invoices',
            payload: { public_key: shop.public_key, ...attributes },
          });
        // a stranger takes the merchant's next order number first, with other terms
        const order = base();
        const stranger = await createPublic({ ...order, amount: 0.01, return_url: 'https://evil.example/' });
        assert.equal(stranger.statusCode, 201, stranger.body);
        for (const asked of [
          { ...order, return_url: 'https://shop.example/back' },
          { ...order, amount: 0.01 }, // no return URL: still not what the stranger made
          {
            ...order,
            amount: 0.01,
            return_url: 'https://evil.example/',
            callback_url: 'https://shop.example/cb',
          },
        ]) {
          const res = await createPrivate(asked);
          assert.equal(res.statusCode, 409, res.body);
          assert.deepEqual(res.json(), { errors: [{ status: 'Conflict', code: '409' }] }, 'names no invoice');
        }
        // the same terms: that invoice is what the merchant asked for, COMPAT's 409 with it
        const same = await createPrivate({ ...order, amount: 0.01, return_url: 'https://evil.example/' });
        assert.equal(same.statusCode, 409);
        assert.equal(same.json().data.id, stranger.json().data.id);
        // and the other way round: a public create never sees the merchant's own invoice
        const mine = base();
        assert.equal((await createPrivate(mine)).statusCode, 201);
        const probe = await createPublic({ ...mine, amount: 99 });
        assert.equal(probe.statusCode, 409);
        assert.deepEqual(probe.json(), { errors: [{ status: 'Conflict', code: '409' }] });
      });

      it('a test-service invoice a crash left unsettled is settled by the retry, or by the janitor', async () => {
        const test = (await gw.engine.listServices(shop.merchantId)).find(
          (s) => s.method === 'test' && s.currency === 'USD',
        )!;
        // what a process that died between creating the payment and settling it leaves behind
        const stranded = async () => {
          const reference = newReference();
          const { payment } = unwrap(
            await gw.engine.createPayment({
              merchantId: shop.merchantId,
              origin: 'paymega',
              amountMinor: 700n,
              currency: 'USD',
              externalId: reference,
              serviceCode: test.code,
              testMode: false,
              testOutcome: 'approve',
            }),
          );
          assert.equal(payment.status, 'created');
          return { reference, payment };
        };
        const first = await stranded();
        const retry = await createPrivate({
          reference_id: first.reference,
          amount: 7,
          currency: 'USD',
          service: 'test_usd_test',
          service_fields: { status: 'processed' },
        });
        assert.equal(retry.statusCode, 409, retry.body);
        assert.equal(retry.json().data.attributes.status, 'processed', 'the retry finished the work');

        const second = await stranded();
        assert.equal(await gw.engine.finishTestOutcomes(), 0, 'a live request gets its time first');
        gw.clock.advance(60_000);
        assert.ok((await gw.engine.finishTestOutcomes()) >= 1);
        const settled = await gw.engine.getPayment({ id: second.payment.id });
        assert.equal(settled?.status, 'captured');
        assert.equal(await gw.engine.finishTestOutcomes(), 0, 'once');
      });

      it('concurrent creates with one reference_id: one 201, the rest 409, one invoice', async () => {
        const attributes = base();
        const results = await Promise.all(Array.from({ length: 8 }, () => createPrivate(attributes)));
        const codes = results.map((r) => r.statusCode).sort();
        assert.deepEqual(codes, [201, 409, 409, 409, 409, 409, 409, 409]);
        assert.equal(new Set(results.map((r) => r.json().data.id)).size, 1);
      });

      it('400 for a body that is not JSON or of a type the API does not read, 413 for one too big', async () => {
        const headers = { ...basicAuth(shop), 'content-type': 'application/json' };
        const bad = await app.inject({
          method: 'POST',
          url: '/api/payment-invoices',
          headers,
          payload: '{"data":',
        });
        assert.equal(bad.statusCode, 400);
        assert.deepEqual(bad.json(), { errors: [{ status: 'Bad Request', code: '400' }] });
        const big = await app.inject({
          method: 'POST',
          url: '/api/payment-invoices',
          headers,
          payload: JSON.stringify({ data: { x: 'x'.repeat(limits.bodyBytesMax) } }),
        });
        assert.equal(big.statusCode, 413);
        assert.deepEqual(big.json(), { errors: [{ status: 'Payload Too Large', code: '413' }] });
        // the spec lists no 415: a body it cannot read is "a request of invalid structure"
        for (const [url, type, payload] of [
          ['/api/payment-invoices', 'text/xml', '<data/>'],
          ['/public-api/payment-invoices', 'multipart/form-data; boundary=x', '--x\r\n\r\nx\r\n--x--'],
          ['/public-api/payment-prerequest', 'text/plain', 'public_key=x'],
        ]) {
          const res = await app.inject({
            method: 'POST',
            url: url!,
            headers: { ...basicAuth(shop), 'content-type': type! },
            payload: payload!,
          });
          assert.equal(res.statusCode, 400, `${url} ${type}`);
          assert.deepEqual(res.json(), { errors: [{ status: 'Bad Request', code: '400' }] });
        }
      });
    });

    describe('422: every bad input names its field', () => {
      const bad: [string, (b: Record<string, unknown>) => Record<string, unknown>, string, string][] = [
        [
          'no reference_id',
          ({ reference_id: _, ...b }) => b,
          'reference_id',
          'This value should not be blank.',
        ],
        [
          'empty reference_id',
          (b) => ({ ...b, reference_id: '' }),
          'reference_id',
          'This value should not be blank.',
        ],
        [
          'long reference_id',
          (b) => ({ ...b, reference_id: 'r'.repeat(65) }),
          'reference_id',
          'This value is too long. It should have 64 characters or less.',
        ],
        ['no amount', ({ amount: _, ...b }) => b, 'amount', 'This value should not be blank.'],
        ['zero amount', (b) => ({ ...b, amount: 0 }), 'amount', 'This value should be greater than 0.'],
        ['negative amount', (b) => ({ ...b, amount: -5 }), 'amount', 'This value should be greater than 0.'],
        [
          'amount as words',
          (b) => ({ ...b, amount: 'ten' }),
          'amount',
          'This value should be of type numeric.',
        ],
        [
          'amount as bool',
          (b) => ({ ...b, amount: true }),
          'amount',
          'This value should be of type numeric.',
        ],
        ['three decimals', (b) => ({ ...b, amount: 1.005 }), 'amount', 'This value is not valid.'],
        [
          'above the service maximum',
          (b) => ({ ...b, amount: 1000000.01 }),
          'amount',
          'This value should be less than or equal to 1000000.',
        ],
        [
          'unknown currency',
          (b) => ({ ...b, currency: 'XXX' }),
          'currency',
          'This value is not a valid currency.',
        ],
        [
          'currency of another service',
          (b) => ({ ...b, currency: 'EUR' }),
          'currency',
          'This value does not match the service currency.',
        ],
        [
          'unknown service',
          (b) => ({ ...b, service: 'paypal_usd_hpp' }),
          'service',
          'The value you selected is not a valid choice.',
        ],
        [
          'a payout service',
          (b) => ({ ...b, service: 'payout_card_rub' }),
          'service',
          'The value you selected is not a valid choice.',
        ],
        [
          'bad flow',
          (b) => ({ ...b, flow: 'hold' }),
          'flow',
          'The value you selected is not a valid choice.',
        ],
        [
          'test_mode as text',
          (b) => ({ ...b, test_mode: 'yes' }),
          'test_mode',
          'This value should be of type bool.',
        ],
        [
          'customer without reference',
          (b) => ({ ...b, customer: { name: 'N' } }),
          'customer.reference_id',
          'This value should not be blank.',
        ],
        [
          'customer not an object',
          (b) => ({ ...b, customer: 'N' }),
          'customer',
          'This value should be of type array.',
        ],
        [
          'return_urls without pending',
          (b) => ({ ...b, return_urls: { success: 'https://a.test' } }),
          'return_urls.pending',
          'This value should not be blank.',
        ],
        [
          'return_url not http',
          (b) => ({ ...b, return_url: 'javascript:alert(1)' }),
          'return_url',
          'This value is not a valid URL.',
        ],
        [
          'return_urls.fail not a URL',
          (b) => ({ ...b, return_urls: { pending: 'https://a.test', fail: 'nope' } }),
          'return_urls.fail',
          'This value is not a valid URL.',
        ],
        [
          'callback_url not http',
          (b) => ({ ...b, callback_url: 'ftp://a.test/cb' }),
          'callback_url',
          'This value is not a valid URL.',
        ],
        [
          'metadata not an object',
          (b) => ({ ...b, metadata: 'x' }),
          'metadata',
          'This value should be of type array.',
        ],
        [
          'metadata too large',
          (b) => ({ ...b, metadata: { x: 'x'.repeat(limits.metadataBytesMax) } }),
          'metadata',
          'This value is not valid.',
        ],
        [
          'description too long',
          (b) => ({ ...b, description: 'd'.repeat(1025) }),
          'description',
          'This value is too long. It should have 1024 characters or less.',
        ],
        [
          'expires not a date',
          (b) => ({ ...b, expires: 'tomorrow' }),
          'expires',
          'This value is not a valid datetime.',
        ],
        // 2026-11-23T09:00Z now: each would roll over into the window (December 1, November 24)
        [
          'expires on November 31',
          (b) => ({ ...b, expires: '2026-11-31T10:00:00Z' }),
          'expires',
          'This value is not a valid datetime.',
        ],
        [
          'expires at 24:00',
          (b) => ({ ...b, expires: '2026-11-23T24:00:00+00:00' }),
          'expires',
          'This value is not a valid datetime.',
        ],
        [
          'expires at minute 60',
          (b) => ({ ...b, expires: '2026-11-23 23:60' }),
          'expires',
          'This value is not a valid datetime.',
        ],
        [
          'expires too soon',
          (b) => ({ ...b, expires: 'SOON' }),
          'expires',
          'This value should be between 14 minutes and 2 days from now.',
        ],
        [
          'expires too late',
          (b) => ({ ...b, expires: 'LATE' }),
          'expires',
          'This value should be between 14 minutes and 2 days from now.',
        ],
        [
          'test service without status',
          (b) => ({ ...b, service: 'test_usd_test' }),
          'service_fields.status',
          'This value should not be blank.',
        ],
        [
          'test service with a status its regexp refuses',
          (b) => ({ ...b, service: 'test_usd_test', service_fields: { status: 'win!' } }),
          'service_fields.status',
          'This value is not valid.',
        ],
        [
          'gateway_options not an object',
          (b) => ({ ...b, gateway_options: [1] }),
          'gateway_options',
          'This value should be of type array.',
        ],
      ];
      for (const [name, change, field, message] of bad)
        it(name, async () => {
          const attributes = change(base());
          const at = (minutes: number) => new Date(gw.clock.ms + minutes * 60_000).toISOString();
          if (attributes.expires === 'SOON') attributes.expires = at(13.99);
          if (attributes.expires === 'LATE') attributes.expires = at(2 * 24 * 60 + 0.02);
          const res = await createPrivate(attributes);
          assert.equal(res.statusCode, 422, res.body);
          assert.equal(res.json().errors[field], message, res.body);
        });

      it('reports every field at fault at once', async () => {
        const res = await createPrivate({
          ...base(),
          amount: 0,
          currency: 'XXX',
          service: 'nope',
          callback_url: 'x',
        });
        assert.equal(res.statusCode, 422);
        // the amount too, although the currency that says how many decimals it may have is bad
        assert.deepEqual(res.json().errors, {
          service: 'The value you selected is not a valid choice.',
          currency: 'This value is not a valid currency.',
          amount: 'This value should be greater than 0.',
          callback_url: 'This value is not a valid URL.',
        });
      });

      it('the envelope is checked too', async () => {
        for (const [payload, field] of [
          [{}, 'data'],
          [{ data: {} }, 'data.type'],
          [{ data: { type: 'payments', attributes: base() } }, 'data.type'],
          [{ data: { type: 'payment-invoices' } }, 'data.attributes'],
          [[1, 2], 'data'],
        ] as const) {
          const res = await app.inject({
            method: 'POST',
            url: '/api/payment-invoices',
            headers: basicAuth(shop),
            payload: payload as object,
          });
          assert.equal(res.statusCode, 422, JSON.stringify(payload));
          assert.ok(field in res.json().errors, res.body);
        }
      });

      it('expires at the bounds: 14 minutes and 2 days are fine, in any ISO spelling', async () => {
        for (const ms of [14 * 60_000, 2 * 24 * 3600_000]) {
          const d = new Date(gw.clock.ms + ms);
          const res = await createPrivate({ ...base(), expires: d.toISOString().replace('.000Z', '+00:00') });
          assert.equal(res.statusCode, 201, res.body);
          const p = await gw.engine.getPayment({ publicId: res.json().data.id.slice(4) }, shop.merchantId);
          assert.equal(p?.expiresAt.getTime(), d.getTime());
        }
        const moscow = new Date(gw.clock.ms + 3600_000 + 3 * 3600_000).toISOString().slice(0, 19);
        assert.equal((await createPrivate({ ...base(), expires: `${moscow}+0300` })).statusCode, 201);
        // the real midnight and last second that 24:00 and 23:60 are not
        for (const expires of ['2026-11-24T00:00:00Z', '2026-11-23 23:59:59.5'])
          assert.equal((await createPrivate({ ...base(), expires })).statusCode, 201, expires);
      });

      it('public API: bad input gets 422 too', async () => {
        const res = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices',
          payload: {
            public_key: shop.public_key,
            service: 'payment_card_usd_hpp',
            currency: 'USD',
            amount: 0,
          },
        });
        assert.equal(res.statusCode, 422);
        assert.deepEqual(res.json(), { errors: { amount: 'This value should be greater than 0.' } });
        const pre = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest',
          payload: { public_key: shop.public_key, currency: 'QQQ' },
        });
        assert.equal(pre.statusCode, 422);
        assert.deepEqual(pre.json(), { errors: { currency: 'This value is not a valid currency.' } });
      });

      it('paging parameters', async () => {
        for (const url of [
          '/api/payment-invoices?page[size]=0',
          '/api/payment-invoices?page[size]=101',
          '/api/payment-invoices?page[size]=ten',
          '/api/payment-invoices?page[before]=cpi_0000000000000000',
          '/api/payment-invoices?page[after]=garbage',
          '/api/payment-services?page[number]=0',
        ]) {
          const res = await app.inject({ method: 'GET', url, headers: basicAuth(shop) });
          assert.equal(res.statusCode, 422, url);
        }
      });
    });

    describe('no input is a 500', () => {
      // PostgreSQL's text cannot hold U+0000: refused before any query, on both databases alike
      it('a NUL in any text: 422 for a field, 401 for credentials, an empty list for a filter', async () => {
        const logged = gw.logs.length;
        const nul = 'a\u0000b';
        const invalid = 'This value is not valid.';
        for (const [change, field] of [
          [{ reference_id: nul }, 'reference_id'],
          [{ description: nul }, 'description'],
          [{ customer: { reference_id: nul } }, 'customer.reference_id'],
          [{ customer: { reference_id: 'c', name: nul } }, 'customer.name'],
          [{ callback_url: `https://shop.test/${nul}` }, 'callback_url'],
          [{ return_urls: { pending: `https://shop.test/${nul}` } }, 'return_urls.pending'],
        ] as const) {
          const res = await createPrivate({ ...base(), ...change });
          assert.equal(res.statusCode, 422, `${field} ${res.body}`);
          assert.deepEqual(res.json(), { errors: { [field]: invalid } });
        }
        const pub = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices',
          payload: { public_key: shop.public_key, ...base(), reference_id: nul },
        });
        assert.equal(pub.statusCode, 422, pub.body);
        assert.deepEqual(pub.json(), { errors: { reference_id: invalid } });
        const form = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `${new URLSearchParams({ public_key: shop.public_key, ...base(), amount: '10' })}&description=%00`,
        });
        assert.equal(form.statusCode, 422, form.body);
        assert.deepEqual(form.json(), { errors: { description: invalid } });

        const paid = await createInvoiceViaApi(app, shop, {
          service: 'test_usd_test',
          service_fields: { status: 'processed' },
        });
        for (const attributes of [
          { reference_id: nul },
          { reference_id: newReference(), description: nul },
        ]) {
          const res = await refund(paid.id, attributes);
          assert.equal(res.statusCode, 422, res.body);
          assert.deepEqual(res.json(), { errors: { [Object.keys(attributes).at(-1)!]: invalid } });
        }

        const list = await app.inject({
          method: 'GET',
          url: '/api/payment-invoices?filter[reference_id]=%00',
          headers: basicAuth(shop),
        });
        assert.equal(list.statusCode, 200, list.body);
        assert.deepEqual(list.json().data, []);

        const unauthorized = { errors: [{ status: 'Unauthorized', code: '401' }] };
        for (const res of [
          app.inject({
            method: 'POST',
            url: '/public-api/payment-prerequest',
            payload: { public_key: `${shop.public_key}\u0000`, currency: 'USD' },
          }),
          app.inject({
            method: 'POST',
            url: '/public-api/payment-invoices',
            payload: { ...base(), public_key: '\u0000' },
          }),
          app.inject({ method: 'GET', url: `/public-api/payment-invoices/${paid.id}?public_key=%00` }),
          app.inject({
            method: 'GET',
            url: `/public-api/payment-invoices/${paid.id}?public_key=pk_test_%00x`,
          }),
          ...[
            `${shop.account_id}\u0000:${shop.secret_key}`,
            `\u0000:x`,
            `${shop.account_id}:${shop.secret_key}\u0000`,
          ].map((login) =>
            app.inject({
              method: 'GET',
              url: '/api/payment-invoices',
              headers: { authorization: `Basic ${Buffer.from(login).toString('base64')}` },
            }),
          ),
        ]) {
          const answer = await res;
          assert.equal(answer.statusCode, 401, answer.body);
          assert.deepEqual(answer.json(), unauthorized);
        }
        assert.ok(!gw.logs.slice(logged).some((l) => l.includes('unhandled error')), 'no 500 on the way');
      });

      const attributes = fc.record(
        {
          // any code point too: NUL is what PostgreSQL refuses
          reference_id: fc.oneof(
            fc.string({ maxLength: 70 }),
            fc.string({ unit: 'binary', maxLength: 20 }),
            fc.jsonValue(),
          ),
          description: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.jsonValue()),
          amount: fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 40 }), fc.jsonValue()),
          currency: fc.oneof(fc.constantFrom('USD', 'usd', 'RUB', 'XXX', ''), fc.jsonValue()),
          service: fc.oneof(
            fc.constantFrom('payment_card_usd_hpp', 'test_usd_test', 'payout_card_rub'),
            fc.jsonValue(),
          ),
          service_fields: fc.oneof(
            fc.record({ status: fc.oneof(fc.constantFrom('processed', 'fail', 'pending'), fc.jsonValue()) }),
            fc.jsonValue(),
          ),
          flow: fc.oneof(fc.constantFrom('charge', 'verify'), fc.jsonValue()),
          test_mode: fc.jsonValue(),
          expires: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string({ maxLength: 40 }),
          ),
          customer: fc.oneof(
            fc.record({ reference_id: fc.jsonValue(), address: fc.jsonValue() }),
            fc.jsonValue(),
          ),
          metadata: fc.jsonValue(),
          return_url: fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 }), fc.jsonValue()),
          return_urls: fc.jsonValue(),
          callback_url: fc.oneof(fc.webUrl(), fc.jsonValue()),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        fc.jsonValue(),
        attributes.map((a) => ({ data: { type: 'payment-invoices', attributes: a } })),
        attributes.map((a) => ({ public_key: shop.public_key, ...a })),
        attributes.map((a) => ({ data: { type: 'refund', attributes: a } })),
      );
      const targets = [
        '/api/payment-invoices',
        '/public-api/payment-invoices',
        '/public-api/payment-invoices/process',
        '/public-api/payment-prerequest',
        'REFUND',
      ];

      it('any JSON body to any POST: a documented answer', async () => {
        const paid = await createInvoiceViaApi(app, shop, { amount: 1000 });
        unwrap(
          await gw.engine.payWithCard({ payment: { publicId: paid.publicId }, card: card(cards.approved) }),
        );
        await fc.assert(
          fc.asyncProperty(body, fc.constantFrom(...targets), async (payload, target) => {
            const url = target === 'REFUND' ? `/api/payment-invoices/${paid.id}/refund` : target;
            const res = await app.inject({
              method: 'POST',
              url,
              headers: basicAuth(shop),
              payload: JSON.stringify(payload),
            });
            assert.ok(
              [200, 201, 302, 409].includes(res.statusCode) ||
                (res.statusCode >= 400 && res.statusCode < 500),
              `${url} ${res.statusCode} ${res.body}`,
            );
            if (res.statusCode !== 302) assert.ok(res.json().data || res.json().errors, res.body);
          }),
          { numRuns: 300 },
        );
      });

      it('any query to the lists: a documented answer', async () => {
        const value = fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.string({ unit: 'binary', maxLength: 20 }),
          fc.constantFrom('0', '1', '100', '101', '-1', 'cpi_0000000000000000', '\u0000'),
        );
        const query = fc.dictionary(
          fc.constantFrom(
            'page[size]',
            'page[number]',
            'page[before]',
            'page[after]',
            'filter[reference_id]',
            'filter',
            'filter[status]',
            'x',
          ),
          value,
        );
        await fc.assert(
          fc.asyncProperty(
            query,
            fc.constantFrom('/api/payment-invoices', '/api/payment-services'),
            async (q, path) => {
              const res = await app.inject({
                method: 'GET',
                url: `${path}?${new URLSearchParams(q)}`,
                headers: basicAuth(shop),
              });
              assert.ok(
                [200, 422].includes(res.statusCode),
                `${path} ${JSON.stringify(q)} ${res.statusCode} ${res.body}`,
              );
            },
          ),
          { numRuns: 200 },
        );
      });
    });

    describe('what simple clients send', () => {
      it('a GET with a {} JSON body, a URL ending in a bare ?', async () => {
        const mine = await createInvoiceViaApi(app, shop);
        const res = await app.inject({
          method: 'GET',
          url: `/api/payment-invoices/${mine.id}?`,
          headers: { ...basicAuth(shop), 'content-type': 'application/json' },
          payload: '{}',
        });
        assert.equal(res.statusCode, 200);
        const list = await app.inject({
          method: 'GET',
          url: '/api/payment-invoices?',
          headers: basicAuth(shop),
        });
        assert.equal(list.statusCode, 200);
      });

      it('JSON labelled as a form (PHP curl’s default), JSON:API’s media type, amounts as strings', async () => {
        const body = JSON.stringify({
          data: { type: 'payment-invoices', attributes: { ...base(), amount: '12.30' } },
        });
        for (const type of ['application/x-www-form-urlencoded', 'application/vnd.api+json']) {
          const res = await app.inject({
            method: 'POST',
            url: '/api/payment-invoices',
            headers: { ...basicAuth(shop), 'content-type': type },
            payload: type.includes('form') ? body : body.replace(/order-[^"]+/, newReference()),
          });
          assert.equal(res.statusCode, 201, res.body);
          assert.ok(res.body.includes('"amount":12.3,'));
        }
      });
    });

    describe('amounts are exact on the wire', () => {
      it('writes what it read, digit for digit', async () => {
        for (const [amount, text] of [
          [1234567.89, '1234567.89'],
          [0.3, '0.3'],
          [9999998.99, '9999998.99'],
          [0.07, '0.07'],
        ] as const) {
          const res = await createPrivate({
            ...base(),
            amount,
            service: 'test_usd_test',
            service_fields: { status: 'pending' },
          });
          assert.equal(res.statusCode, 201, res.body);
          assert.ok(res.body.includes(`"amount":${text},"payment_amount":${text},`), res.body.slice(0, 300));
        }
      });

      it('fee and deposit follow the service’s fee settings', async () => {
        unwrap(
          await gw.engine.setServiceFee(shop.merchantId, 'card_usd', {
            ratePpm: 35_000n,
            fixedMinor: 15n,
            minMinor: 50n,
            maxMinor: 1_000n,
          }),
        );
        const cases: [number, number, number][] = [
          [100, 3.65, 96.35], // 3.5 % + 0.15
          [1, 0.5, 0.5], // the minimum
          [1000, 10, 990], // the maximum
        ];
        for (const [amount, fee, deposit] of cases) {
          const a = (await createPrivate({ ...base(), amount })).json().data.attributes;
          assert.deepEqual([a.fee, a.deposit], [fee, deposit], String(amount));
        }
        const services = await app.inject({
          method: 'GET',
          url: '/api/payment-services',
          headers: basicAuth(shop),
        });
        assertValid(valid.services, services.json());
        const usd = services
          .json()
          .data.find(
            (s: { attributes: { service: string } }) => s.attributes.service === 'payment_card_usd_hpp',
          );
        assert.deepEqual(
          [usd.attributes.fee_rate, usd.attributes.fee_fix, usd.attributes.fee_min, usd.attributes.fee_max],
          [3.5, 0.15, 0.5, 10],
        );
        unwrap(
          await gw.engine.setServiceFee(shop.merchantId, 'card_usd', {
            ratePpm: 29_000n,
            fixedMinor: 30n,
            minMinor: 0n,
            maxMinor: null,
          }),
        );
      });
    });

    describe('the test service', () => {
      const test = (status: string, more: Record<string, unknown> = {}) =>
        createPrivate({ ...base(), service: 'test_usd_test', service_fields: { status }, ...more });

      it('processed / success: paid at once, with a bank receipt', async () => {
        for (const status of ['processed', 'success', 'SUCCESS']) {
          const res = await test(status);
          assert.equal(res.statusCode, 201, res.body);
          const a = res.json().data.attributes;
          assert.deepEqual(
            [a.status, a.resolution, a.flow, a.processed_amount],
            ['processed', 'ok', 'test', 10],
          );
          assert.match(a.rrn, /^\d{12}$/);
          assert.equal(a.payload, null, 'no card involved');
          assert.equal(res.json().data.relationships['payment-method'].data.id, 'test');
        }
      });

      it('process_failed / fail: failed for good', async () => {
        for (const status of ['process_failed', 'fail', 'failed']) {
          const a = (await test(status)).json().data.attributes;
          assert.deepEqual(
            [a.status, a.resolution, a.processed_amount],
            ['process_failed', 'do_not_honor', null],
          );
        }
      });

      it('any status its regexp allows: other names decline; created and expired wait for expires', async () => {
        for (const status of ['declined', 'refunded', 'Whatever_Else', 'constructor', '__proto__']) {
          const res = await test(status);
          assert.equal(res.statusCode, 201, `${status} ${res.body}`);
          const a = res.json().data.attributes;
          assert.deepEqual([a.status, a.resolution], ['process_failed', 'do_not_honor'], status);
        }
        for (const status of ['expired', 'created', 'Process_Pending']) {
          const res = await test(status);
          assert.equal(res.statusCode, 201, `${status} ${res.body}`);
          assert.equal(res.json().data.attributes.status, 'process_pending', status);
        }
      });

      it('process_pending / pending: waits, then expires', async () => {
        const res = await test('pending', { expires: new Date(gw.clock.ms + 15 * 60_000).toISOString() });
        assert.equal(res.json().data.attributes.status, 'process_pending');
        gw.clock.advance(16 * 60_000);
        await gw.engine.expireDue();
        const a = (await getPrivate(res.json().data.id)).json().data.attributes;
        assert.deepEqual([a.status, a.resolution], ['process_failed', 'expired']);
      });

      it('verify: the amount is reserved, not charged', async () => {
        const a = (await test('processed', { flow: 'verify' })).json().data.attributes;
        assert.deepEqual(
          [a.status, a.payment_flow, a.processed_amount, a.reserved_amount, a.processed_fee],
          ['processed', 'verify', 10, 10, 0],
        );
        assert.equal(typeof a.reserve_expires, 'number');
      });

      it('a processed test invoice refunds like a card one', async () => {
        const id = (await test('processed')).json().data.id;
        const res = await refund(id, { reference_id: newReference() });
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(
          [res.json().data.attributes.status, res.json().data.attributes.refunded_amount],
          ['refunded', 10],
        );
      });
    });

    describe('refunds', () => {
      let id = '';
      before(async () => {
        const created = await createInvoiceViaApi(app, shop, { amount: 100 });
        id = created.id;
        unwrap(
          await gw.engine.payWithCard({
            payment: { publicId: created.publicId },
            card: card(cards.approved),
          }),
        );
      });

      it('refuses an invoice not processed yet', async () => {
        const unpaid = await createInvoiceViaApi(app, shop);
        const res = await refund(unpaid.id, { reference_id: newReference() });
        assert.equal(res.statusCode, 422);
        assert.deepEqual(res.json(), { errors: { status: 'The invoice is not in a suitable status.' } });
      });

      it('partially, then the rest; never more than was paid', async () => {
        const reference = newReference();
        const part = await refund(id, {
          reference_id: reference,
          amount: 30.5,
          description: 'one item back',
        });
        assert.equal(part.statusCode, 201, part.body);
        assertValid(valid.private, part.json());
        assert.deepEqual(
          [part.json().data.attributes.status, part.json().data.attributes.refunded_amount],
          ['partially_refunded', 30.5],
        );
        // the same refund again: the same answer, no second refund
        const again = await refund(id, { reference_id: reference, amount: 30.5 });
        assert.equal(again.json().data.attributes.refunded_amount, 30.5);
        // the same reference with another amount conflicts
        assert.equal((await refund(id, { reference_id: reference, amount: 1 })).statusCode, 409);
        const over = await refund(id, { reference_id: newReference(), amount: 69.51 });
        assert.equal(over.statusCode, 422);
        assert.equal(Object.keys(over.json().errors)[0], 'amount');
        const rest = await refund(id, { reference_id: newReference(), invoiceId: id });
        assert.equal(rest.statusCode, 201, rest.body);
        assert.deepEqual(
          [rest.json().data.attributes.status, rest.json().data.attributes.refunded_amount],
          ['refunded', 100],
        );
        const more = await refund(id, { reference_id: newReference(), amount: 1 });
        assert.equal(more.statusCode, 422);
      });

      it('refund input is checked', async () => {
        for (const [attributes, field] of [
          [{}, 'reference_id'],
          [{ reference_id: 'x', amount: 0 }, 'amount'],
          [{ reference_id: 'x', amount: 'lots' }, 'amount'],
          [{ reference_id: 'x', invoiceId: 'cpi_other' }, 'invoiceId'],
        ] as const) {
          const res = await refund(id, attributes);
          assert.equal(res.statusCode, 422, JSON.stringify(attributes));
          assert.ok(field in res.json().errors, res.body);
        }
      });
    });

    describe('lists', () => {
      it('pages the invoices newest first with before/after cursors and prev/next links', async () => {
        const lister = await paymegaMerchant(gw.engine, 'Lister');
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await createInvoiceViaApi(app, lister)).id);
        const newestFirst = [...ids].reverse();
        const get = async (url: string) => {
          const res = await app.inject({ method: 'GET', url, headers: basicAuth(lister) });
          assert.equal(res.statusCode, 200, res.body);
          assertValid(valid.list, res.json());
          return res.json();
        };
        const first = await get('/api/payment-invoices?page[size]=2');
        assert.deepEqual(
          first.data.map((i: { id: string }) => i.id),
          newestFirst.slice(0, 2),
        );
        assert.deepEqual(first.meta, { count: 2, size: 2, before: newestFirst[1], after: newestFirst[0] });
        assert.equal(first.links.prev, '');
        assert.equal(first.links.next, `/api/payment-invoices?page[size]=2&page[before]=${newestFirst[1]}`);
        const second = await get(first.links.next);
        assert.deepEqual(
          second.data.map((i: { id: string }) => i.id),
          newestFirst.slice(2, 4),
        );
        const third = await get(second.links.next);
        assert.deepEqual(
          third.data.map((i: { id: string }) => i.id),
          newestFirst.slice(4),
        );
        assert.equal(third.links.next, '');
        const back = await get(third.links.prev);
        assert.deepEqual(
          back.data.map((i: { id: string }) => i.id),
          newestFirst.slice(2, 4),
        );
        const top = await get(back.links.prev);
        assert.deepEqual(
          top.data.map((i: { id: string }) => i.id),
          newestFirst.slice(0, 2),
        );
        assert.equal(top.links.prev, '');
        const all = await get('/api/payment-invoices');
        assert.equal(all.data.length, 5);
      });

      it('filters by reference_id', async () => {
        const mine = await createInvoiceViaApi(app, shop, { reference_id: 'needle-1' });
        const hit = await app.inject({
          method: 'GET',
          url: '/api/payment-invoices?filter[reference_id]=needle-1',
          headers: basicAuth(shop),
        });
        assert.deepEqual(
          hit.json().data.map((i: { id: string }) => i.id),
          [mine.id],
        );
        const miss = await app.inject({
          method: 'GET',
          url: '/api/payment-invoices?filter[reference_id]=nothing',
          headers: basicAuth(shop),
        });
        assert.deepEqual(miss.json(), {
          meta: { count: 0, size: 20, before: null, after: null },
          links: { prev: '', next: '' },
          data: [],
        });
      });

      it('a filter is never dropped: an empty one finds nothing, one that is no string is a 422', async () => {
        await createInvoiceViaApi(app, shop); // the unfiltered list is not empty
        for (const query of ['filter[reference_id]=', 'filter[reference_id]=&page[size]=5']) {
          const res = await app.inject({
            method: 'GET',
            url: `/api/payment-invoices?${query}`,
            headers: basicAuth(shop),
          });
          assert.equal(res.statusCode, 200, query);
          assert.deepEqual([res.json().meta.count, res.json().data], [0, []], query);
        }
        for (const [query, field, message] of [
          [
            'filter[reference_id]=a&filter[reference_id]=a',
            'filter[reference_id]',
            'This value should be of type string.',
          ],
          ['filter[reference_id][]=a', 'filter[reference_id]', 'This value should be of type string.'],
          ['filter=needle-1', 'filter', 'This value should be of type array.'],
          ['filter[status]=processed', 'filter[status]', 'This field was not expected.'],
        ]) {
          const res = await app.inject({
            method: 'GET',
            url: `/api/payment-invoices?${query}`,
            headers: basicAuth(shop),
          });
          assert.equal(res.statusCode, 422, query);
          assert.deepEqual(res.json(), { errors: { [field!]: message } }, query);
        }
      });

      it('service documents: currency is the account’s settlement currency, by default the service’s', async () => {
        const services = async (creds: PaymegaCreds) => {
          const res = await app.inject({
            method: 'GET',
            url: '/api/payment-services',
            headers: basicAuth(creds),
          });
          assertValid(valid.services, res.json());
          return res.json().data as {
            id: string;
            attributes: { currency: string; service_currency: string };
          }[];
        };
        for (const s of await services(shop))
          assert.equal(s.attributes.currency, s.attributes.service_currency);
        const gbp = await paymegaMerchant(gw.engine, 'Settles in GBP', { settlementCurrency: 'gbp' });
        const list = await services(gbp);
        assert.deepEqual(new Set(list.map((s) => s.attributes.currency)), new Set(['GBP']));
        assert.ok(list.some((s) => s.attributes.service_currency === 'USD'));
        const one = await app.inject({
          method: 'GET',
          url: `/api/payment-services/${list[0]!.id}`,
          headers: basicAuth(gbp),
        });
        assert.equal(one.json().data.attributes.currency, 'GBP');
        // a setting that names no currency is no setting
        unwrap(await gw.engine.updateMerchantSettings(gbp.merchantId, { settlementCurrency: 'pounds' }));
        for (const s of await services(gbp))
          assert.equal(s.attributes.currency, s.attributes.service_currency);
      });

      it('shows payments made through the engine or other dialects too', async () => {
        const other = await paymegaMerchant(gw.engine, 'Mixed');
        const core = unwrap(
          await gw.engine.createPayment({
            merchantId: other.merchantId,
            origin: 'core',
            amountMinor: 5_00n,
            currency: 'RUB',
            externalId: 'core-1',
          }),
        ).payment;
        const res = await app.inject({
          method: 'GET',
          url: '/api/payment-invoices',
          headers: basicAuth(other),
        });
        const [invoice] = res.json().data;
        assert.equal(invoice.id, `cpi_${core.publicId}`);
        assert.equal(invoice.relationships['payment-service'].data.id, 'payment_card_rub_hpp');
        assert.equal(invoice.attributes.amount, 5);
      });

      it('pages the services', async () => {
        const page = async (n: number) =>
          (
            await app.inject({
              method: 'GET',
              url: `/api/payment-services?page[number]=${n}&page[size]=2`,
              headers: basicAuth(shop),
            })
          ).json();
        const three = await page(3);
        assert.equal(three.data.length, 1);
        assert.deepEqual(three.links, {
          first: '/api/payment-services?page[number]=1&page[size]=2',
          prev: '/api/payment-services?page[number]=2&page[size]=2',
          last: '/api/payment-services?page[number]=3&page[size]=2',
        });
        assert.deepEqual((await page(9)).data, []);
        const ids = [...(await page(1)).data, ...(await page(2)).data, ...three.data].map((s) => s.id);
        assert.equal(new Set(ids).size, 5);
      });

      it('prerequest offers only the currency’s services, and [] when there are none', async () => {
        const rub = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest',
          payload: { public_key: shop.public_key, currency: 'rub' },
        });
        assertValid(valid.prerequest, rub.json());
        assert.deepEqual(Object.keys(rub.json().data.services), ['payment_card_rub_hpp', 'test_rub_test']);
        const gbp = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest',
          payload: { public_key: shop.public_key, currency: 'GBP' },
        });
        assert.deepEqual([gbp.json().data.services, gbp.json().data.methods], [[], []]);
        const logo = await app.inject(
          rub.json().data.methods.payment_card.logo.replace('http://kopek.test', ''),
        );
        assert.equal(logo.statusCode, 200);
        assert.match(String(logo.headers['content-type']), /^image\/svg\+xml/);
      });
    });

    describe('OpenAPI', () => {
      it('one document at both addresses, naming every route, and each route answers', async () => {
        const pub = await app.inject('/public-api/openapi.json');
        const priv = await app.inject('/api/openapi.json');
        assert.equal(pub.statusCode, 200);
        assert.deepEqual(pub.json(), priv.json());
        const doc = pub.json();
        assert.equal(doc.openapi, '3.1.0');
        assert.deepEqual(Object.keys(doc.paths).sort(), [
          '/api/openapi.json',
          '/api/payment-invoices',
          '/api/payment-invoices/{id}',
          '/api/payment-invoices/{id}/refund',
          '/api/payment-services',
          '/api/payment-services/{id}',
          '/public-api/openapi.json',
          '/public-api/payment-invoices',
          '/public-api/payment-invoices/process',
          '/public-api/payment-invoices/{id}',
          '/public-api/payment-prerequest',
        ]);
        for (const [path, operations] of Object.entries(doc.paths as Record<string, object>))
          for (const method of Object.keys(operations)) {
            const res = await app.inject({
              method: method.toUpperCase() as 'GET',
              url: path.replace('{id}', 'cpi_0000000000000000'),
              headers: basicAuth(shop),
              ...(method === 'post' ? { payload: {} } : {}),
            });
            assert.ok(
              ![404, 405].includes(res.statusCode) || path.includes('{id}'),
              `${method} ${path}: ${res.statusCode}`,
            );
          }
        for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g))
          assert.ok(doc.components.schemas[ref[1]!], ref[1]);
      });

      it('documents every answer an operation can give, its auth, and the callback', async () => {
        const doc = (await app.inject('/api/openapi.json')).json();
        type Operation = { responses: Record<string, unknown>; security?: unknown[] };
        for (const [path, operations] of Object.entries(
          doc.paths as Record<string, Record<string, Operation>>,
        ))
          for (const [method, operation] of Object.entries(operations)) {
            const codes = Object.keys(operation.responses);
            for (const code of ['400', '405', '413', '500'])
              assert.ok(codes.includes(code), `${method} ${path} ${code}`);
            assert.ok(!codes.includes('415'), `${method} ${path}: no 415 is ever answered`);
            if (path.endsWith('openapi.json')) continue;
            assert.ok(operation.security?.length, `${method} ${path}: security`);
            for (const code of ['401', '403']) assert.ok(codes.includes(code), `${method} ${path} ${code}`);
          }
        assert.match(doc.components.securitySchemes.publicKey.description, /body/);
        const callback = doc.webhooks.invoiceCallback.post;
        assert.deepEqual(
          callback.parameters.map((p: { name: string; in: string }) => [p.name, p.in]),
          [['X-Signature', 'header']],
        );
        assert.equal(
          callback.requestBody.content['application/json'].schema.$ref,
          '#/components/schemas/PrivateInvoiceDocument',
        );
        // the document's own paths answer like the rest: 405 for another method
        for (const url of ['/api/openapi.json', '/public-api/openapi.json']) {
          const res = await app.inject({ method: 'POST', url, payload: {} });
          assert.equal(res.statusCode, 405, url);
          assert.equal(res.headers.allow, 'GET');
          assert.deepEqual(res.json(), { errors: [{ status: 'Method Not Allowed', code: '405' }] });
        }
      });
    });
  });
}
