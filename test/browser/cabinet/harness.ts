import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildCabinet } from '../../../scripts/build.mjs';
import { cabinetStaleness } from '../../../scripts/freshness.mjs';
import type { Config } from '../../../src/config.ts';
import type { DeliveryHandler } from '../../../src/delivery/worker.ts';
import type { Origin, Payment } from '../../../src/engine/payments/view.ts';
import type { Flavor } from '../../../src/store/database.ts';
import { buildApp } from '../../../src/web/app.ts';
import type { PkCreds } from '../../dialects/paykeeper/helpers.ts';
import { pkMerchant } from '../../dialects/paykeeper/helpers.ts';
import { card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { artifacts, type LocalServer, launchChromium, listenFirst } from '../chromium.ts';

/**
 * The cabinet's browser harness, for every cabinet suite (tabs, invoices, settings, rights):
 * a gateway on a fresh database behind a real port, one merchant with an admin and a clerk
 * who may not refund, payments made through each of the three dialects (PayKeeper, ImPay,
 * Paymega) on known Moscow days, Debian's Chromium, and pages logged in as a user would be.
 *
 *   const cab = await startCabinet(flavor);
 *   const page = await cab.logIn(cab.admin);           // on /cabinet/statistics
 *   await cab.screenshot(page, 'statistics');          // test-artifacts/cabinet/statistics-<flavor>.png
 *   await cab.close();
 */

export type CabinetUser = { login: string; password: string };

/** The seeded payments, by what a test wants of them. */
export type Seeded = {
  /** PayKeeper, 1500.00 RUB, paid on 2026-11-23. */
  paykeeper: Payment;
  /** PayKeeper, 250.50 RUB, paid on 2026-11-24: the one to refund. */
  refundable: Payment;
  /** ImPay, 3200.00 RUB, paid on 2026-11-25. */
  impay: Payment;
  /** Paymega, 45.00 USD, paid on 2026-11-25. */
  paymega: Payment;
  /** ImPay, 120.00 RUB, declined (insufficient funds) on 2026-11-25. */
  declined: Payment;
  /** PayKeeper, 999.00 RUB, created on 2026-11-26 and never paid. */
  pending: Payment;
  /** `extraPayments` more, unpaid, 10.00 RUB + n kopecks, on 2026-11-26 (for long lists). */
  extra: Payment[];
};

export type CabinetHarness = {
  flavor: Flavor;
  gw: TestGateway;
  app: FastifyInstance;
  server: LocalServer;
  browser: Browser;
  /** `http://127.0.0.1:<port>`; the cabinet is at `${url}/cabinet/`. */
  url: string;
  merchant: PkCreds;
  /** The merchant's admin, who may refund (no daily bound). */
  admin: CabinetUser;
  /** An operator without the right to refund. */
  clerk: CabinetUser;
  payments: Seeded;
  /** The period holding every seeded payment, for `?start=&end=`. */
  period: { start: string; end: string };
  /** A new browser context (cookies of its own) and page, not logged in. */
  newPage(options?: { locale?: string; viewport?: { width: number; height: number } }): Promise<Page>;
  /** A new page logged in through the login screen as `who`; it ends on the Statistics tab. */
  logIn(
    who: CabinetUser,
    options?: { locale?: string; viewport?: { width: number; height: number } },
  ): Promise<Page>;
  /** Saves test-artifacts/cabinet/<name>-<flavor>.png (the whole page). */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
};

export const cabinetArtifacts = new URL('cabinet/', artifacts);
mkdirSync(cabinetArtifacts, { recursive: true });

/** Builds cabinet/dist/ when it is missing or older than cabinet/ (npm test has done it already). */
function ensureCabinetBuilt(): void {
  const root = new URL('../../../', import.meta.url).pathname;
  if (cabinetStaleness(root)) buildCabinet(root);
}

const dayMs = 24 * 60 * 60 * 1000;

export async function startCabinet(
  flavor: Flavor,
  options: {
    config?: Partial<Config>;
    extraPayments?: number;
    /** Outbox handlers (e.g. the e-mail channel on a catch-all SMTP server). */
    handlers?: Map<string, DeliveryHandler>;
  } = {},
): Promise<CabinetHarness> {
  ensureCabinetBuilt();
  const server = await listenFirst();
  const gw = await testGateway(flavor, {
    config: {
      publicUrl: server.url,
      cabinetLoginLimits: { perLogin: 0, perAddress: 0, windowMs: 60_000 },
      ...options.config,
    },
    ...(options.handlers && { handlers: options.handlers }),
  });
  const app = await buildApp(gw);
  await server.serve(app);
  const merchant = await pkMerchant(gw.engine, 'Лавка «Кopek»');
  const admin = { login: 'owner', password: 'owner-password-1' };
  const clerk = { login: 'clerk', password: 'clerk-password-1' };
  unwrap(
    await gw.engine.createUser({
      merchantId: merchant.merchantId,
      ...admin,
      role: 'admin',
      refunds: { allowed: true, perDay: null },
    }),
  );
  unwrap(
    await gw.engine.createUser({
      merchantId: merchant.merchantId,
      ...clerk,
      role: 'operator',
      refunds: { allowed: false, perDay: null },
    }),
  );

  // the gateway's clock starts on 2026-11-23 09:00 UTC (12:00 Moscow)
  const m = merchant.merchantId;
  const create = async (
    origin: Origin,
    amountMinor: bigint,
    more: { currency?: 'RUB' | 'USD'; serviceCode?: string } = {},
  ) =>
    unwrap(
      await gw.engine.createPayment({
        merchantId: m,
        origin,
        amountMinor,
        currency: more.currency ?? 'RUB',
        ...(more.serviceCode && { serviceCode: more.serviceCode }),
        externalId: `order-${origin}-${amountMinor}`,
        customer: { reference: `customer-${origin}`, email: `${origin}@example.ru` },
      }),
    ).payment;
  const pay = async (p: Payment, pan: string = cards.approved) =>
    (await gw.engine.payWithCard({ payment: { id: p.id }, card: card(pan) }).then(unwrap)).payment;

  const paykeeper = await pay(await create('paykeeper', 1500_00n));
  gw.clock.advance(dayMs);
  const refundable = await pay(await create('paykeeper', 250_50n));
  gw.clock.advance(dayMs);
  const impay = await pay(await create('impay', 3200_00n));
  const paymega = await pay(await create('paymega', 45_00n, { currency: 'USD', serviceCode: 'card_usd' }));
  const declinedCreated = await create('impay', 120_00n);
  await gw.engine.payWithCard({ payment: { id: declinedCreated.id }, card: card(cards.insufficientFunds) });
  const declined = await gw.engine.getPayment({ id: declinedCreated.id }, m);
  assert.ok(declined, 'the declined payment is there');
  gw.clock.advance(dayMs);
  const pending = await create('paykeeper', 999_00n);
  const extra: Payment[] = [];
  for (let i = 0; i < (options.extraPayments ?? 0); i++)
    extra.push(await create('paymega', 10_00n + BigInt(i)));
  await gw.worker.runOnce();

  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  const newPage: CabinetHarness['newPage'] = async (o = {}) => {
    const context = await browser.newContext({
      locale: o.locale ?? 'en-US',
      viewport: o.viewport ?? { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  };
  const harness: CabinetHarness = {
    flavor,
    gw,
    app,
    server,
    browser,
    url: server.url,
    merchant,
    admin,
    clerk,
    payments: { paykeeper, refundable, impay, paymega, declined, pending, extra },
    period: { start: '2026-11-20', end: '2026-11-30' },
    newPage,
    async logIn(who, o = {}) {
      const page = await newPage(o);
      await page.goto(`${server.url}/cabinet/`);
      const ru = (o.locale ?? 'en-US').startsWith('ru');
      await page.getByLabel(ru ? 'Логин' : 'Login', { exact: true }).fill(who.login);
      await page.getByLabel(ru ? 'Пароль' : 'Password', { exact: true }).fill(who.password);
      await page.getByRole('button', { name: ru ? 'Войти' : 'Sign in' }).click();
      await page.waitForURL(/\/cabinet\/statistics/);
      await page.getByRole('navigation').waitFor();
      return page;
    },
    async screenshot(page, name) {
      const path = new URL(`${name}-${flavor}.png`, cabinetArtifacts).pathname;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await server.close();
      await app.close();
      await gw.close();
    },
  };
  assert.ok(harness.payments.paykeeper.status === 'captured', 'the seeded payments are paid');
  return harness;
}
