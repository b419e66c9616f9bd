import { isEmailAddress } from '../../../delivery/email/message.ts';
import type { Invoice } from '../../../engine/invoices/view.ts';
import type { Merchant } from '../../../engine/merchants/view.ts';
import type { Payment } from '../../../engine/payments/view.ts';
import type { DialectHost } from '../../dialect.ts';
import { pkAmount } from '../amounts.ts';
import { parsePkDay, printPkDatetime, startOfPkDay } from '../dates.ts';
import { fieldFail, fieldProblemFail, pkEngineFail, pkFieldTexts } from '../errors.ts';
import { billUrl, invoiceDataOf, readInvoiceData } from '../invoice-data.ts';
import { invoiceMailOf } from '../invoice-notifier.ts';
import {
  invoiceStatesOf,
  type PkInvoiceStatus,
  parsePkPage,
  parseStatusFilter,
  pkInvoiceStatusTable,
  pkListedInvoiceStatuses,
} from '../map.ts';
import { type PayerOrder, parseInvoicePreview } from '../parse.ts';
import { readRequest } from '../read-request.ts';
import { failWith, orFail, type PkCall, PkFailure, type PkHandler, type PkRoute } from '../route.ts';
import { pkReturnUrls } from '../settings-values.ts';
import { ByIdQuery, IdRequest, InvoiceListQuery, InvoicePreviewRequest } from '../wire.ts';

/**
 * Invoices, spec 3.1–3.5 and COMPAT.md's `invoice/revoke`. An invoice is the engine's invoice
 * and its payment (origin `paykeeper`): the order number is the payment's external id, the
 * client id its customer reference; what only PayKeeper knows (the cart, the language, the
 * service name's JSON) is kept in the invoice's data (invoice-data.ts).
 */

const notFound = () => failWith(pkEngineFail.invoice_not_found);

/** Where this gateway serves bills (the pages' `/bill/<id>/`). */
const billBaseOf = (host: DialectHost): string => `${host.config.publicUrl.replace(/\/+$/, '')}/bill/`;

/** An invoice id as clients send it: 1–19 digits; anything else is simply not found. */
const invoiceIdOf = (text: string): string => (/^[0-9]{1,19}$/.test(text) ? text : notFound());

