import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PaymentStatus } from '../../src/domain/states.ts';
import type { CreatePaymentCmd } from '../../src/engine/payments.ts';
import { buildApp } from '../../src/web/app.ts';
import { assertLedgerBalanced, cards, merchant, payment } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { artifacts, freePort, launchChromium, skip } from './chromium.ts';

/**
 * The hosted payment page in a real browser: Debian's Chromium driven by playwright-core,
 * against the real app listening on a local port, with the merchant's return URLs pointing at
 * a tiny local "shop". Each case ends with the payment's state read from the engine and the
 * browser standing on the right shop page. Screenshots go to test-artifacts/.
 *
 * SQLite only: the engine underneath runs on both databases in test/engine and test/web/pages*,
 * the browser adds nothing database-specific, and on both it took ~55 s of a 2-core `npm test`
 * (doubling the whole run).
 */
describe('hosted payment page in Chromium (SQLite)', { skip }, () => {
  let gw: TestGateway;
  let app: FastifyInstance;
  let shop: Server;
  let shopUrl: string;
  let base: string;
  let browser: Browser;
  let m: bigint;

  before(async () => {
    shop = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Shop</title><h1 id="shop">${req.url?.replace(/[<>&"]/g, '')}</h1>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gw = await testGateway('sqlite', { config: { publicUrl: base } });
    app = await buildApp(gw);
    await app.listen({ port, host: '127.0.0.1' });
    m = await merchant(gw.engine, 'Магазин «Ромашка»');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await gw?.close();
    await new Promise((resolve) => shop?.close(resolve));
  });

  const returnUrls = () => ({
    success: `${shopUrl}/ok`,
    fail: `${shopUrl}/fail`,
    cancel: `${shopUrl}/cancel`,
  });

  const newPayment = (more: Partial<CreatePaymentCmd> = {}) =>
    payment(gw.engine, m, {
      amountMinor: 1205_98n,
      description: 'Заказ №1024: чай и кофе',
      returnUrls: returnUrls(),
      testMode: true,
      ...more,
    });

  async function open(
    publicId: string,
    options: { locale?: string; mobile?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page; seen: string[] }> {
    const context = await browser.newContext({
      locale: options.locale ?? 'ru-RU',
      viewport: options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      ...(options.mobile && { isMobile: true, hasTouch: true }),
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen: string[] = [];
    page.on('request', (r) => seen.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.goto(`${base}/pay/${publicId}`);
    return { context, page, seen };
  }

  async function fillCard(page: Page, pan: string) {
    await page.locator('#pan').pressSequentially(pan);
    await page.locator('#exp').pressSequentially('1230');
    await page.fill('#cvc', pan.startsWith('37') ? '1234' : '123');
    await page.fill('#holder', 'ivan ivanov');
  }

  async function expectEnd(page: Page, paymentId: bigint, status: PaymentStatus, shopPath: string) {
    await page.waitForURL(`${shopUrl}${shopPath}`, { timeout: 15_000 });
    assert.equal(await page.textContent('#shop'), shopPath);
    assert.equal((await gw.engine.getPayment({ id: paymentId }))!.status, status);
    await assertLedgerBalanced(gw.engine);
  }

  test('an approved card: live formatting, brand, then success and back to the shop', async () => {
    const p = await newPayment();
    const { context, page } = await open(p.publicId);
    await page.screenshot({ path: new URL('pay-form-desktop.png', artifacts).pathname, fullPage: true });
    await fillCard(page, '4111111111111111');
    assert.equal(await page.inputValue('#pan'), '4111 1111 1111 1111');
    assert.equal(await page.inputValue('#exp'), '12/30');
    assert.equal(await page.getAttribute('#brand', 'data-brand'), 'visa');
    assert.equal(await page.inputValue('#holder'), 'IVAN IVANOV');
    await page.click('#pay');
    await page.waitForSelector('#result[data-status="captured"]');
    await page.screenshot({ path: new URL('pay-success.png', artifacts).pathname });
    await expectEnd(page, p.id, 'captured', '/ok');
    await context.close();
  });

  test('the form on a phone, and client-side checks beside the fields', async () => {
    const p = await newPayment();
    const { context, page, seen } = await open(p.publicId, { mobile: true });
    await page.screenshot({ path: new URL('pay-form-mobile.png', artifacts).pathname, fullPage: true });
    await page.click('#pay');
    assert.equal(await page.textContent('#pan-error'), 'Заполните это поле.');
    assert.equal(await page.getAttribute('#pan', 'aria-invalid'), 'true');
    assert.ok(await page.isVisible('#form-error'));
    await page.locator('#pan').pressSequentially('4111111111111112');
    await page.locator('#exp').click();
    assert.equal(await page.textContent('#pan-error'), 'Проверьте номер карты.');
    await page.screenshot({
      path: new URL('pay-form-errors-mobile.png', artifacts).pathname,
      fullPage: true,
    });
    assert.ok(!seen.some((r) => r.startsWith('POST')), 'nothing was sent');
    await context.close();
  });

  test('3-D Secure 2 challenge: 3DS Method in a hidden frame, the code from [data-otp], success', async () => {
    const p = await newPayment();
    const { context, page, seen } = await open(p.publicId);
    await fillCard(page, cards.threeDsV2Challenge);
    await page.click('#pay');
    await page.waitForURL(`${base}/acs/v2`);
    await page.waitForSelector('#otp');
    await page.screenshot({ path: new URL('acs-v2-desktop.png', artifacts).pathname, fullPage: true });
    const method = seen.indexOf('POST /acs/v2/method');
    const notified = seen.indexOf(`POST /pay/${p.publicId}/3ds/method`);
    const challenge = seen.indexOf('POST /acs/v2');
    assert.ok(method >= 0 && notified > method && challenge > notified, seen.join('\n'));
    assert.equal(await page.getAttribute('#otp', 'autocomplete'), 'one-time-code');
    const otp = (await page.getAttribute('[data-otp]', 'data-otp'))!;
    await page.fill('#otp', otp);
    await page.click('#acs-submit');
    await page.waitForSelector('#result[data-status="captured"]');
    assert.ok(seen.includes(`POST /pay/${p.publicId}/3ds`), 'cres came back to the notification URL');
    await expectEnd(page, p.id, 'captured', '/ok');
    await context.close();
  });

  test('3-D Secure 1 on a phone, in English: PaReq to the ACS, PaRes back to TermUrl', async () => {
    const p = await newPayment();
    const { context, page, seen } = await open(p.publicId, { locale: 'en-US', mobile: true });
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await fillCard(page, cards.threeDsV1);
    await page.click('#pay');
    await page.waitForURL(`${base}/acs/v1`);
    await page.screenshot({ path: new URL('acs-v1-mobile.png', artifacts).pathname, fullPage: true });
    await page.fill('#otp', (await page.getAttribute('[data-otp]', 'data-otp'))!);
    await page.click('#acs-submit');
    await page.waitForSelector('#result[data-status="captured"]');
    assert.equal(await page.textContent('#result'), 'Payment successful');
    assert.ok(seen.includes(`POST /pay/${p.publicId}/3ds`));
    await expectEnd(page, p.id, 'captured', '/ok');
    await context.close();
  });

  test('a declined card, then a good one: reason and attempts left, number not kept', async () => {
    const p = await newPayment();
    const { context, page } = await open(p.publicId);
    await fillCard(page, cards.insufficientFunds);
    await page.click('#pay');
    await page.waitForSelector('#decline');
    assert.match((await page.textContent('#decline'))!, /Недостаточно средств на карте\./);
    assert.equal(await page.getAttribute('#attempts-left', 'data-attempts-left'), '2');
    assert.equal(await page.inputValue('#pan'), '', 'the number is not sent back');
    assert.equal(await page.inputValue('#cvc'), '');
    assert.ok(!(await page.content()).includes('4000000000009995'));
    await page.screenshot({ path: new URL('pay-declined.png', artifacts).pathname, fullPage: true });
    assert.equal((await gw.engine.getPayment({ id: p.id }))!.status, 'created');
    await fillCard(page, cards.mastercard);
    assert.equal(await page.getAttribute('#brand', 'data-brand'), 'mastercard');
    await page.click('#pay');
    await page.waitForSelector('#result[data-status="captured"]');
    await expectEnd(page, p.id, 'captured', '/ok');
    await context.close();
  });

  test('cancel: the payment is canceled and the payer is back at the shop', async () => {
    const p = await newPayment();
    const { context, page } = await open(p.publicId);
    await page.click('#cancel');
    await expectEnd(page, p.id, 'canceled', '/cancel');
    await context.close();
  });

  test('an expired payment says so and sends the payer to the fail URL', async () => {
    const p = await newPayment({ expiresAt: new Date(gw.clock.ms + 60_000) });
    gw.clock.advance(61_000);
    const { context, page } = await open(p.publicId);
    await page.waitForSelector('#result[data-status="expired"]');
    assert.equal(await page.textContent('#result'), 'Время на оплату истекло');
    await page.screenshot({ path: new URL('pay-expired.png', artifacts).pathname });
    await expectEnd(page, p.id, 'expired', '/fail');
    await context.close();
  });
});
