import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../../src/delivery/email/catch-all.ts';
import { createEmailDelivery } from '../../../src/delivery/email/index.ts';
import { InvoiceById, InvoicePreview } from '../../../src/dialects/paykeeper/wire.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { get, type Login, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/** Invoices 3.1–3.5 and revoke over HTTP, the e-mail read back from a real SMTP server. */

const notFound =
  '{"result":"fail","msg":"\\u0421\\u0447\\u0451\\u0442 \\u043d\\u0435 \\u043d\\u0430\\u0439\\u0434\\u0435\\u043d."}';

const cart = JSON.stringify([
  { name: 'Чайник <Bosch>', price: 200, quantity: 1, sum: 200, tax: 'vat20' },
  { name: 'Доставка', price: '100.30', quantity: '1', sum: '100.30', tax: 'none', item_type: 'service' },
]);

for (const flavor of await testFlavors()) {
  describe(`PayKeeper invoices on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let smtp: CatchAllSmtp;
    let shop: PkCreds;
    let rival: PkCreds;
    let operator: Login;
    let token: string;

    before(async () => {
      smtp = await startCatchAllSmtp();
      const email = createEmailDelivery({ smtpUrl: smtp.url, from: 'bills@kopek.test' });
      gw = await testGateway(flavor, { handlers: new Map([[email.channel, email.handler]]) });
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'ООО «Ромашка»');
      rival = await pkMerchant(gw.engine, 'Rival');
      operator = { login: `inv-op-${flavor}`, password: 'operator-pass' };
      unwrap(await gw.engine.createUser({ merchantId: shop.merchantId, role: 'operator', ...operator }));
      token = await tokenOf(app, shop);
    });
    after(async () => {
      await app.close();
      await gw.close();
      await smtp.close();
    });
    beforeEach(() => smtp.clear());

    const preview = async (fields: Record<string, string>, who: Login = shop) => {
      const t = who === shop ? token : await tokenOf(app, who);
      return post(app, who, '/change/invoice/preview/', { token: t, ...fields });
    };
    const made = async (fields: Record<string, string>) => {
      const res = await preview(fields);
      assert.equal(res.statusCode, 200);
      assert.match(
        res.body,
        /^\{"invoice_id":"[0-9]{17,19}","invoice_url":"http:\\\/\\\/kopek\.test\\\/bill\\\/[0-9]+\\\/","invoice":"/,
      );
      assert.ok(TypeCompiler.Compile(InvoicePreview).Check(res.json()), res.body);
      return res.json() as { invoice_id: string; invoice_url: string; invoice: string };
    };
    const byId = async (id: string) => (await get(app, shop, `/info/invoice/byid/?id=${id}`)).json();

    it('previews an invoice from JSON service_name with a string-encoded cart, both id spellings, a day expiry', async () => {
      const res = await made({
        pay_amount: '300.3',
        client_id: 'Иван',
        order_id: 'ord-1',
        client_email: 'payer@example.ru',
        client_phone: '+79001234567',
        expiry: '2026-12-01',
        service_name: JSON.stringify({
          service_name: 'Заказ <42>',
          cart,
          lang: 'en',
          receipt_properties: { a: 1 },
        }),
      });
      assert.equal(res.invoice_url, `http://kopek.test/bill/${res.invoice_id}/`);
      assert.match(res.invoice, /Заказ &lt;42&gt;/);
      assert.match(res.invoice, /Чайник &lt;Bosch&gt;/);
      assert.match(res.invoice, /К оплате: 300\.30 руб\./);
      assert.match(res.invoice, /действителен до 2026-12-01 00:00:00/);
      const doc = await byId(res.invoice_id);
      assert.deepEqual(doc, {
        id: res.invoice_id,
        status: 'created',
        pay_amount: '300.30',
        clientid: 'Иван',
        orderid: 'ord-1',
        service_name: 'Заказ <42>',
        client_email: 'payer@example.ru',
        client_phone: '+79001234567',
        expiry_datetime: '2026-12-01 00:00:00',
        created_datetime: '2026-11-23 12:00:00',
        paid_datetime: null,
        user_id: '0',
        paymentid: null,
        user_login: shop.login,
        email_status: null,
        email_error: null,
      });
      assert.ok(TypeCompiler.Compile(InvoiceById).Check(doc), 'byid fits the wire schema');
      // the bill page takes the payer to the hosted page, in the shop's chosen language
      for (const url of [`/bill/${res.invoice_id}/`, `/bill/${res.invoice_id}`]) {
        const bill = await app.inject({ method: 'GET', url });
        assert.equal(bill.statusCode, 302);
        assert.match(String(bill.headers.location), /^\/pay\/[A-Za-z0-9]+\?lang=en$/);
      }
    });

    it('takes every pay_amount form, plain text service_name, a full expiry datetime, and the other spellings', async () => {
      for (const [amount, printed] of [
        ['100', '100.00'],
        ['100.00', '100.00'],
        ['300.3', '300.30'],
      ] as const) {
        const res = await made({
          pay_amount: amount,
          clientid: 'c1',
          orderid: `o-${amount}`,
          service_name: 'Подписка',
          expiry: '2026-11-30 18:30:00',
          user_result_callback: 'https://shop.example/back',
        });
        const doc = await byId(res.invoice_id);
        assert.equal(doc.pay_amount, printed);
        assert.equal(doc.clientid, 'c1');
        assert.equal(doc.orderid, `o-${amount}`);
        assert.equal(doc.service_name, 'Подписка');
        assert.equal(doc.expiry_datetime, '2026-11-30 18:30:00');
        const invoice = await gw.engine.getInvoice({ id: res.invoice_id }, shop.merchantId);
        const payment = await gw.engine.getPayment({ id: invoice!.paymentId });
        assert.equal(payment?.returnUrls.success, 'https://shop.example/back');
        assert.equal(payment?.origin, 'paykeeper');
      }
    });

    it('answers the same invoice to a repeated order, and refuses bad input in PayKeeper format', async () => {
      const first = await made({ pay_amount: '50', orderid: 'repeat-1' });
      const again = await made({ pay_amount: '50.00', orderid: 'repeat-1' });
      assert.equal(again.invoice_id, first.invoice_id);
      const cases: [Record<string, string>, RegExp][] = [
        [{ pay_amount: '1,5' }, /pay_amount/],
        [{ pay_amount: '0' }, /pay_amount/],
        [{}, /pay_amount/],
        [{ pay_amount: '10', expiry: '2020-01-01' }, /expiry/],
        [{ pay_amount: '10', expiry: 'завтра' }, /expiry/],
        [{ pay_amount: '10', client_email: 'not-an-email' }, /client_email/],
        [{ pay_amount: '10', service_name: JSON.stringify({ service_name: 'x', cart }) }, /Корзина/],
        [{ pay_amount: '10', user_result_callback: 'javascript:alert(1)' }, /user_result_callback/],
        [{ pay_amount: '50.5', orderid: 'repeat-1' }, /./],
      ];
      for (const [fields, msg] of cases) {
        const res = await preview(fields);
        assert.equal(res.statusCode, 200, JSON.stringify(fields));
        const body = res.json();
        assert.equal(body.result, 'fail', JSON.stringify(fields));
        assert.match(body.msg, msg, JSON.stringify(fields));
      }
      const array = await app.inject({
        method: 'POST',
        url: '/change/invoice/preview/',
        headers: { ...basicOf(shop), 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${token}&pay_amount[]=1`,
      });
      assert.equal(array.statusCode, 200);
      assert.equal(array.json().result, 'fail');
    });

    it('e-mails the invoice: the very HTML of the preview, a text part, Russian headers; byid shows it sent', async () => {
      const res = await made({
        pay_amount: '300.30',
        client_email: 'payer@example.ru',
        service_name: JSON.stringify({ service_name: 'Заказ №7', cart }),
      });
      const sent = await post(app, shop, '/change/invoice/send/', { token, id: res.invoice_id });
      assert.deepEqual(sent.json(), { result: 'success' });
      assert.equal((await byId(res.invoice_id)).status, 'sent');
      assert.equal((await byId(res.invoice_id)).email_status, 'queued');
      await gw.worker.runOnce();
      const [mail] = smtp.messages();
      assert.ok(mail, 'a message arrived');
      assert.deepEqual(mail.envelope.to, ['payer@example.ru']);
      assert.equal(mail.parsed.html, res.invoice, 'the preview is the e-mail, byte for byte');
      assert.match(String(mail.parsed.text), /К оплате: 300\.30 руб\./);
      assert.match(String(mail.parsed.text), new RegExp(`/bill/${res.invoice_id}/`));
      assert.equal(mail.parsed.subject, `Счёт на оплату № ${res.invoice_id} от ООО «Ромашка»`);
      assert.match(mail.raw.toString('latin1'), /^Subject: =\?UTF-8\?/im, 'the subject is RFC 2047 encoded');
      assert.match(mail.raw.toString('latin1'), /charset=utf-8/i);
      assert.match(String(mail.parsed.from?.text), /ООО «Ромашка».*bills@kopek\.test/);
      const doc = await byId(res.invoice_id);
      assert.equal(doc.email_status, 'delivered');
      assert.equal(doc.email_error, null);
      assert.ok(TypeCompiler.Compile(InvoiceById).Check(doc), 'byid fits the wire schema');
    });

    it('shows a failed send on the invoice', async () => {
      const res = await made({ pay_amount: '10', client_email: 'nobody@example.ru' });
      smtp.refuse({ to: 'nobody@example.ru', code: 550, message: 'No such user here' });
      assert.deepEqual(
        (await post(app, shop, '/change/invoice/send/', { token, id: res.invoice_id })).json(),
        {
          result: 'success',
        },
      );
      await gw.worker.runOnce();
      assert.equal(smtp.messages().length, 0);
      const doc = await byId(res.invoice_id);
      assert.equal(doc.email_status, 'exhausted');
      assert.match(doc.email_error, /550.*No such user here/);
    });

    it('refuses to send an invoice without an address; unknown and foreign ids are `Счёт не найден.` exactly', async () => {
      const res = await made({ pay_amount: '10' });
      const noMail = (await post(app, shop, '/change/invoice/send/', { token, id: res.invoice_id })).json();
      assert.equal(noMail.result, 'fail');
      assert.match(noMail.msg, /client_email/);
      const rivalToken = await tokenOf(app, rival);
      for (const id of ['1', '99999999999999999', 'abc', '', '123456789012345678901']) {
        assert.equal((await get(app, shop, `/info/invoice/byid/?id=${id}`)).body, notFound, id);
        assert.equal((await post(app, shop, '/change/invoice/send/', { token, id })).body, notFound, id);
        assert.equal((await post(app, shop, '/change/invoice/revoke/', { token, id })).body, notFound, id);
      }
      assert.equal((await get(app, rival, `/info/invoice/byid/?id=${res.invoice_id}`)).body, notFound);
      assert.equal(
        (await post(app, rival, '/change/invoice/revoke/', { token: rivalToken, id: res.invoice_id })).body,
        notFound,
      );
    });

    it('revokes an unpaid invoice (it then shows as expired); a second revoke fails', async () => {
      const res = await made({ pay_amount: '10' });
      const revoked = await post(app, shop, '/change/invoice/revoke/', { token, id: res.invoice_id });
      assert.equal(revoked.body, '{"result":"success"}');
      assert.equal((await byId(res.invoice_id)).status, 'expired');
      assert.equal(
        (await post(app, shop, '/change/invoice/revoke/', { token, id: res.invoice_id })).json().result,
        'fail',
      );
      const bad = await post(app, shop, '/change/invoice/revoke/', { token: 'wrong', id: res.invoice_id });
      assert.equal(bad.json().error_code, 67);
    });

    it('records the cabinet user who made an invoice', async () => {
      const res = await preview({ pay_amount: '10' }, operator);
      const doc = await byId(res.json().invoice_id);
      assert.equal(doc.user_login, operator.login);
      assert.match(doc.user_id, /^[1-9][0-9]*$/);
    });
  });
}

const basicOf = (who: Login) => ({
  authorization: `Basic ${Buffer.from(`${who.login}:${who.password}`).toString('base64')}`,
});
