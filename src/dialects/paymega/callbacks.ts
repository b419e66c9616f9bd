import { sendCallback } from '../../delivery/outgoing.ts';
import { type DeliveryHandler, linearBackoff, type RetryPolicy } from '../../delivery/worker.ts';
import { limits } from '../../domain/limits.ts';
import type { Notifier } from '../../engine/outbox/notify.ts';
import type { DialectHost } from '../dialect.ts';
import { digest } from '../kit/auth.ts';
import { privateInvoiceOf } from './documents.ts';
import { type Account, callbackChannel, invoiceContext, loadInvoice } from './invoice.ts';
import { writeJson } from './json.ts';
import { callbackStatusOf } from './map.ts';

/**
 * Paymega callbacks: on every change of an invoice's status, the invoice as the private API
 * renders it is POSTed to its `callback_url`, signed, until the merchant answers HTTP 200.
 */

/** `X-Signature`: base64 of the raw SHA-1 of secret + body + secret (COMPAT.md). */
export const signatureOf = (secret: string, body: string): string =>
  digest('sha1', `${secret}${body}${secret}`, 'base64');

/** Invoices of this dialect that name a callback URL hear about each status change. */
export const paymegaNotifier: Notifier = (event) => {
  if (event.type === 'payout' || event.type === 'identification') return [];
  const { payment } = event;
  if (payment.origin !== 'paymega' || !payment.callbackUrl) return [];
  const status = callbackStatusOf(event);
  if (!status) return [];
  return [
    {
      channel: callbackChannel,
      payload: { paymentId: payment.id.toString(), transaction_status: status },
    },
  ];
};

const envInt = (name: string, fallback: number, max: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? Math.min(value, max) : fallback;
};

/**
 * 1, 2, 3 … minutes apart, 100 attempts (Paymega's schedule). `PAYMEGA_CALLBACK_STEP_MS`
 * and `PAYMEGA_CALLBACK_ATTEMPTS` change it; read at each use, so a running gateway follows.
 */
const schedule = () =>
  linearBackoff(
    envInt('PAYMEGA_CALLBACK_STEP_MS', 60_000, 86_400_000),
    envInt('PAYMEGA_CALLBACK_ATTEMPTS', 100, limits.deliveryAttemptsMax),
  );
export const callbackRetryPolicy: RetryPolicy = {
  get attemptsMax() {
    return schedule().attemptsMax;
  },
  delayMs: (attempt) => schedule().delayMs(attempt),
};

/**
 * Renders the invoice as it stands at delivery time (so a late retry tells the latest
 * status; receivers order by `updated`), signs it with the merchant's secret key, and counts
 * only HTTP 200 as delivered. A row with a later row of the same invoice behind it is not
 * sent: rendered now it would be that later row's document, sent twice (the test service's
 * `created` and `processed`, written a moment apart, both said `processed`).
 */
export function callbackHandler(host: DialectHost): DeliveryHandler {
  const ctx = invoiceContext(host);
  const { engine } = host;
  return async (job, signal) => {
    const payment = await engine.getPayment({ id: BigInt(String(job.payload.paymentId)) }, job.merchantId);
    if (!payment?.callbackUrl) return { delivered: false, error: 'payment or its callback URL not found' };
    const later = await engine.hasLaterNotification({
      merchantId: job.merchantId,
      channel: callbackChannel,
      paymentId: payment.id,
      after: job.id,
    });
    if (later) return { delivered: false, superseded: true };
    const auth = await engine.merchantAuth('paymega', job.merchantId);
    if (!auth) return { delivered: false, error: 'merchant has no Paymega credentials' };
    const account: Account = { merchant: auth.merchant, accountId: auth.login };
    const body = writeJson({ data: privateInvoiceOf(await loadInvoice(ctx, account, payment)) });
    const secret = auth.secret();
    const answer = await sendCallback(
      {
        url: payment.callbackUrl,
        body: { json: body },
        sign: (sent) => ({ 'x-signature': signatureOf(secret, sent) }),
      },
      signal,
    );
    return { delivered: answer.status === 200, responseStatus: answer.status, responseBody: answer.body };
  };
}
