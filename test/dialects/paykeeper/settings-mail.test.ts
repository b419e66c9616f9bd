import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../../src/delivery/email/catch-all.ts';
import { createEmailDelivery } from '../../../src/delivery/email/index.ts';
import { organizationRouteOf } from '../../../src/delivery/email/organization-route.ts';
import { routeFromUrl } from '../../../src/delivery/email/smtp.ts';
import { reportEmailEvent } from '../../../src/dialects/paykeeper/reports.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { Secret } from '../../../src/security/secret.ts';
import { newMasterKey, Vault } from '../../../src/security/vault.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { paid } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { get, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/**
 * The organization's own SMTP settings (5.1 `smtp_*`) carry its next e-mail, and its report
 * list (5.3/5.4) hears of every accepted payment, over that same path: two catch-all SMTP
 * servers, the gateway's (`SMTP_URL`) and the organization's, tell which route a message took.
 */

describe('the organization’s SMTP route', () => {
  const gateway = routeFromUrl('smtp://127.0.0.1:2525', 'noreply@kopek.test');
  const password = new Secret('p');
  it('ssl:// and port 465 mean TLS from the first byte; the login is the sender when an address', () => {
    assert.deepEqual(
      organizationRouteOf({ host: 'ssl://smtp.yandex.ru', port: 465, user: 'me@ya.ru', password }, gateway),
      { host: 'smtp.yandex.ru', port: 465, security: 'tls', from: 'me@ya.ru', login: 'me@ya.ru', password },
    );
    assert.equal(
      organizationRouteOf({ host: 'tls://mx.ru', port: null, user: null, password: null }, gateway).port,
      465,
    );
    assert.equal(
      organizationRouteOf({ host: 'mx.ru', port: 465, user: null, password: null }, gateway).security,
      'tls',
    );
  });
  it('a bare host on another port upgrades when offered; no address login keeps the gateway’s sender', () => {
    const route = organizationRouteOf({ host: 'mx.ru', port: null, user: 'login', password: null }, gateway);
    assert.deepEqual(route, {
      host: 'mx.ru',
      port: 587,
      security: 'opportunistic',
      from: 'noreply@kopek.test',
      login: 'login',
    });
  });
});

