import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../../src/delivery/email/catch-all.ts';
import { createEmailDelivery } from '../../../src/delivery/email/index.ts';
import {
  informerEmail,
  informerEmailEvent,
  informerStateOf,
} from '../../../src/dialects/paykeeper/informer.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { paid, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/**
 * `informer_type = email`: the facts of a paid payment go to the organization's address as an
 * e-mail through the `email` channel (here registered by the test with the catch-all server,
 * as the runtime will), and the payment's informer state follows that e-mail.
 */
describe('the e-mail informer’s message', () => {
  it('an organization name with a line break still gives a valid sender name', () => {
    const form = {
      id: '7',
      sum: '1.00',
      clientid: '',
      orderid: '',
      key: '0'.repeat(32),
      service_name: '',
      client_email: '',
      client_phone: '',
      ps_id: '0',
      card_number: '',
      card_holder: '',
      obtain_datetime: '2026-11-23 12:00:00',
    };
    const n = informerEmail(form, 'a@b.test', 'ООО\r\nBcc: x@evil.test', new Date(0));
    assert.equal(n.payload.fromName, 'ООО  Bcc: x@evil.test');
  });
});

for (const flavor of await testFlavors()) {
  describe(`PayKeeper e-mail informer on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let smtp: CatchAllSmtp;
    let shop: PkCreds;

    before(async () => {
      smtp = await startCatchAllSmtp();
      const email = createEmailDelivery({ smtpUrl: `${smtp.url}?from=noreply@kopek.test`, timeoutMs: 2000 });
      gw = await testGateway(flavor, { handlers: new Map([[email.channel, email.handler]]) });
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'ООО «Ромашка»', {
        informerType: 'email',
        supportEmail: 'orders@romashka.test',
        informerUrl: 'http://127.0.0.1:9/never-called',
      });
    });
    after(async () => {
      await app.close();
      await gw.close();
      await smtp.close();
    });
    beforeEach(async () => {
      gw.clock.advance(3 * 3_600_000);
      await deliverAll();
      smtp.clear();
    });

    async function deliverAll() {
      let total = 0;
      for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce()) total += n;
      return total;
    }
    let orders = 41;
    const pkPaid = (merchantId = shop.merchantId) =>
      paid(gw.engine, merchantId, {
        origin: 'paykeeper',
        amountMinor: 500_00n,
        externalId: String(++orders),
        customer: { reference: 'Ivan <script>', email: 'ivan@example.ru' },
        description: 'Подписка на месяц',
      });
    const stateOf = async (id: bigint, merchantId = shop.merchantId) =>
      (await informerStateOf(gw.engine, merchantId, [id])).get(id);

    it('the same facts are e-mailed, in both parts, and the payment is informed once the mail is sent', async () => {
      const p = await pkPaid();
      assert.equal(await deliverAll(), 2, 'the informer row, then the e-mail it queued');
      const mails = smtp.messages();
      assert.equal(mails.length, 1);
      const { parsed, envelope } = mails[0]!;
      assert.deepEqual(envelope.to, ['orders@romashka.test']);
      assert.equal(parsed.subject, `Платёж №${p.id} на сумму 500.00 получен`);
      const text = parsed.text ?? '';
      for (const line of [
        `Номер платежа (id): ${p.id}`,
        'Сумма (sum): 500.00',
        'Плательщик (clientid): Ivan <script>',
        'Номер заказа (orderid): 42',
        'Услуга (service_name): Подписка на месяц',
        'E-mail (client_email): ivan@example.ru',
      ])
        assert.ok(text.includes(line), `text has "${line}"`);
      const html = String(parsed.html);
      assert.ok(html.includes('Ivan &#60;script&#62;'), 'values escaped in HTML');
      assert.ok(!html.includes('<script>'));
      assert.ok(!text.includes('key'), 'no signature in a mail');
      assert.deepEqual(await stateOf(p.id), {
        notice: 'delivered',
        attempts: 1,
        deliveredAt: gw.clock.now(),
      });

      const rows = await gw.database.db
        .selectFrom('outbox')
        .select(['channel', 'event', 'notice'])
        .where('ref_id', '=', p.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { channel: 'callback.paykeeper', event: 'payment.captured', notice: 'delivered' },
        { channel: 'email', event: informerEmailEvent, notice: 'delivered' },
      ]);
    });

    it('a refused e-mail leaves the payment stuck; repeatcnt mails it again', async () => {
      smtp.refuse({ to: 'orders@romashka.test', code: 550, message: 'Mailbox unavailable', times: 1 });
      const p = await pkPaid();
      await deliverAll();
      assert.equal(smtp.messages().length, 0);
      assert.equal((await stateOf(p.id))?.notice, 'exhausted', 'a 5xx is final: stuck');

      const res = await post(app, shop, '/change/payment/repeatcnt/', {
        id: p.id.toString(),
        token: await tokenOf(app, shop),
      });
      assert.deepEqual(res.json(), { result: 'success' });
      assert.equal((await stateOf(p.id))?.notice, 'queued');
      assert.equal(await deliverAll(), 2);
      assert.equal(smtp.messages().length, 1);
      assert.equal((await stateOf(p.id))?.notice, 'delivered');
    });

    it('the mode is read when sending: a POST informer switched to e-mail mails the next attempt', async () => {
      const switched = await pkMerchant(gw.engine, 'Switching shop', {
        informerType: 'post',
        informerUrl: 'http://127.0.0.1:9/closed-port',
        notificationEmail: 'owner@switching.test',
      });
      const p = await pkPaid(switched.merchantId);
      assert.equal(await deliverAll(), 1, 'the POST failed (nothing listens)');
      assert.equal((await stateOf(p.id, switched.merchantId))?.notice, 'queued');
      unwrap(await gw.engine.updateMerchantSettings(switched.merchantId, { informerType: 'email' }));
      gw.clock.advance(60_000);
      assert.equal(await deliverAll(), 2);
      assert.deepEqual(
        smtp.messages().map((m) => m.envelope.to),
        [['owner@switching.test']],
        'no support e-mail set: the notification address',
      );
      assert.equal((await stateOf(p.id, switched.merchantId))?.notice, 'delivered');
    });

    it('e-mail mode without any address is a failed attempt, retried until one is set', async () => {
      const blind = await pkMerchant(gw.engine, 'Blind shop', { informerType: 'email' });
      const p = await pkPaid(blind.merchantId);
      assert.equal(await deliverAll(), 1);
      const [attempt] = await gw.database.db
        .selectFrom('delivery_attempts as a')
        .innerJoin('outbox as o', 'o.id', 'a.outbox_id')
        .select(['a.delivered', 'a.error'])
        .where('o.ref_id', '=', p.id)
        .execute();
      assert.equal(attempt?.delivered, 0n);
      assert.match(attempt?.error ?? '', /no e-mail address/);
      unwrap(await gw.engine.updateMerchantSettings(blind.merchantId, { supportEmail: 'blind@shop.test' }));
      gw.clock.advance(60_000);
      assert.equal(await deliverAll(), 2);
      assert.deepEqual(smtp.messages().at(-1)?.envelope.to, ['blind@shop.test']);
    });
  });
}
