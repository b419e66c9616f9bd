import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../src/delivery/email/catch-all.ts';
import { createEmailDelivery } from '../../src/delivery/email/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { get, type PkCreds, pkMerchant, post, tokenOf } from '../dialects/paykeeper/helpers.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, cards } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import {
  artifacts,
  cardExpiry,
  type LocalServer,
  launchChromium,
  listenFirst,
  resultRedirectSeconds,
  skip,
} from './chromium.ts';

/**
 * A PayKeeper invoice end to end: made by the API, e-mailed over SMTP, its link read from the
 * real message, paid by a person in Chromium on the bill page with a 3-D Secure 2 challenge,
 * and then `paid` through the API. On both databases.
 */
for (const flavor of await testFlavors()) {
  describe(`PayKeeper invoice paid on its bill page in Chromium on ${flavor}`, { skip }, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let server: LocalServer;
    let smtp: CatchAllSmtp;
    let browser: Browser;
    let shop: PkCreds;

    before(async () => {
      server = await listenFirst();
      smtp = await startCatchAllSmtp();
      const email = createEmailDelivery({ smtpUrl: smtp.url, from: 'bills@kopek.test' });
      gw = await testGateway(flavor, {
        config: { publicUrl: server.url, resultRedirectSeconds },
        handlers: new Map([[email.channel, email.handler]]),
      });
      app = await buildApp(gw);
      await server.serve(app);
      shop = await pkMerchant(gw.engine, 'Книжная лавка');
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await app?.close();
      await gw?.close();
      await smtp?.close();
    });

    test('preview, e-mail, the link from the message, 3-D Secure on the payment page, paid', async () => {
      const token = await tokenOf(app, shop);
      const cart = JSON.stringify([
        { name: 'Книга', price: '450.00', quantity: 1, sum: '450.00', tax: 'vat10' },
      ]);
      const preview = await post(app, shop, '/change/invoice/preview/', {
        token,
        pay_amount: '450',
        orderid: `book-${flavor}`,
        client_email: 'reader@example.ru',
        service_name: JSON.stringify({ service_name: 'Заказ книги', cart, lang: 'ru' }),
      });
      const { invoice_id: id, invoice_url: url } = preview.json();
      assert.equal(url, `${server.url}/bill/${id}/`);
      assert.deepEqual((await post(app, shop, '/change/invoice/send/', { token, id })).json(), {
        result: 'success',
      });
      await gw.worker.runOnce();
      const mail = smtp.messages().at(-1);
      assert.ok(mail, 'the invoice was e-mailed');
      const link = /Оплатить: (\S+)/.exec(String(mail.parsed.text))?.[1];
      assert.equal(link, url, 'the e-mail links to the bill page');

      const context = await browser.newContext({ locale: 'ru-RU' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(link!);
      assert.match(
        new URL(page.url()).pathname,
        /^\/pay\/[A-Za-z0-9]+$/,
        'the bill page leads to the payment page',
      );
      assert.match((await page.textContent('body')) ?? '', /450[.,]00/);
      await page.locator('#pan').pressSequentially(cards.threeDsV2Challenge);
      await page.locator('#exp').pressSequentially(cardExpiry(gw.clock.now()));
      await page.fill('#cvc', '123');
      await page.locator('#holder').pressSequentially('ivan ivanov');
      await page.click('#pay');
      await page.waitForURL(`${server.url}/acs/v2`);
      await page.fill('#otp', (await page.getAttribute('[data-otp]', 'data-otp'))!);
      await page.click('#acs-submit');
      await page.waitForSelector('#result[data-status="captured"]');
      await page.screenshot({ path: new URL(`paykeeper-bill-paid-${flavor}.png`, artifacts).pathname });
      await context.close();

      const doc = (await get(app, shop, `/info/invoice/byid/?id=${id}`)).json();
      assert.equal(doc.status, 'paid');
      assert.match(doc.paymentid, /^[1-9][0-9]*$/);
      assert.match(doc.paid_datetime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const listed = (await get(app, shop, '/info/invoice/list/?status[]=paid&from=0&limit=10')).json();
      assert.deepEqual(
        listed.map((r: { id: string }) => r.id),
        [id],
      );
      await assertLedgerBalanced(gw.engine);
    });
  });
}
