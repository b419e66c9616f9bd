import { limits } from '../../domain/limits.ts';
import type { EngineDeps } from '../context.ts';

/**
 * The requests a payment's pages received (PayKeeper 2.6 `httplog`): method, URI, address and
 * body, kept for the merchant to see. The caller hands over a body with the card fields
 * already left out; any run of 12–19 digits still in it is masked here as well, so a PAN
 * never reaches this table even from a field the caller did not know.
 */

export type PaymentRequest = {
  id: bigint;
  paymentId: bigint;
  method: string;
  uri: string;
  ip: string;
  body: string;
  at: Date;
};

const uriLengthMax = 2048;
const maskDigitRuns = (text: string) =>
  text.replace(/\d{12,19}/g, (run) => `${run.slice(0, 6)}***${run.slice(-4)}`);

/** Logs a request at the page of the payment `publicId`; an unknown payment logs nothing. */
export async function logPaymentRequest(
  deps: EngineDeps,
  r: { publicId: string; method: string; uri: string; ip: string; body: string },
): Promise<void> {
  const { db } = deps.database;
  const payment = await db
    .selectFrom('payments')
    .select(['id', 'merchant_id'])
    .where('public_id', '=', r.publicId)
    .executeTakeFirst();
  if (!payment) return;
  await db
    .insertInto('payment_http_log')
    .values({
      merchant_id: payment.merchant_id,
      payment_id: payment.id,
      method: r.method.slice(0, 16),
      uri: maskDigitRuns(r.uri).slice(0, uriLengthMax),
      ip: r.ip.slice(0, 64),
      body: maskDigitRuns(r.body).slice(0, limits.deliveryResponseBodyStoredMax),
      created_at: deps.now().getTime(),
    })
    .execute();
}

/** A payment's logged requests, oldest first; scoped by merchant. */
export async function listPaymentRequests(
  deps: EngineDeps,
  merchantId: bigint,
  paymentId: bigint,
): Promise<PaymentRequest[]> {
  const rows = await deps.database.db
    .selectFrom('payment_http_log')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .limit(limits.pageSizeMax)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    paymentId: r.payment_id,
    method: r.method,
    uri: r.uri,
    ip: r.ip,
    body: r.body,
    at: new Date(Number(r.created_at)),
  }));
}
