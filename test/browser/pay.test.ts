import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PaymentStatus } from '../../src/domain/states.ts';
import type { CreatePaymentCmd } from '../../src/engine/payments/create-store.ts';
import { buildApp } from '../../src/web/app.ts';
import { assertLedgerBalanced, cards, merchant, payment } from '../helpers/fixtures.ts';
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
  let server: LocalServer;
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

    server = await listenFirst();
    base = server.url;
    gw = await testGateway('sqlite', { config: { publicUrl: base, resultRedirectSeconds } });
    app = await buildApp(gw);
    await server.serve(app);
    m = await merchant(gw.engine, 'Магазин «Ромашка»');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
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

  /** What `fillCard` types into the expiry field, and what the field then shows. */
  const expiry = () => {
    const digits = cardExpiry(gw.clock.now());
    return { digits, shown: `${digits.slice(0, 2)}/${digits.slice(2)}` };
  };

  /** Key by key, as a payer types: the live formatting runs on every keystroke. */
  async function fillCard(page: Page, pan: string, holder = 'ivan ivanov') {
    await page.locator('#pan').pressSequentially(pan);
    await page.locator('#exp').pressSequentially(expiry().digits);
    await page.fill('#cvc', pan.startsWith('37') ? '1234' : '123');
    await page.locator('#holder').pressSequentially(holder);
  }

  /**
   * The result page names the shop page it sends the payer back to (after a delay the suite
   * sets long, so no check races it); following the link gets there deterministically. A
   * cancel has no result page: its answer is the redirect.
   */
  async function expectEnd(
    page: Page,
    paymentId: bigint,
    status: PaymentStatus,
    shopPath: string,
    { resultPage = true } = {},
  ) {
    if (resultPage) {
      const refresh = await page.getAttribute('meta[http-equiv="refresh"]', 'content');
      assert.equal(refresh, `${resultRedirectSeconds};url=${shopUrl}${shopPath}`);
      await page.click('#return');
    }
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
    assert.equal(await page.inputValue('#exp'), expiry().shown);
    assert.equal(await page.getAttribute('#brand', 'data-brand'), 'visa');
    assert.equal(await page.inputValue('#holder'), 'IVAN IVANOV', 'typed key by key, in order');
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
    assert.equal(await page.evaluate('document.activeElement.id'), 'decline', 'the decline has focus');
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

  test('holder typed with accents and a caret moved back: shown upper-cased in place, sent without accents', async () => {
    const p = await newPayment();
    const { context, page } = await open(p.publicId, { locale: 'en-US' });
    await fillCard(page, cards.insufficientFunds, 'josé müller');
    assert.equal(await page.inputValue('#holder'), 'JOSÉ MÜLLER');
    // A letter typed in the middle stays where it was typed, and so does the caret.
    await page.locator('#holder').press('Home');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.type('e');
    await page.keyboard.type('x');
    assert.equal(await page.inputValue('#holder'), 'JOSÉEX MÜLLER');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Backspace');
    await page.locator('#cvc').click();
    assert.equal(await page.textContent('#holder-error'), '', 'accepted in the browser');
    await page.click('#pay');
    await page.waitForSelector('#decline');
    assert.equal((await gw.engine.getPayment({ id: p.id }))!.card?.holder, 'JOSE MULLER');
    await context.close();
  });

  test('a long description on a phone: clamped, the form on the first screen, the whole text one tap away', async () => {
    const description = `${'Заказ: чай улун, кофе, печенье; '.repeat(40)}`.slice(0, 1024);
    const p = await newPayment({ description });
    const { context, page } = await open(p.publicId, { mobile: true });
    const viewport = page.viewportSize()!;
    const pan = (await page.locator('#pan').boundingBox())!;
    assert.ok(
      pan.y + pan.height <= viewport.height,
      `the card number field at ${pan.y}px is on the first screen`,
    );
    await page.screenshot({ path: new URL('pay-long-description-mobile.png', artifacts).pathname });
    assert.equal(await page.isVisible('#description-full'), false);
    await page.click('#description summary');
    assert.equal(await page.isVisible('#description-full'), true);
    assert.equal((await page.textContent('#description-full'))?.trim(), description.trim());
    await context.close();
  });

  test('back from the bank with the back button: the 3-DS page waits instead of bouncing, and cancel works', async () => {
    const p = await newPayment();
    const { context, page } = await open(p.publicId);
    await fillCard(page, cards.threeDsV1);
    await page.click('#pay');
    await page.waitForURL(`${base}/acs/v1`);
    await page.goBack();
    await page.waitForSelector('#tds-continue');
    await page.waitForTimeout(500); // what a bounce would need to leave
    assert.equal(new URL(page.url()).pathname, `/pay/${p.publicId}`, 'still on the 3-DS page');
    await page.click('#cancel');
    await expectEnd(page, p.id, 'canceled', '/cancel', { resultPage: false });
    await context.close();
  });

  test('cancel: the payment is canceled and the payer is back at the shop', async () => {
    const p = await newPayment();
    const { context, page } = await open(p.publicId);
    await page.click('#cancel');
    await expectEnd(page, p.id, 'canceled', '/cancel', { resultPage: false });
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
