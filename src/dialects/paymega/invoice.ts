import { createHmac } from 'node:crypto';
import { type PublicApiLimits, publicApiLimitsDefault } from '../../config.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Merchant, Service } from '../../engine/merchants/view.ts';
import type { Payment } from '../../engine/payments/view.ts';
import type { DialectHost } from '../dialect.ts';
import { deriveKey } from '../kit/keys.ts';
import type { InvoiceFacts } from './documents.ts';
import { invoiceIdOf, serviceOfPayment } from './map.ts';

/** The outbox channel of Paymega callbacks. */
export const callbackChannel = 'callback.paymega';

/**
 * What rendering an invoice needs beyond the payment: the engine, where the page lives, and
 * the gateway's clock and log (for `expires` and for what is worth a warning).
 */
export type InvoiceContext = {
  engine: Engine;
  publicUrl: string;
  tokenKey: Buffer;
  now: () => Date;
  log: DialectHost['log'];
  /** Bounds on the public API (routes/public.ts). */
  publicLimits: PublicApiLimits;
};

/** The Paymega account a request or a callback speaks for. */
export type Account = { merchant: Merchant; accountId: string };

export function invoiceContext(host: DialectHost): InvoiceContext {
  return {
    engine: host.engine,
    publicUrl: host.config.publicUrl,
    tokenKey: deriveKey(host.config.keyring, 'paymega-page-token'),
    now: host.now,
    log: host.log,
    publicLimits: host.config.publicApiLimits ?? publicApiLimitsDefault,
  };
}

/**
 * The account's services, read once per request: the checks of a create and the document it
 * answers with both need them. Keyed by the request's `Account` (auth makes one per request),
 * so what a request reads is never seen by the next one: a service changed is seen at once.
 */
const servicesRead = new WeakMap<Account, Promise<Service[]>>();
export function servicesOf(ctx: InvoiceContext, account: Account): Promise<Service[]> {
  let services = servicesRead.get(account);
  if (!services) {
    services = ctx.engine.listServices(account.merchant.id);
    servicesRead.set(account, services);
    // a failed read is not kept: the request fails with it, and nothing else holds the account
    services.catch(() => servicesRead.delete(account));
  }
  return services;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * The payment session token of `flow_data.metadata.token`: an HS256 JWT naming the invoice
 * (`sid`) until it expires, as Paymega hands its checkout. Deterministic, so every rendering
 * of one invoice carries the same token.
 */
export function pageToken(ctx: InvoiceContext, payment: Payment): string {
  const head = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const body = base64url(
    JSON.stringify({
      sid: invoiceIdOf(payment.publicId),
      exp: Math.floor(payment.expiresAt.getTime() / 1000),
    }),
  );
  const signature = createHmac('sha256', ctx.tokenKey).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/**
 * Gathers what the documents of some invoices of one account say besides the payment itself:
 * the service, whether the last refund was refused, and the callback log. A few queries for
 * the whole page, not per invoice.
 */
export async function loadInvoices(
  ctx: InvoiceContext,
  account: Account,
  payments: readonly Payment[],
): Promise<InvoiceFacts[]> {
  if (payments.length === 0) return [];
  const { engine } = ctx;
  const merchantId = account.merchant.id;
  const ids = payments.map((p) => p.id);
  // a refund takes captured money (refunds/ops.ts reserves it from `captured_minor`), so a
  // payment that never captured any has no refunds to read, nor notifications about them
  const captured = payments.filter((p) => p.capturedMinor > 0n).map((p) => p.id);
  const [services, refunds, callbacks] = await Promise.all([
    servicesOf(ctx, account),
    captured.length > 0 ? engine.listRefundsOf(merchantId, captured) : [],
    engine.listDeliveries({
      merchantId,
      channel: callbackChannel,
      paymentIds: ids,
      refundsOfPaymentIds: captured,
    }),
  ]);
  const website = account.merchant.settings.website;
  return payments.map((payment) => {
    const own = refunds.filter((r) => r.paymentId === payment.id);
    return {
      payment,
      service: serviceOfPayment(payment, services),
      accountId: account.accountId,
      lastRefundFailed: own.at(-1)?.status === 'failed',
      callbacks: callbacks.filter((c) => c.paymentId === payment.id),
      merchantUrl: typeof website === 'string' && website !== '' ? website : null,
      pageUrl: `${ctx.publicUrl}/pay/${payment.publicId}`,
      pageToken: pageToken(ctx, payment),
    };
  });
}

export async function loadInvoice(
  ctx: InvoiceContext,
  account: Account,
  payment: Payment,
): Promise<InvoiceFacts> {
  const [facts] = await loadInvoices(ctx, account, [payment]);
  return facts!;
}
