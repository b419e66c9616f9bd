import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { request } from 'undici';
import { buildApp } from '../../src/web/app.ts';
import { type PkCreds, pkMerchant } from '../dialects/paykeeper/helpers.ts';
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
 * A shop's PHP back end against Kopek's PayKeeper API, over real HTTP: it fetches a token and
 * sends it the way PHP clients do (an empty `token=` first, then the fetched one: the last key
 * wins), creates an invoice, a person pays it on the bill page in Chromium, the shop's informer
 * endpoint checks the `key` and answers `OK md5(id + seed)`, and the shop refunds part of it.
 */

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** What a PHP shop's `http_build_query` writes, with the repeated keys PHP clients really send. */
const phpForm = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

type Informed = { fields: URLSearchParams; answered: string };

/** The shop's informer endpoint, as in PayKeeper's PHP example: check the key, answer OK md5. */
async function shopInformer(seed: () => string) {
  const received: Informed[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const f = new URLSearchParams(body);
      const expected = md5(`${f.get('id')}${f.get('sum')}${f.get('clientid')}${f.get('orderid')}${seed()}`);
      const answered =
        f.get('key') === expected ? `OK ${md5(`${f.get('id')}${seed()}`)}` : 'Error! Hash mismatch';
      received.push({ fields: f, answered });
      res.end(answered);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/paykeeper/callback.php`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

for (const flavor of await testFlavors()) {
  describe(`a PHP shop on Kopek's PayKeeper API, paid in Chromium, on ${flavor}`, { skip }, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let server: LocalServer;
    let browser: Browser;
    let shop: PkCreds;
    let informer: Awaited<ReturnType<typeof shopInformer>>;

    before(async () => {
      server = await listenFirst();
      informer = await shopInformer(() => shop.informer_seed);
      gw = await testGateway(flavor, { config: { publicUrl: server.url, resultRedirectSeconds } });
      app = await buildApp(gw);
      await server.serve(app);
      shop = await pkMerchant(gw.engine, 'Магазин на PHP', {
        informerUrl: informer.url,
        informerType: 'post',
      });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await app?.close();
      await gw?.close();
      await informer?.close();
    });

    /** The shop's HTTP client: Basic auth, urlencoded bodies, JSON answers. */
    const call = async (method: 'GET' | 'POST', path: string, pairs: [string, string][] = []) => {
      const auth = `Basic ${Buffer.from(`${shop.login}:${shop.password}`).toString('base64')}`;
      const res = await request(
        `${server.url}${path}${method === 'GET' && pairs.length ? `?${phpForm(pairs)}` : ''}`,
        {
          method,
          headers: {
            authorization: auth,
            ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(method === 'POST' ? { body: phpForm(pairs) } : {}),
        },
      );
      const text = await res.body.text();
      assert.equal(res.statusCode, 200, text);
      assert.doesNotMatch(text, /[^\x20-\x7e]/, 'PHP json_encode escapes: the body is ASCII');
      return JSON.parse(text);
    };

    /** A calendar day around the gateway's clock, as the shop's date picker sends it. */
    const dayOf = (offset: number) =>
      new Date(gw.clock.now().getTime() + offset * 86_400_000).toISOString().slice(0, 10);

    test('invoice → bill page in Chromium → informer answered OK md5 → partial refund', async () => {
      // An empty token first (a PHP client before it has one) is error 67, HTTP 200.
      const refused = await call('POST', '/change/invoice/preview/', [
        ['token', ''],
        ['pay_amount', '1205.98'],
      ]);
      assert.deepEqual(refused, { result: 'fail', msg: 'Токен безопасности не верен.', error_code: 67 });
      const { token } = await call('GET', '/info/settings/token/');
      assert.match(token, /^[0-9a-f]{32}$/);

      const orderid = `order-${flavor}-1`;
      const preview = await call('POST', '/change/invoice/preview/', [
        ['pay_amount', '1205.98'],
        ['clientid', 'Иван Петров'],
        ['orderid', orderid],
        ['client_email', 'ivan@example.ru'],
        ['service_name', 'Заказ №1'],
        ['token', ''],
        ['token', token], // the last key wins, as in PHP
      ]);
      assert.match(preview.invoice_id, /^\d{17,19}$/);
      assert.equal(preview.invoice_url, `${server.url}/bill/${preview.invoice_id}/`);

      const context = await browser.newContext({ locale: 'ru-RU' });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(preview.invoice_url);
      assert.match((await page.textContent('body')) ?? '', /1[\s\u00a0]?205[.,]98/);
      await page.locator('#pan').pressSequentially(cards.approved);
      await page.locator('#exp').pressSequentially(cardExpiry(gw.clock.now()));
      await page.fill('#cvc', '123');
      await page.locator('#holder').pressSequentially('ivan petrov');
      await page.click('#pay');
      await page.waitForSelector('#result[data-status="captured"]');
      await page.screenshot({ path: new URL(`paykeeper-shop-paid-${flavor}.png`, artifacts).pathname });
      await context.close();

      const invoice = await call('GET', '/info/invoice/byid/', [['id', preview.invoice_id]]);
      assert.equal(invoice.status, 'paid');
      const paymentId: string = invoice.paymentid;
      assert.match(paymentId, /^[1-9]\d*$/);

      // The informer: one signed form to the shop, accepted by its OK md5 answer.
      await gw.worker.runOnce();
      assert.equal(informer.received.length, 1);
      const [told] = informer.received;
      assert.equal(told!.fields.get('id'), paymentId);
      assert.equal(told!.fields.get('sum'), '1205.98');
      assert.equal(told!.fields.get('orderid'), orderid);
      assert.equal(told!.answered, `OK ${md5(`${paymentId}${shop.informer_seed}`)}`);
      const [paid] = await call('GET', '/info/payments/byid/', [['id', paymentId]]);
      assert.equal(paid.status, 'success', 'informed: success');
      const systems: { id: string }[] = await call('GET', '/info/systems/list/');
      const listed = await call('GET', '/info/payments/bydate/', [
        ...systems.map(({ id }): [string, string] => ['payment_system_id[]', id]),
        ['start', dayOf(-1)],
        ['end', dayOf(1)],
        ['status[]', 'success'],
        ['status[]', 'stuck'],
        ['from', '0'],
        ['limit', '10'],
      ]);
      assert.ok(Array.isArray(listed), JSON.stringify(listed));
      assert.deepEqual(
        listed.map((p: { id: string }) => p.id),
        [paymentId],
      );

      // Part of it back, as the shop's admin page does it.
      const reversed = await call('POST', '/change/payment/reverse/', [
        ['id', paymentId],
        ['amount', '205.98'],
        ['partial', 'true'],
        ['token', token],
      ]);
      assert.equal(reversed.result, 'success', JSON.stringify(reversed));
      const [after] = await call('GET', '/info/payments/byid/', [['id', paymentId]]);
      assert.equal(after.status, 'partially_refunded');
      const refunds = await call('GET', '/info/refunds/bypaymentid/', [['id', paymentId]]);
      assert.equal(refunds.length, 1);
      assert.equal(refunds[0].amount, '205.98');
      await assertLedgerBalanced(gw.engine);
    });
  });
}
