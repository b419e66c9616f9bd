import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../src/web/app.ts';
import {
  basicAuth,
  callbackReceiver,
  createInvoiceViaApi,
  paymegaMerchant,
} from '../dialects/paymega/helpers.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced } from '../helpers/fixtures.ts';
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
 * Issue #4 end to end, as a merchant integration sees it: an invoice created through the
 * Paymega private API, paid by a person in Chromium on the page `flow_data` points at, and
 * the signed callback received on the merchant's own HTTP server. On both databases.
 */
const signature = (secret: string, body: string) =>
  createHash('sha1')
    .update(secret + body + secret)
    .digest('base64');

for (const flavor of await testFlavors()) {
  describe(`Paymega invoice paid in Chromium on ${flavor}`, { skip }, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let server: LocalServer;
    let browser: Browser;
    let receiver: Awaited<ReturnType<typeof callbackReceiver>>;

    before(async () => {
      server = await listenFirst();
      // The result page would send the payer on to return_url (a dead port) after this long.
      gw = await testGateway(flavor, { config: { publicUrl: server.url, resultRedirectSeconds } });
      app = await buildApp(gw);
      await server.serve(app);
      receiver = await callbackReceiver();
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await receiver?.close();
      await server?.close();
      await app?.close();
      await gw?.close();
    });

    test('create by API, pay on the page, receive the signed callback, read it back', async () => {
      const creds = await paymegaMerchant(gw.engine, 'Paymega shop');
      const invoice = await createInvoiceViaApi(app, creds, {
        amount: 12.5,
        currency: 'USD',
        callback_url: receiver.url,
        return_url: 'http://127.0.0.1:9/back',
      });
      assert.equal(invoice.document.data.attributes.status, 'process_pending');
      assert.match(invoice.pageUrl, new RegExp(`/pay/${invoice.publicId}$|cpi=${invoice.id}$`));

      const context = await browser.newContext({ locale: 'en-US' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(invoice.pageUrl);
      assert.match((await page.textContent('body')) ?? '', /12\.50/);
      await page.locator('#pan').pressSequentially('4111111111111111');
      await page.locator('#exp').pressSequentially(cardExpiry(gw.clock.now()));
      await page.fill('#cvc', '123');
      await page.locator('#holder').pressSequentially('john doe');
      await page.click('#pay');
      await page.waitForSelector('#result[data-status="captured"]');
      await page.screenshot({ path: new URL(`paymega-paid-${flavor}.png`, artifacts).pathname });
      await context.close();

      for (let i = 0; i < 5 && !receiver.received.some((r) => r.body.includes('"processed"')); i++)
        await gw.worker.runOnce();
      const processed = receiver.received.find(
        (r) => JSON.parse(r.body).data.attributes.status === 'processed',
      );
      assert.ok(
        processed,
        `a callback for the processed invoice; got ${receiver.received.map((r) => r.body).join('\n')}`,
      );
      assert.equal(processed.headers['x-signature'], signature(creds.secret_key, processed.body));
      assert.equal(processed.headers['content-type']?.split(';')[0], 'application/json');
      const doc = JSON.parse(processed.body).data;
      assert.equal(doc.id, invoice.id);
      assert.equal(doc.attributes.amount, 12.5);
      assert.ok(!processed.body.includes('4111111111111111'), 'no card number in the callback');

      const read = await app.inject({
        method: 'GET',
        url: `/api/payment-invoices/${invoice.id}`,
        headers: basicAuth(creds),
      });
      assert.equal(read.statusCode, 200);
      const attrs = read.json().data.attributes;
      assert.equal(attrs.status, 'processed');
      assert.equal(attrs.resolution, 'ok');
      assert.equal(attrs.payload.payment_card.mask, '411111******1111');
      assert.equal(attrs.payload.payment_card.holder, 'JOHN DOE');
      assert.ok(Object.keys(attrs.callback_logs ?? {}).length >= 1, 'the delivery is logged on the invoice');
      await assertLedgerBalanced(gw.engine);
    });
  });
}
