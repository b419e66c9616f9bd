import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import {
  basicAuth,
  createInvoiceViaApi,
  newReference,
  type PaymegaCreds,
  paymegaMerchant,
} from './helpers.ts';

/**
 * What merchant clients written for Paymega send and expect, beyond the spec's examples:
 * every field error at once, trailing slashes, bodies on GETs, PHP's ways of saying
 * "nothing", the test mode of a key, 405 with `Allow`, and the exact JSON content type.
 */

const form = { 'content-type': 'application/x-www-form-urlencoded' };

for (const flavor of await testFlavors()) {
  describe(`Paymega clients on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PaymegaCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await paymegaMerchant(gw.engine, 'Clients shop');
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const base = () => ({
      reference_id: newReference(),
      amount: 10,
      currency: 'USD',
      service: 'payment_card_usd_hpp',
    });
    const createPrivate = (attributes: Record<string, unknown>, url = '/api/payment-invoices') =>
      app.inject({
        method: 'POST',
        url,
        headers: basicAuth(shop),
        payload: { data: { type: 'payment-invoices', attributes } },
      });
    const createPublic = (body: Record<string, unknown>, url = '/public-api/payment-invoices') =>
      app.inject({ method: 'POST', url, payload: { public_key: shop.public_key, ...body } });
    const paymentOf = (invoiceId: string) =>
      gw.engine.getPayment({ publicId: invoiceId.slice(4) }, shop.merchantId);

    describe('422 lists every field at fault at once, schema and value findings alike', () => {
      it('a missing service and a negative amount, in both APIs and the form', async () => {
        const { service: _, ...noService } = base();
        const expected = {
          errors: {
            service: 'This value should not be blank.',
            amount: 'This value should be greater than 0.',
          },
        };
        const priv = await createPrivate({ ...noService, amount: -5 });
        assert.equal(priv.statusCode, 422, priv.body);
        assert.deepEqual(priv.json(), expected);
        const pub = await createPublic({ ...noService, amount: -5 });
        assert.equal(pub.statusCode, 422, pub.body);
        assert.deepEqual(pub.json(), expected);
        const html = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process',
          headers: form,
          payload: new URLSearchParams({
            public_key: shop.public_key,
            currency: 'USD',
            amount: '-5',
          }).toString(),
        });
        assert.equal(html.statusCode, 422, html.body);
        assert.deepEqual(html.json(), expected);
      });

      it('many faults of every kind, in the order of the fields', async () => {
        const res = await createPrivate({
          reference_id: 'r'.repeat(65), // schema: too long
          service: 'test_usd_test',
          // currency missing: schema
          amount: 0, // value: not positive
          flow: 'hold', // schema: not a choice
          service_fields: { status: 'win!' }, // value: the field's regexp
          test_mode: 'yes', // schema: not a bool
          customer: { name: 'N', address: { city: 5 } }, // schema, twice
          return_urls: { success: 'nope' }, // schema: pending missing; value: not a URL
          callback_url: 'ftp://x.test', // value: not http(s)
          expires: new Date(gw.clock.ms + 5 * 60_000).toISOString(), // value: too soon
        });
        assert.equal(res.statusCode, 422, res.body);
        assert.deepEqual(Object.entries(res.json().errors), [
          ['reference_id', 'This value is too long. It should have 64 characters or less.'],
          ['currency', 'This value should not be blank.'],
          ['amount', 'This value should be greater than 0.'],
          ['flow', 'The value you selected is not a valid choice.'],
          ['service_fields.status', 'This value is not valid.'],
          ['test_mode', 'This value should be of type bool.'],
          ['customer.reference_id', 'This value should not be blank.'],
          ['customer.address.city', 'This value should be of type string.'],
          ['return_urls.pending', 'This value should not be blank.'],
          ['return_urls.success', 'This value is not a valid URL.'],
          ['callback_url', 'This value is not a valid URL.'],
          ['expires', 'This value should be between 14 minutes and 2 days from now.'],
        ]);
      });

      it('a bad envelope and bad attributes together', async () => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/payment-invoices',
          headers: basicAuth(shop),
          payload: { data: { type: 'payments', attributes: { ...base(), amount: -1 } } },
        });
        assert.equal(res.statusCode, 422);
        assert.deepEqual(res.json(), {
          errors: {
            'data.type': 'The value you selected is not a valid choice.',
            amount: 'This value should be greater than 0.',
          },
        });
      });

      it('the service’s bounds are checked with the schema’s faults', async () => {
        const res = await createPrivate({ ...base(), reference_id: undefined, amount: 1_000_000.01 });
        assert.deepEqual(res.json(), {
          errors: {
            reference_id: 'This value should not be blank.',
            amount: 'This value should be less than or equal to 1000000.',
          },
        });
      });

      it('refunds too', async () => {
        const paid = await createInvoiceViaApi(app, shop, { amount: 50 });
        unwrap(
          await gw.engine.payWithCard({ payment: { publicId: paid.publicId }, card: card(cards.approved) }),
        );
        const res = await app.inject({
          method: 'POST',
          url: `/api/payment-invoices/${paid.id}/refund`,
          headers: basicAuth(shop),
          payload: { data: { type: 'refund', attributes: { amount: 0, invoiceId: 'cpi_other' } } },
        });
        assert.equal(res.statusCode, 422);
        assert.deepEqual(res.json(), {
          errors: {
            reference_id: 'This value should not be blank.',
            invoiceId: 'This value should be equal to the invoice of the URL.',
            amount: 'This value should be greater than 0.',
          },
        });
      });
    });

    describe('trailing slashes', () => {
      it('every path answers with a trailing slash as without', async () => {
        const created = await createPrivate(base(), '/api/payment-invoices/');
        assert.equal(created.statusCode, 201, created.body);
        const id = created.json().data.id;
        for (const url of [
          '/api/payment-invoices/',
          `/api/payment-invoices/${id}/`,
          '/api/payment-services/',
          '/api/payment-services/?',
        ]) {
          const res = await app.inject({ method: 'GET', url, headers: basicAuth(shop) });
          assert.equal(res.statusCode, 200, url);
        }
        const service = (
          await app.inject({ method: 'GET', url: '/api/payment-services', headers: basicAuth(shop) })
        ).json().data[0].id;
        const one = await app.inject({
          method: 'GET',
          url: `/api/payment-services/${service}/`,
          headers: basicAuth(shop),
        });
        assert.equal(one.json().data.id, service);
        const pub = await createPublic(base(), '/public-api/payment-invoices/');
        assert.equal(pub.statusCode, 201, pub.body);
        const read = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${pub.json().data.id}/?public_key=${shop.public_key}`,
        });
        assert.equal(read.json().data.id, pub.json().data.id);
        const pre = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest/',
          payload: { public_key: shop.public_key, currency: 'USD' },
        });
        assert.equal(pre.statusCode, 200);
        const html = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process/',
          headers: form,
          payload: new URLSearchParams({ public_key: shop.public_key, ...base(), amount: '10' }).toString(),
        });
        assert.equal(html.statusCode, 302, html.body);
        // and the rest is as without the slash
        const wrong = await app.inject({
          method: 'DELETE',
          url: '/api/payment-invoices/',
          headers: basicAuth(shop),
        });
        assert.equal(wrong.statusCode, 405);
        const unknown = await app.inject({ method: 'GET', url: '/api/nothing/', headers: basicAuth(shop) });
        assert.equal(unknown.statusCode, 404);
        assert.equal((await app.inject({ method: 'GET', url: '/api/payment-invoices/' })).statusCode, 401);
      });
    });

    describe('GETs with a body, URLs with a bare ?', () => {
      it('a {} JSON body and a bare ? on every GET of both APIs', async () => {
        const mine = await createInvoiceViaApi(app, shop);
        const json = { 'content-type': 'application/json' };
        for (const url of [
          '/api/payment-invoices?',
          `/api/payment-invoices/${mine.id}?`,
          '/api/payment-services?',
          `/public-api/payment-invoices/${mine.id}?public_key=${shop.public_key}`,
        ]) {
          const res = await app.inject({
            method: 'GET',
            url,
            headers: { ...basicAuth(shop), ...json },
            payload: '{}',
          });
          assert.equal(res.statusCode, 200, `${url} ${res.body}`);
        }
      });

      it('the public key in the JSON body of a GET, as in the POSTs', async () => {
        const mine = await createInvoiceViaApi(app, shop);
        const res = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${mine.id}?`,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ public_key: shop.public_key }),
        });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().data.id, mine.id);
        // a body that is not JSON is no body: the query's key still counts, and no 400
        const junk = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${mine.id}?public_key=${shop.public_key}`,
          headers: { 'content-type': 'application/json' },
          payload: '{"public_key":',
        });
        assert.equal(junk.statusCode, 200, junk.body);
        const none = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${mine.id}`,
          headers: { 'content-type': 'application/json' },
          payload: '{}',
        });
        assert.equal(none.statusCode, 401);
      });
    });

    describe('what PHP clients and HTML forms send for "nothing"', () => {
      it('null for optional fields, [] for empty objects, "" for optional URLs and expires', async () => {
        const res = await createPrivate({
          ...base(),
          description: null,
          flow: null,
          test_mode: null,
          customer: null,
          metadata: [],
          service_fields: [],
          gateway_options: [],
          return_url: '',
          callback_url: '',
          expires: '',
        });
        assert.equal(res.statusCode, 201, res.body);
        const a = res.json().data.attributes;
        assert.deepEqual(
          [a.description, a.payment_flow, a.test_mode, a.callback_url, a.return_url],
          [null, 'charge', false, null, null],
        );
        // as every invoice of the spec: metadata with merchant_url (the account has no website),
        // and a customer, the invoice's own anonymous one, the same at every reading
        assert.deepEqual(a.metadata, { merchant_url: null });
        const anonymous = res.json().data.relationships.customer.data;
        assert.equal(anonymous.type, 'customers');
        assert.match(anonymous.id, /^cus_[0-9A-Za-z]{16}$/);
        const again = await app.inject({
          method: 'GET',
          url: `/api/payment-invoices/${res.json().data.id}`,
          headers: basicAuth(shop),
        });
        assert.deepEqual(again.json().data.relationships.customer.data, anonymous);
        const other = await createPrivate(base());
        assert.notEqual(other.json().data.relationships.customer.data.id, anonymous.id);
        const pub = await app.inject({
          method: 'GET',
          url: `/public-api/payment-invoices/${res.json().data.id}?public_key=${shop.public_key}`,
        });
        assert.deepEqual(pub.json().data.metadata, { merchant_url: null });
        const withCustomer = await createPrivate({
          ...base(),
          customer: { reference_id: 'c-1', email: null, metadata: [], address: [] },
          return_urls: { pending: 'https://shop.test/p', success: '', fail: null },
        });
        assert.equal(withCustomer.statusCode, 201, withCustomer.body);
        const payment = await paymentOf(withCustomer.json().data.id);
        assert.deepEqual(payment?.customer, { id: 'c-1', metadata: {}, address: {} });
        assert.equal(payment?.returnUrls.pending, 'https://shop.test/p');
      });

      it('null for a required field and "" for return_urls.pending are blank', async () => {
        const res = await createPrivate({
          ...base(),
          service: null,
          amount: null,
          return_urls: { pending: '' },
        });
        assert.equal(res.statusCode, 422);
        assert.deepEqual(res.json(), {
          errors: {
            service: 'This value should not be blank.',
            amount: 'This value should not be blank.',
            'return_urls.pending': 'This value should not be blank.',
          },
        });
      });

      it('a form’s empty inputs: reference_id is generated, empty URLs are none', async () => {
        const res = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process',
          headers: form,
          payload: new URLSearchParams({
            public_key: shop.public_key,
            reference_id: '',
            currency: 'USD',
            amount: '12.50',
            service: 'payment_card_usd_hpp',
            description: '',
            callback_url: '',
            return_url: '',
            'customer[reference_id]': 'c-2',
            'customer[address][full_address]': 'Test Address',
          }).toString(),
        });
        assert.equal(res.statusCode, 302, res.body);
        const publicId = /\/pay\/([0-9A-Za-z]{16})$/.exec(String(res.headers.location))?.[1];
        assert.ok(publicId, String(res.headers.location));
        const payment = await gw.engine.getPayment({ publicId }, shop.merchantId);
        assert.match(String(payment?.externalId), /^[0-9a-f-]{36}$/);
        assert.equal(payment?.callbackUrl, null);
        assert.equal(payment?.amountMinor, 12_50n);
        assert.deepEqual(payment?.customer, { id: 'c-2', address: { full_address: 'Test Address' } });
      });
    });

    describe('the private API’s customer, gateway options and flow', () => {
      it('keeps the customer with an address, takes gateway_options, reserves on verify', async () => {
        const res = await createPrivate({
          ...base(),
          flow: 'verify',
          gateway_options: { cardgate: { tokenize: false } },
          customer: {
            reference_id: '1203515',
            name: 'John Wick',
            email: 'john@example.com',
            phone: '+380987654321',
            metadata: { key1: 'value1' },
            address: {
              country: 'UA',
              region: 'Kyiv',
              city: 'Kyiv',
              full_address: 'Street 1',
              postcode: '01001',
            },
          },
        });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().data.attributes.payment_flow, 'verify');
        assert.match(res.json().data.relationships.customer.data.id, /^cus_[0-9A-Za-z]{16}$/);
        const payment = await paymentOf(res.json().data.id);
        assert.equal(payment?.flow, 'hold');
        assert.deepEqual(payment?.customer.address, {
          country: 'UA',
          region: 'Kyiv',
          city: 'Kyiv',
          full_address: 'Street 1',
          postcode: '01001',
        });
      });
    });

    describe('test mode', () => {
      it('the private API: test_mode as sent, false when not sent', async () => {
        const sent = await createPrivate({ ...base(), test_mode: true });
        const unsent = await createPrivate(base());
        assert.deepEqual(
          [sent.json().data.attributes.test_mode, unsent.json().data.attributes.test_mode],
          [true, false],
        );
      });

      it('the public API: a pk_test_ key makes test invoices; a pk_live_ key as test_mode says', async () => {
        const testKey = await createPublic({ ...base(), test_mode: false });
        assert.equal(testKey.json().data.test_mode, true);
        const live = await paymegaMerchant(gw.engine, 'Live shop');
        const liveKey = live.public_key.replace(/^pk_test_/, 'pk_live_');
        await gw.db.db
          .updateTable('credentials')
          .set({ public_key: liveKey })
          .where('merchant_id', '=', live.merchantId)
          .where('dialect', '=', 'paymega')
          .execute();
        const pre = await app.inject({
          method: 'POST',
          url: '/public-api/payment-prerequest',
          payload: { public_key: liveKey, currency: 'USD' },
        });
        assert.equal(pre.json().data.test_mode, false);
        const modes: [Record<string, unknown>, boolean][] = [
          [{}, false],
          [{ test_mode: false }, false],
          [{ test_mode: 'yes' }, false],
          [{ test_mode: true }, true],
        ];
        for (const [more, expected] of modes) {
          const created = await app.inject({
            method: 'POST',
            url: '/public-api/payment-invoices',
            payload: { public_key: liveKey, ...base(), ...more },
          });
          assert.equal(created.statusCode, 201, created.body);
          assert.equal(created.json().data.test_mode, expected, JSON.stringify(more));
          const payment = await gw.engine.getPayment(
            { publicId: created.json().data.id.slice(4) },
            live.merchantId,
          );
          assert.equal(payment?.testMode, expected);
        }
        // a form writes the flag as text
        const html = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process',
          headers: form,
          payload: new URLSearchParams({
            public_key: liveKey,
            ...base(),
            amount: '10',
            test_mode: '1',
          }).toString(),
        });
        assert.equal(html.statusCode, 302, html.body);
        const publicId = String(html.headers.location).split('/').at(-1)!;
        assert.equal((await gw.engine.getPayment({ publicId }, live.merchantId))?.testMode, true);
      });
    });

    describe('clients written for Corefy', () => {
      it('data.type "payment-invoice" (singular) creates too; any other type is still refused', async () => {
        const send = (type: unknown) =>
          app.inject({
            method: 'POST',
            url: '/api/payment-invoices',
            headers: basicAuth(shop),
            payload: { data: { type, attributes: base() } },
          });
        const singular = await send('payment-invoice');
        assert.equal(singular.statusCode, 201, singular.body);
        assert.equal(singular.json().data.type, 'payment-invoices', 'answered as always');
        for (const type of ['payments', 'payment-invoicess', 'Payment-Invoice', '', 5]) {
          const res = await send(type);
          assert.equal(res.statusCode, 422, `${type} ${res.body}`);
          assert.deepEqual(res.json(), {
            errors: { 'data.type': 'The value you selected is not a valid choice.' },
          });
        }
      });

      it('expires as UNIX seconds: a JSON integer or a string of digits, in the same window', async () => {
        const seconds = (minutes: number) => Math.floor(gw.clock.ms / 1000) + minutes * 60;
        for (const expires of [seconds(60), String(seconds(60)), ` ${seconds(60)} `, seconds(2 * 24 * 60)]) {
          const res = await createPrivate({ ...base(), expires });
          assert.equal(res.statusCode, 201, `${JSON.stringify(expires)} ${res.body}`);
          const payment = await paymentOf(res.json().data.id);
          assert.equal(payment?.expiresAt.getTime(), Number(expires) * 1000);
        }
        const window = 'This value should be between 14 minutes and 2 days from now.';
        const notADatetime = 'This value is not a valid datetime.';
        for (const [expires, message] of [
          [seconds(13), window],
          [String(seconds(13)), window],
          [seconds(2 * 24 * 60 + 1), window],
          [0, window],
          [seconds(60) + 0.5, notADatetime],
          [-seconds(60), notADatetime],
          [1e21, notADatetime],
          ['9'.repeat(30), notADatetime],
          [`${seconds(60)}s`, notADatetime],
          [true, notADatetime],
          [{ at: seconds(60) }, notADatetime],
        ] as const) {
          const res = await createPrivate({ ...base(), expires });
          assert.equal(res.statusCode, 422, `${JSON.stringify(expires)} ${res.body}`);
          assert.deepEqual(res.json(), { errors: { expires: message } }, JSON.stringify(expires));
        }
        // the public API and the form alike
        const pub = await createPublic({ ...base(), expires: seconds(30) });
        assert.equal(pub.statusCode, 201, pub.body);
        const html = await app.inject({
          method: 'POST',
          url: '/public-api/payment-invoices/process',
          headers: form,
          payload: new URLSearchParams({
            public_key: shop.public_key,
            ...base(),
            amount: '10',
            expires: String(seconds(30)),
          }).toString(),
        });
        assert.equal(html.statusCode, 302, html.body);
      });

      it('the JS SDK (msdk): `fields` are the service fields, `description: ""` is none', async () => {
        // createPaymentInvoice's body, defaults included
        const sdk = {
          ...base(),
          service: 'test_usd_test',
          description: '',
          fields: { status: 'processed' },
          metadata: {},
        };
        const res = await createPublic(sdk);
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().data.status, 'processed');
        assert.equal(res.json().data.description, null);
        // service_fields, when sent, are the ones read
        const both = await createPublic({
          ...sdk,
          reference_id: newReference(),
          service_fields: { status: 'fail' },
        });
        assert.equal(both.json().data.status, 'process_failed', both.body);
        // what the fields say is checked as service_fields are, and named so
        const bad = await createPublic({ ...sdk, reference_id: newReference(), fields: { status: 'win!' } });
        assert.equal(bad.statusCode, 422);
        assert.deepEqual(bad.json(), { errors: { 'service_fields.status': 'This value is not valid.' } });
        // the private API goes by the spec's name only
        const priv = await createPrivate({
          ...base(),
          service: 'test_usd_test',
          fields: { status: 'processed' },
        });
        assert.equal(priv.statusCode, 422);
        assert.deepEqual(priv.json(), {
          errors: { 'service_fields.status': 'This value should not be blank.' },
        });
      });

      it('hpp_url: the payment page in every private document; null for the test service', async () => {
        const created = await createInvoiceViaApi(app, shop);
        const attributes = created.document.data.attributes;
        assert.equal(attributes.hpp_url, created.pageUrl);
        assert.equal(attributes.hpp_url, `http://kopek.test/pay/${created.publicId}`);
        const read = await app.inject({
          method: 'GET',
          url: `/api/payment-invoices/${created.id}`,
          headers: basicAuth(shop),
        });
        assert.equal(read.json().data.attributes.hpp_url, created.pageUrl);
        const list = await app.inject({
          method: 'GET',
          url: `/api/payment-invoices?filter[reference_id]=${encodeURIComponent(String(attributes.reference_id))}`,
          headers: basicAuth(shop),
        });
        assert.equal(list.json().data[0].attributes.hpp_url, created.pageUrl);
        const test = await createPrivate({
          ...base(),
          service: 'test_usd_test',
          service_fields: { status: 'pending' },
        });
        assert.equal(test.statusCode, 201, test.body);
        assert.equal(test.json().data.attributes.hpp_url, null);
        // the public document stays as the spec writes it: the page is active_payment's action
        const pub = await createPublic(base());
        assert.ok(!('hpp_url' in pub.json().data));
      });
    });

    describe('the checkout link /hpp/ (Corefy’s widget, PayCore’s checkout form)', () => {
      /** What merchant-widget-js's buildFrameSrc writes: qs.stringify, brackets escaped. */
      const link = (fields: Record<string, string>, path = '/hpp/') =>
        `${path}?${new URLSearchParams({ public_key: shop.public_key, ...fields })}`;
      const widget = (more: Record<string, string> = {}) => ({
        currency: 'USD',
        amount: '25.5',
        service: 'payment_card_usd_hpp',
        reference_id: newReference(),
        description: 'Order 7',
        expires: String(Math.floor(gw.clock.ms / 1000) + 3600),
        'customer[reference_id]': 'c-7',
        'customer[email]': 'c7@shop.test',
        'display[hide_footer]': 'true',
        lang: 'en',
        ...more,
      });
      const pageOf = (res: { headers: Record<string, unknown> }) =>
        /^http:\/\/kopek\.test\/pay\/([0-9A-Za-z]{16})$/.exec(String(res.headers.location))?.[1];

      it('creates the invoice the link describes and sends the browser to its page', async () => {
        const fields = widget();
        const res = await app.inject({ method: 'GET', url: link(fields) });
        assert.equal(res.statusCode, 302, res.body);
        assert.equal(res.headers['cache-control'], 'no-store');
        const publicId = pageOf(res);
        assert.ok(publicId, String(res.headers.location));
        const payment = await gw.engine.getPayment({ publicId }, shop.merchantId);
        assert.equal(payment?.amountMinor, 25_50n);
        assert.equal(payment?.externalId, fields.reference_id);
        assert.equal(payment?.description, 'Order 7');
        assert.equal(payment?.expiresAt.getTime(), Number(fields.expires) * 1000);
        assert.deepEqual(payment?.customer, { id: 'c-7', email: 'c7@shop.test' });
        assert.equal(payment?.origin, 'paymega');
        // the same link again (a reload, the back button): the same invoice's page
        const again = await app.inject({ method: 'GET', url: link(fields, '/hpp') });
        assert.equal(again.statusCode, 302, again.body);
        assert.equal(pageOf(again), publicId);
        // brackets as typed, and the form POSTed to /hpp/
        const typed = await app.inject({
          method: 'GET',
          url: `/hpp?public_key=${shop.public_key}&currency=USD&amount=3&service=payment_card_usd_hpp&customer[reference_id]=c-8&customer[address][city]=Kyiv`,
        });
        assert.equal(typed.statusCode, 302, typed.body);
        assert.deepEqual(
          (await gw.engine.getPayment({ publicId: pageOf(typed)! }, shop.merchantId))?.customer,
          {
            id: 'c-8',
            address: { city: 'Kyiv' },
          },
        );
        const posted = await app.inject({
          method: 'POST',
          url: '/hpp/',
          headers: form,
          payload: new URLSearchParams({ public_key: shop.public_key, ...widget() }).toString(),
        });
        assert.equal(posted.statusCode, 302, posted.body);
        assert.ok(pageOf(posted));
      });

      it('answers what the HTML form of the public API answers, in its words', async () => {
        const zero = await app.inject({ method: 'GET', url: link(widget({ amount: '0', expires: '5' })) });
        assert.equal(zero.statusCode, 422);
        assert.match(String(zero.headers['content-type']), /^application\/json$/);
        assert.deepEqual(zero.json(), {
          errors: {
            amount: 'This value should be greater than 0.',
            expires: 'This value should be between 14 minutes and 2 days from now.',
          },
        });
        const stranger = await app.inject({
          method: 'GET',
          url: link(widget(), '/hpp/').replace(shop.public_key, 'pk_test_nope'),
        });
        assert.equal(stranger.statusCode, 401);
        assert.deepEqual(stranger.json(), { errors: [{ status: 'Unauthorized', code: '401' }] });
        const closed = await paymegaMerchant(gw.engine, 'Closed shop', { publicAccess: false });
        const refused = await app.inject({
          method: 'GET',
          url: `/hpp/?${new URLSearchParams({ ...widget(), public_key: closed.public_key })}`,
        });
        assert.equal(refused.statusCode, 403);
        assert.deepEqual(refused.json(), { errors: [{ status: 'Forbidden', code: '403' }] });
        // a reference id of another invoice: the API's 409 with that invoice
        const fields = widget();
        const first = await app.inject({ method: 'GET', url: link(fields) });
        const other = await app.inject({ method: 'GET', url: link({ ...fields, amount: '99' }) });
        assert.equal(other.statusCode, 409, other.body);
        assert.equal(other.json().data.id, `cpi_${pageOf(first)}`);
        assert.equal(other.json().data.amount, 25.5);
      });

      it('without a service: the account’s one payer service for the currency, else a 422 that says why', async () => {
        const { service: _, ...noService } = widget();
        // one card service for EUR in the default catalogue
        const eur = await app.inject({ method: 'GET', url: link({ ...noService, currency: 'EUR' }) });
        assert.equal(eur.statusCode, 302, eur.body);
        const payment = await gw.engine.getPayment({ publicId: pageOf(eur)! }, shop.merchantId);
        assert.equal(payment?.currency, 'EUR');
        const invoice = await app.inject({
          method: 'GET',
          url: `/api/payment-invoices/cpi_${pageOf(eur)}`,
          headers: basicAuth(shop),
        });
        assert.equal(invoice.json().data.relationships['payment-service'].data.id, 'payment_card_eur_hpp');
        // an empty input is no service either
        const empty = await app.inject({
          method: 'GET',
          url: link({ ...noService, currency: 'EUR', service: '' }),
        });
        assert.equal(empty.statusCode, 302, empty.body);
        // card and test for USD: a payer's link never lands on the test service
        const usd = await app.inject({
          method: 'GET',
          url: link({ ...noService, reference_id: newReference() }),
        });
        assert.equal(usd.statusCode, 302, usd.body);
        const usdInvoice = await app.inject({
          method: 'GET',
          url: `/api/payment-invoices/cpi_${pageOf(usd)}`,
          headers: basicAuth(shop),
        });
        assert.equal(usdInvoice.json().data.relationships['payment-service'].data.id, 'payment_card_usd_hpp');
        const gbp = await app.inject({ method: 'GET', url: link({ ...noService, currency: 'GBP' }) });
        assert.equal(gbp.statusCode, 422);
        assert.deepEqual(gbp.json(), { errors: { service: 'The account has no service for GBP.' } });
        const xxx = await app.inject({ method: 'GET', url: link({ ...noService, currency: 'XXX' }) });
        assert.deepEqual(xxx.json(), {
          errors: {
            service: 'This value should not be blank.',
            currency: 'This value is not a valid currency.',
          },
        });
      });

      it('a link to an invoice, a link without a key, and a HEAD stay the pages’', async () => {
        const mine = await createInvoiceViaApi(app, shop);
        const byCpi = await app.inject({ method: 'GET', url: link({ cpi: mine.id }) });
        assert.equal(byCpi.statusCode, 302);
        assert.equal(byCpi.headers.location, `/pay/${mine.publicId}`);
        const newest = async () =>
          (await gw.engine.listPayments({ merchantId: shop.merchantId, limit: 1 }))[0]?.id;
        const before = await newest();
        for (const url of ['/hpp/?currency=USD&amount=5', '/hpp/']) {
          const res = await app.inject({ method: 'GET', url });
          assert.equal(res.statusCode, 404, url);
          assert.match(String(res.headers['content-type']), /^text\/html/, url);
        }
        const head = await app.inject({ method: 'HEAD', url: link(widget()) });
        assert.equal(head.statusCode, 404);
        const keyless = await app.inject({
          method: 'POST',
          url: '/hpp/',
          headers: form,
          payload: 'currency=USD',
        });
        assert.equal(keyless.statusCode, 404);
        assert.equal(await newest(), before, 'no invoice made');
      });
    });

    describe('HTTP details', () => {
      it('405 names the methods a path takes, OPTIONS included', async () => {
        for (const [method, url, allow] of [
          ['OPTIONS', '/public-api/payment-invoices', 'POST'],
          ['OPTIONS', '/api/payment-invoices', 'GET, POST'],
          ['PUT', '/api/payment-invoices/cpi_0000000000000000', 'GET'],
          ['GET', '/public-api/payment-prerequest/', 'POST'],
        ] as const) {
          const res = await app.inject({ method, url, headers: basicAuth(shop) });
          assert.equal(res.statusCode, 405, `${method} ${url}`);
          assert.equal(res.headers.allow, allow, `${method} ${url}`);
          assert.deepEqual(res.json(), { errors: [{ status: 'Method Not Allowed', code: '405' }] });
        }
      });

      it('a malformed URL escape: 400 in Paymega’s format under both APIs, Fastify’s elsewhere', async () => {
        for (const url of [
          '/api/payment-invoices/%ZZ',
          '/api/payment-invoices/%E0%A4%A',
          '/api/%ZZ',
          '/public-api/payment-invoices/%ZZ?public_key=x',
        ]) {
          const res = await app.inject({ method: 'GET', url, headers: basicAuth(shop) });
          assert.equal(res.statusCode, 400, url);
          assert.equal(res.headers['content-type'], 'application/json', url);
          assert.deepEqual(res.json(), { errors: [{ status: 'Bad Request', code: '400' }] }, url);
        }
        // an id over Fastify's parameter bound names no invoice, as a shorter one
        for (const length of [100, 101, 500]) {
          const res = await app.inject({
            method: 'GET',
            url: `/api/payment-invoices/${'x'.repeat(length)}`,
            headers: basicAuth(shop),
          });
          assert.equal(res.statusCode, 404, String(length));
          assert.deepEqual(res.json(), { errors: [{ status: 'Not Found', code: '404' }] });
        }
        // not a dialect's: what Fastify answers by itself (the pages' paths answer HTML pages)
        for (const url of ['/%ZZ', '/apis/%ZZ']) {
          const res = await app.inject({ method: 'GET', url });
          assert.equal(res.statusCode, 400, url);
          assert.equal(res.json().code, 'FST_ERR_BAD_URL', url);
        }
      });

      it('Content-Type is application/json exactly, as Symfony writes it, on every answer', async () => {
        const attributes = base();
        const answers = [
          await createPrivate(attributes), // 201
          await createPrivate(attributes), // 409
          await createPrivate({ ...base(), amount: 0 }), // 422
          await app.inject({ method: 'GET', url: '/api/payment-invoices', headers: basicAuth(shop) }),
          await app.inject({ method: 'GET', url: '/api/payment-invoices' }), // 401
          await app.inject({ method: 'GET', url: '/api/nothing', headers: basicAuth(shop) }), // 404
          await app.inject({ method: 'DELETE', url: '/api/payment-invoices' }), // 405
        ];
        assert.deepEqual(
          answers.map((r) => r.statusCode),
          [201, 409, 422, 200, 401, 404, 405],
        );
        for (const res of answers) assert.equal(res.headers['content-type'], 'application/json');
        assert.equal(answers[1]!.json().data.id, answers[0]!.json().data.id);
      });
    });
  });
}
