import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { form } from './helpers.ts';

/** The payer's legacy `POST /m/<login>/create/` form: its sign, its cart, where the payer lands. */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Fields = Record<string, string>;
const signOf = (f: Fields, secret: string, sum = f.sum ?? '') =>
  sha256(
    sum +
      (f.clientid ?? '') +
      (f.orderid ?? '') +
      (f.service_name ?? '') +
      (f.client_email ?? '') +
      (f.client_phone ?? '') +
      secret,
  );

for (const flavor of await testFlavors()) {
  describe(`PayKeeper legacy form on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let login: string;
    let secret: string;
    let merchantId: bigint;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      const created = unwrap(await gw.engine.createMerchant({ name: 'Form shop' }));
      login = created.paykeeper.login;
      secret = created.paykeeper.form_secret;
      merchantId = BigInt(created.id);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const submit = (fields: Fields, path = `/m/${login}/create/`) =>
      app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form(fields),
      });
    const paymentBehind = async (location: string) => {
      const publicId = /^\/pay\/([A-Za-z0-9]+)/.exec(location)?.[1];
      assert.ok(publicId, location);
      const payment = await gw.engine.getPayment({ publicId });
      assert.ok(payment);
      return payment;
    };

    const base: Fields = {
      sum: '300.3',
      clientid: 'Иван Петров',
      orderid: 'f-1',
      service_name: 'Заказ 1',
      client_email: 'ivan@example.ru',
      client_phone: '+79001112233',
    };

    it('sends a signed form (raw sum) to the hosted payment page, with its cart, lang and return address', async () => {
      const cart = JSON.stringify([
        { name: 'Товар', price: '300.30', quantity: 1, sum: 300.3, tax: 'vat20', payment_type: 'full' },
      ]);
      const fields = { ...base, cart, lang: 'en', user_result_callback: 'https://shop.example/done' };
      const res = await submit({ ...fields, sign: signOf(fields, secret) });
      assert.equal(res.statusCode, 303, res.body);
      assert.match(String(res.headers.location), /^\/pay\/[A-Za-z0-9]+\?lang=en$/);
      const payment = await paymentBehind(String(res.headers.location));
      assert.equal(payment.merchantId, merchantId);
      assert.equal(payment.origin, 'paykeeper');
      assert.equal(payment.amountMinor, 30030n);
      assert.equal(payment.externalId, 'f-1');
      assert.equal(payment.customer.reference, 'Иван Петров');
      assert.equal(payment.returnUrls.success, 'https://shop.example/done');
      assert.deepEqual((payment.metadata.paykeeper as { cart: unknown[] }).cart, [
        {
          name: 'Товар',
          price: '300.30',
          quantity: '1',
          sum: '300.30',
          tax: 'vat20',
          item_type: null,
          payment_type: 'full',
        },
      ]);
      const page = await app.inject({ method: 'GET', url: String(res.headers.location) });
      assert.equal(page.statusCode, 200);
    });

    it('accepts a sign over the two-decimal sum, in upper case too', async () => {
      const fields = { ...base, orderid: 'f-2' };
      const res = await submit({ ...fields, sign: signOf(fields, secret, '300.30').toUpperCase() });
      assert.equal(res.statusCode, 303, res.body);
    });

    it('refuses a wrong or missing sign, an unknown shop, a cart that does not add up, a bad sum', async () => {
      const fields = { ...base, orderid: 'f-3' };
      const cases: [Fields, string, RegExp][] = [
        [{ ...fields, sign: signOf(fields, 'other-secret') }, `/m/${login}/create/`, /подпись/],
        [fields, `/m/${login}/create/`, /подпись/],
        [{ ...fields, sign: signOf({ ...fields, sum: '1' }, secret) }, `/m/${login}/create/`, /подпись/],
        [{ ...fields, sign: signOf(fields, secret) }, '/m/nobody/create/', /Организация/],
        [
          {
            ...fields,
            cart: JSON.stringify([{ name: 'x', price: 1, quantity: 1, sum: 1, tax: 'none' }]),
            sign: signOf(fields, secret),
          },
          `/m/${login}/create/`,
          /Корзина/,
        ],
        [
          { ...fields, sum: '1,5', sign: signOf({ ...fields, sum: '1,5' }, secret) },
          `/m/${login}/create/`,
          /sum/,
        ],
        [{ ...fields, sum: '' }, `/m/${login}/create/`, /sum/],
      ];
      for (const [body, path, msg] of cases) {
        const res = await submit(body, path);
        assert.equal(res.statusCode, 200, JSON.stringify(body));
        const doc = res.json();
        assert.equal(doc.result, 'fail');
        assert.match(doc.msg, msg, JSON.stringify(body));
      }
      const missing = await submit({ orderid: 'x' });
      assert.equal(missing.json().result, 'fail');
    });
  });
}