/** The payment the order becomes: the payer's return address is the shop's `user_result_callback`. */
function paymentOf(merchant: Merchant, order: PayerOrder, expiresAt: Date | null) {
  const merchantId = merchant.id;
  const returnUrls = pkReturnUrls(merchant.settings, order.userResultCallback);
  const customer: Record<string, string> = {};
  if (order.clientid !== null) customer.reference = order.clientid;
  if (order.clientEmail !== null) customer.email = order.clientEmail;
  if (order.clientPhone !== null) customer.phone = order.clientPhone;
  return {
    merchantId,
    origin: 'paykeeper' as const,
    amountMinor: order.amountMinor,
    currency: 'RUB' as const,
    externalId: order.orderid,
    description: order.serviceName,
    customer,
    ...(returnUrls && { returnUrls }),
    ...(expiresAt && { expiresAt }),
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const datetime = (at: Date | null) => (at ? printPkDatetime(at) : null);

/** 3.2's row: the fields every invoice document shares. */
function invoiceRow(invoice: Invoice, payment: Payment) {
  const data = readInvoiceData(invoice.data);
  return {
    id: invoice.id,
    status: pkInvoiceStatusTable[invoice.status] as PkInvoiceStatus,
    pay_amount: pkAmount.print(payment.amountMinor),
    clientid: data.clientid ?? text(payment.customer.reference),
    orderid: payment.externalId,
    service_name: data.service_name || payment.description || null,
    client_email: invoice.email,
    client_phone: data.client_phone ?? text(payment.customer.phone),
    expiry_datetime: datetime(payment.expiresAt),
    created_datetime: printPkDatetime(invoice.createdAt),
    paid_datetime: datetime(invoice.paidAt),
  };
}

/** 3.4: creates the invoice (and its payment) and answers its id, its bill's address and its HTML. */
const preview: PkHandler = async ({ host, merchant, user, params }) => {
  const request = readRequest(InvoicePreviewRequest, params);
  const order = parseInvoicePreview(request, host.now());
  if (!order.ok) throw new PkFailure(order.error);
  const { expiresAt, ...rest } = order.value;
  if (rest.clientEmail !== null && !isEmailAddress(rest.clientEmail))
    failWith(fieldProblemFail('client_email', 'not_an_email'));
  const data = invoiceDataOf(rest, merchant.name, billBaseOf(host));
  const created = orFail(
    await host.engine.createInvoice({
      payment: paymentOf(merchant, rest, expiresAt),
      email: rest.clientEmail,
      data,
      author: { userId: user.id, login: user.login },
    }),
  );
  return {
    invoice_id: created.invoice.id,
    invoice_url: billUrl(data, created.invoice.id),
    invoice: invoiceMailOf(created.invoice, created.payment).html,
  };
};

/** The invoice with its payment, of this merchant only; `Счёт не найден.` otherwise. */
async function invoiceOf({ host, merchant }: PkCall, id: string) {
  const invoice = await host.engine.getInvoice({ id: invoiceIdOf(id) }, merchant.id);
  if (!invoice) return notFound();
  const payment = await host.engine.getPayment({ id: invoice.paymentId }, merchant.id);
  if (!payment) return notFound();
  return { invoice, payment };
}

/** 3.1, with who made it, its payment once paid, and how its last e-mail went. */
const byId: PkHandler = async (call) => {
  const { id } = readRequest(ByIdQuery, call.params);
  const { invoice, payment } = await invoiceOf(call, id);
  const mail = await call.host.engine.invoiceMailState(invoice);
  return {
    ...invoiceRow(invoice, payment),
    user_id: (invoice.userId ?? 0n).toString(),
    paymentid: invoice.status === 'paid' ? payment.id.toString() : null,
    user_login: invoice.userLogin ?? '',
    email_status: mail === null ? null : mail.notice,
    email_error: mail?.error ?? null,
  };
};

/** 3.2/3.3's filters: `status[]` (also `status[0]`, or one `status`), a period of Moscow days. */
function invoiceQuery(call: PkCall) {
  const raw = call.params.status;
  const params = typeof raw === 'string' ? { ...call.params, status: [raw] } : call.params;
  const q = readRequest(InvoiceListQuery, params);
  const wanted = q.status === undefined ? [...pkListedInvoiceStatuses] : q.status;
  const statuses = parseStatusFilter(wanted, pkListedInvoiceStatuses);
  if (!statuses.ok) failWith(fieldFail('status', pkFieldTexts.not_a_status));
  const day = (field: 'start_date' | 'end_date') => {
    const value = q[field];
    if (value === undefined || value === '') return undefined;
    const parsed = parsePkDay(value);
    return parsed ?? failWith(fieldProblemFail(field, 'not_a_day'));
  };
  const start = day('start_date');
  const end = day('end_date');
  return {
    q,
    query: {
      merchantId: call.merchant.id,
      statuses: invoiceStatesOf(statuses.ok ? statuses.value : []),
      ...(start && { from: startOfPkDay(start) }),
      // both ends included: until the next day begins (Moscow keeps no summer time: 24 h)
      ...(end && { to: new Date(startOfPkDay(end).getTime() + 24 * 3600_000) }),
    },
  };
}

/** 3.2: newest first, `from`/`limit` paging (both required by the spec). */
const list: PkHandler = async (call) => {
  const { q, query } = invoiceQuery(call);
  const page = parsePkPage(q, true);
  if (!page.ok) failWith(fieldProblemFail(page.error.field, page.error.problem));
  const rows = await call.host.engine.listInvoices({
    ...query,
    ...(page.ok ? page.value : { offset: 0, limit: 0 }),
  });
  return rows.map(({ invoice, payment }) => invoiceRow(invoice, payment));
};

/** 3.3: counts per PayKeeper status (a revoked and an expired invoice both count as `expired`). */
const listCount: PkHandler = async (call) => {
  const { query } = invoiceQuery(call);
  const counts = new Map<PkInvoiceStatus, number>();
  for (const { status, count } of await call.host.engine.countInvoices(query)) {
    const pk = pkInvoiceStatusTable[status];
    counts.set(pk, (counts.get(pk) ?? 0) + count);
  }
  const statuses = [...counts].map(([status, count]) => ({ status, count: String(count) }));
  const full = [...counts.values()].reduce((a, b) => a + b, 0);
  return { statuses, fullcount: [{ count: String(full) }] };
};

/** 3.5: e-mails the invoice to its payer (through the outbox: `invoice.sent` → invoice-notifier.ts). */
const send: PkHandler = async (call) => {
  const { id } = readRequest(IdRequest, call.params);
  const { invoice } = await invoiceOf(call, id);
  if (!invoice.email || !isEmailAddress(invoice.email))
    failWith(fieldProblemFail('client_email', 'required'));
  orFail(await call.host.engine.sendInvoice(call.merchant.id, invoice.id));
  return { result: 'success' };
};

/** COMPAT.md: withdraws an unpaid invoice. */
const revoke: PkHandler = async (call) => {
  const { id } = readRequest(IdRequest, call.params);
  orFail(await call.host.engine.revokeInvoice(call.merchant.id, invoiceIdOf(id)));
  return { result: 'success' };
};

export const invoiceRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/info/invoice/byid/', handler: byId },
  { method: 'GET', path: '/info/invoice/list/', handler: list },
  { method: 'GET', path: '/info/invoice/listcount/', handler: listCount },
  { method: 'POST', path: '/change/invoice/preview/', handler: preview },
  { method: 'POST', path: '/change/invoice/send/', handler: send },
  { method: 'POST', path: '/change/invoice/revoke/', handler: revoke },
];
