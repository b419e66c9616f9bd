import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { get, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/**
 * The examples of the spec's section 3 (invoices), replayed as the spec writes the requests:
 * each answer has the example's keys, each value the example's JSON type, and the values the
 * request decided are the example's. COMPAT.md's extra byid fields are allowed beside them.
 */

const examples = {
  '3.1': {
    id: '20110115085347329',
    clientid: 'Ivanov Ivan Ivanovich',
    orderid: '1337',
    service_name: 'Document delivery',
    client_email: 'ivanov@ivan.ivanovich.com',
    client_phone: '+79254973590',
    created_datetime: '2011-01-15 08:53:47',
    paid_datetime: '2011-01-16 14:12:00',
    expiry_datetime: '2011-01-19 00:00:00',
    pay_amount: '1205.98',
    status: 'paid',
  },
  '3.2': {
    id: '20140415042846859',
    status: 'expired',
    pay_amount: '5999.00',
    clientid: 'Кристина Бушуева',
    orderid: '3946',
    service_name: null,
    client_email: 'hidden@paykeeper.ru',
    client_phone: null,
    expiry_datetime: '2014-04-19 00:00:00',
    created_datetime: '2014-04-15 04:28:46',
    paid_datetime: null,
  },
} as const;

/** COMPAT.md's byid fields beyond the spec's example. */
const byidExtras = ['user_id', 'paymentid', 'user_login', 'email_status', 'email_error'];

const datetime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function assertKeys(
  actual: Record<string, unknown>,
  example: Record<string, unknown>,
  extras: string[] = [],
) {
  for (const key of Object.keys(example)) assert.ok(key in actual, `the spec's key ${key}`);
  for (const key of Object.keys(actual))
    assert.ok(key in example || extras.includes(key), `no key beyond the spec's: ${key}`);
  for (const [key, value] of Object.entries(example))
    if (value !== null && actual[key] !== null) assert.equal(typeof actual[key], typeof value, key);
}

for (const flavor of await testFlavors()) {
  describe(`PayKeeper spec examples (section 3, invoices) on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let token: string;
    let paidId: string;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Invoices by the book');
      token = await tokenOf(app, shop);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('3.4 preview: invoice_id as a string of digits and the e-mail HTML', async () => {
      const res = await post(app, shop, '/change/invoice/preview/', {
        pay_amount: '1205.98',
        clientid: examples['3.1'].clientid,
        orderid: examples['3.1'].orderid,
        service_name: examples['3.1'].service_name,
        client_email: examples['3.1'].client_email,
        client_phone: examples['3.1'].client_phone,
        expiry: '2099-01-19',
        token,
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['invoice', 'invoice_id', 'invoice_url']);
      assert.match(body.invoice_id, /^\d{17,19}$/, 'a string: above 2^53 it would not survive a double');
      assert.match(res.body, /"invoice_id":"\d+"/);
      assert.match(body.invoice, /<html/i);
      assert.ok(
        body.invoice.includes('1205.98') || body.invoice.includes('1 205,98'),
        'the sum in the letter',
      );
      paidId = body.invoice_id;
    });

    it('3.5 send: {"result":"success"}', async () => {
      const res = await post(app, shop, '/change/invoice/send/', { id: paidId, token });
      assert.equal(res.body, '{"result":"success"}');
    });

    it('3.1 byid: the example object, its values as the request made them', async () => {
      const invoice = await gw.engine.getInvoice({ id: paidId }, shop.merchantId);
      assert.ok(invoice);
      unwrap(await gw.engine.payWithCard({ payment: { id: invoice.paymentId }, card: card(cards.approved) }));
      const doc = (await get(app, shop, `/info/invoice/byid/?id=${paidId}`)).json();
      assertKeys(doc, examples['3.1'], byidExtras);
      for (const key of [
        'clientid',
        'orderid',
        'service_name',
        'client_email',
        'client_phone',
        'pay_amount',
        'status',
      ])
        assert.equal(doc[key], examples['3.1'][key as keyof (typeof examples)['3.1']], key);
      assert.equal(doc.id, paidId);
      assert.equal(doc.expiry_datetime, '2099-01-19 00:00:00');
      for (const key of ['created_datetime', 'paid_datetime']) assert.match(doc[key], datetime, key);
    });

    it('3.2 list: the example query, objects of the example form, newest first; created ones never', async () => {
      const draft = (
        await post(app, shop, '/change/invoice/preview/', { pay_amount: '5999', orderid: '3946', token })
      ).json().invoice_id;
      const day = new Date(gw.clock.now().getTime()).toISOString().slice(0, 10);
      const listed = (
        await get(
          app,
          shop,
          `/info/invoice/list/?status[]=paid&start_date=${day}&end_date=${day}&from=0&limit=10`,
        )
      ).json();
      assert.ok(Array.isArray(listed));
      assert.deepEqual(
        listed.map((i: { id: string }) => i.id),
        [paidId],
      );
      assertKeys(listed[0], examples['3.2']);
      const all = (
        await get(
          app,
          shop,
          `/info/invoice/list/?status[]=paid&status[]=sent&status[]=expired&start_date=${day}&end_date=${day}&from=0&limit=10`,
        )
      ).json();
      assert.ok(!all.some((i: { id: string }) => i.id === draft), 'a created (unsent) invoice is not listed');
      const skipped = (
        await get(
          app,
          shop,
          `/info/invoice/list/?status[]=paid&start_date=${day}&end_date=${day}&from=30&limit=10`,
        )
      ).json();
      assert.deepEqual(skipped, [], 'fewer than 30: an empty array');
    });

    it('3.3 listcount: statuses and fullcount as the example', async () => {
      const day = new Date(gw.clock.now().getTime()).toISOString().slice(0, 10);
      const counted = (
        await get(
          app,
          shop,
          `/info/invoice/listcount/?status[]=expired&status[]=sent&status[]=paid&start_date=${day}&end_date=${day}`,
        )
      ).json();
      assert.deepEqual(Object.keys(counted).sort(), ['fullcount', 'statuses']);
      assert.deepEqual(counted.statuses, [{ status: 'paid', count: '1' }]);
      assert.deepEqual(counted.fullcount, [{ count: '1' }]);
    });

    it('an unknown invoice: exactly Счёт не найден.', async () => {
      const res = await get(app, shop, '/info/invoice/byid/?id=20110115085347329');
      assert.deepEqual(res.json(), { result: 'fail', msg: 'Счёт не найден.' });
      assert.ok(res.body.includes('\\u0421\\u0447\\u0451\\u0442'), 'escaped as PHP writes it');
    });
  });
}
