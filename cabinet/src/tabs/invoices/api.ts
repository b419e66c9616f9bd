import { pkGet, pkPost } from '../../api/client.ts';
import type { Amount, Count, Datetime, Id } from '../../api/types.ts';

/**
 * PayKeeper's section 3 as the Invoices tab uses it (src/dialects/paykeeper/wire.ts holds the
 * schemas): the registry (3.2/3.3), one invoice (3.1), the preview that creates an invoice and
 * shows its e-mail (3.4), sending it (3.5), and withdrawing it (COMPAT.md revoke).
 */

/** 3.2 lists only these: a `created` invoice (previewed, never sent) stays out. */
export const listedStatuses = ['sent', 'paid', 'expired'] as const;
export type ListedStatus = (typeof listedStatuses)[number];
export type InvoiceStatus = 'created' | ListedStatus;

export type InvoiceRow = {
  id: Id;
  status: InvoiceStatus;
  pay_amount: Amount;
  clientid: string | null;
  orderid: string | null;
  service_name: string | null;
  client_email: string | null;
  client_phone: string | null;
  expiry_datetime: Datetime | null;
  created_datetime: Datetime;
  paid_datetime: Datetime | null;
};

/** 3.1 with who made it, its payment once paid, and how its last e-mail went. */
export type InvoiceById = InvoiceRow & {
  user_id: Id;
  paymentid: Id | null;
  user_login: string;
  email_status?: 'queued' | 'delivered' | 'exhausted' | null;
  email_error?: string | null;
};

export type InvoiceCount = {
  statuses: { status: ListedStatus; count: Count }[];
  fullcount: { count: Count }[];
};

export type Preview = { invoice_id: Id; invoice_url: string; invoice: string };

/** What the form sends to 3.4: amounts as typed text, never numbers. */
export type PreviewFields = {
  pay_amount: string;
  clientid?: string;
  orderid?: string;
  service_name?: string;
  client_email?: string;
  client_phone?: string;
  /** `YYYY-MM-DD`: payable until that day begins (Moscow). */
  expiry?: string;
};

export type InvoiceFilter = { start: string; end: string; statuses: readonly ListedStatus[] };

const filterParams = (f: InvoiceFilter) => ({
  start_date: f.start,
  end_date: f.end,
  status: f.statuses.length > 0 ? f.statuses : listedStatuses,
});

const given = (fields: PreviewFields) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v.trim() !== ''));

export const invoiceApi = {
  list: (f: InvoiceFilter, from: number, limit: number, signal?: AbortSignal) =>
    pkGet<InvoiceRow[]>(
      '/info/invoice/list/',
      { ...filterParams(f), from: String(from), limit: String(limit) },
      signal,
    ),
  count: (f: InvoiceFilter, signal?: AbortSignal) =>
    pkGet<InvoiceCount>('/info/invoice/listcount/', filterParams(f), signal),
  byId: (id: string, signal?: AbortSignal) => pkGet<InvoiceById>('/info/invoice/byid/', { id }, signal),
  preview: (fields: PreviewFields) => pkPost<Preview>('/change/invoice/preview/', given(fields)),
  send: (id: string) => pkPost<{ result: 'success' }>('/change/invoice/send/', { id }),
  revoke: (id: string) => pkPost<{ result: 'success' }>('/change/invoice/revoke/', { id }),
};

export const invoiceKeys = {
  all: ['invoices'] as const,
  one: (id: string) => ['invoices', 'one', id] as const,
};