for (const flavor of await testFlavors()) {
  describe(`PayKeeper SMTP settings and report mailing on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let gatewaySmtp: CatchAllSmtp;
    let ownSmtp: CatchAllSmtp;
    let shop: PkCreds;
    let orders = 0;

    before(async () => {
      gatewaySmtp = await startCatchAllSmtp();
      ownSmtp = await startCatchAllSmtp();
      const delivery = createEmailDelivery({
        smtpUrl: gatewaySmtp.url,
        from: 'noreply@kopek.test',
        timeoutMs: 2000,
      });
      gw = await testGateway(flavor, { email: { delivery, close: async () => {} } });
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'ООО «Ромашка»');
    });
    after(async () => {
      await app.close();
      await gw.close();
      await gatewaySmtp.close();
      await ownSmtp.close();
    });
    beforeEach(async () => {
      gw.clock.advance(3_600_000);
      await deliverAll();
      gatewaySmtp.clear();
      ownSmtp.clear();
    });

    async function deliverAll() {
      for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce());
    }
    const change = async (url: string, fields: Record<string, string>) => {
      const res = await post(app, shop, url, { token: await tokenOf(app, shop), ...fields });
      assert.deepEqual(res.json(), { result: 'success' }, res.body);
    };
    const setting = (name: string, value: string) => change('/change/organization/setting/', { name, value });
    const sendInvoice = async (email: string) => {
      const token = await tokenOf(app, shop);
      const made = await post(app, shop, '/change/invoice/preview/', {
        token,
        pay_amount: '150',
        client_email: email,
      });
      const { invoice_id } = made.json();
      const sent = await post(app, shop, '/change/invoice/send/', { token, id: invoice_id });
      assert.deepEqual(sent.json(), { result: 'success' }, sent.body);
      await deliverAll();
    };
    const recipients = (smtp: CatchAllSmtp) =>
      smtp
        .messages()
        .flatMap((m) => m.envelope.to)
        .sort();

    it('an invoice goes over the gateway’s server, then over the organization’s once set, then back', async () => {
      await sendInvoice('first@payer.test');
      assert.deepEqual(recipients(gatewaySmtp), ['first@payer.test']);
      assert.equal(ownSmtp.messages().length, 0);

      await setting('smtp_host', '127.0.0.1');
      await setting('smtp_port', String(ownSmtp.port));
      await setting('smtp_user', 'bills@romashka.test');
      await setting('smtp_password', 'секрет-1');
      await sendInvoice('second@payer.test');
      assert.deepEqual(
        recipients(gatewaySmtp),
        ['first@payer.test', 'second@payer.test'],
        'not custom yet: the gateway’s server',
      );
      assert.equal(ownSmtp.messages().length, 0);
      await setting('smtp_use_custom', 'true');
      await sendInvoice('third@payer.test');
      assert.deepEqual(recipients(ownSmtp), ['third@payer.test']);
      const [mail] = ownSmtp.messages();
      assert.equal(mail?.login, 'bills@romashka.test');
      assert.equal(mail?.envelope.from, 'bills@romashka.test');
      assert.ok(!gw.logs.join('').includes('секрет-1'), 'the password is never logged');

      await setting('smtp_use_custom', 'false');
      await sendInvoice('fourth@payer.test');
      assert.deepEqual(recipients(gatewaySmtp), [
        'first@payer.test',
        'fourth@payer.test',
        'second@payer.test',
      ]);
      assert.equal(ownSmtp.messages().length, 1);
    });

    const pkPaid = () =>
      paid(gw.engine, shop.merchantId, {
        origin: 'paykeeper',
        amountMinor: 10_050n,
        externalId: `report-${flavor}-${++orders}`,
        customer: { reference: 'Иван' },
        description: 'Заказ',
      });

    it('every report address hears of each accepted payment, over the organization’s server', async () => {
      await setting('smtp_use_custom', 'true');
      const none = await pkPaid();
      await deliverAll();
      assert.equal(ownSmtp.messages().length + gatewaySmtp.messages().length, 0, 'no list, no report');
      await change('/change/organization/addreportemail/', { email: 'boss@romashka.test' });
      await change('/change/organization/addreportemail/', { email: 'acc@romashka.test' });
      const p = await pkPaid();
      await deliverAll();
      assert.deepEqual(recipients(ownSmtp), ['acc@romashka.test', 'boss@romashka.test']);
      for (const m of ownSmtp.messages()) {
        assert.equal(m.parsed.subject, `Принят платёж №${p.id} на сумму 100.50 руб.`);
        assert.match(
          m.parsed.text ?? '',
          new RegExp(`Номер заказа \\(orderid\\): report-${flavor}-${orders}`),
        );
      }
      assert.ok(!recipients(ownSmtp).some((r) => r.includes(String(none.id))));
      const rows = await gw.database.db
        .selectFrom('outbox')
        .select(['notice'])
        .where('event', '=', reportEmailEvent)
        .where('ref_id', '=', p.id)
        .execute();
      assert.deepEqual(
        rows.map((r) => r.notice),
        ['delivered', 'delivered'],
      );

      // the informer sent again (2.9) does not report the payment again
      await change('/change/payment/repeatcnt/', { id: String(p.id) });
      await deliverAll();
      assert.equal(ownSmtp.messages().length, 2, 'reported once');

      // one address removed: the next payment reaches the other only; the gateway's server
      // once the organization stops using its own
      const list = (await get(app, shop, '/info/organization/reportemails/')).json();
      await change('/change/organization/deletereportemail/', { id: list[0].id });
      await setting('smtp_use_custom', 'false');
      ownSmtp.clear();
      await pkPaid();
      await deliverAll();
      assert.equal(ownSmtp.messages().length, 0);
      assert.deepEqual(recipients(gatewaySmtp), ['acc@romashka.test']);
    });

    it('a payment of another dialect is reported by that dialect, not by PayKeeper’s list', async () => {
      await paid(gw.engine, shop.merchantId, { amountMinor: 500n, externalId: `other-${flavor}` });
      await deliverAll();
      assert.equal(gatewaySmtp.messages().length + ownSmtp.messages().length, 0);
    });

    // last: the gateway's own engine has only the old key afterwards
    it('the SMTP password and the seed survive a master key rotation', async () => {
      await setting('smtp_password', 'ротация-1');
      await setting('informer_seed', 'seed before rotation');
      const t1 = gw.config.keyring.keys.get('t1');
      assert.ok(t1);
      const t2 = newMasterKey();
      const both = createEngine({
        ...gw.engine.deps,
        vault: new Vault({
          activeKeyId: 't2',
          keys: new Map([
            ['t1', t1],
            ['t2', t2],
          ]),
        }),
      });
      await both.rotateKeys();
      const onlyT2 = createEngine({
        ...gw.engine.deps,
        vault: new Vault({ activeKeyId: 't2', keys: new Map([['t2', t2]]) }),
      });
      const secrets = await onlyT2.organizationSecrets(shop.merchantId);
      assert.equal(secrets.smtpPassword?.reveal(), 'ротация-1');
      assert.equal(secrets.informerSeed?.reveal(), 'seed before rotation');
    });
  });
}
