import { sql } from 'kysely';
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
  // one statement (the payment's ids read by the insert itself): one round trip, and on SQLite
  // one write; nothing is written for a public id that names no payment
  const text = (value: string) => sql<string>`cast(${value} as text)`;
  await deps.database.db
    .insertInto('payment_http_log')
    .columns(['merchant_id', 'payment_id', 'method', 'uri', 'ip', 'body', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('payments')
        .select([
          'merchant_id',
          'id',
          text(r.method.slice(0, 16)).as('method'),
          text(maskDigitRuns(r.uri).slice(0, uriLengthMax)).as('uri'),
          text(r.ip.slice(0, 64)).as('ip'),
          text(maskDigitRuns(r.body).slice(0, limits.deliveryResponseBodyStoredMax)).as('body'),
          sql<bigint>`cast(${deps.now().getTime()} as bigint)`.as('created_at'),
        ])
        .where('public_id', '=', r.publicId),
    )
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
