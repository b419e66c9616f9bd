import { pkAmount } from './amounts.ts';
import type { CartLine } from './cart.ts';
import type { JsonValue } from './exact-json.ts';
import type { PayerOrder } from './parse.ts';

/**
 * What the dialect keeps in an invoice's `data` (engine invoices.data, JSON): the order as
 * the shop sent it, plus the shop's name and the bill's address as they were at preview, so
 * the e-mail sent later is the very document the preview showed. Amounts are decimal text
 * (JSON has no bigint).
 */
export type StoredCartLine = {
  name: string;
  price: string;
  quantity: string;
  sum: string;
  tax: string;
  item_type: string | null;
  payment_type: string | null;
};

export type PkInvoiceData = {
  service_name: string;
  clientid: string | null;
  orderid: string | null;
  client_phone: string | null;
  cart: StoredCartLine[] | null;
  lang: string | null;
  user_result_callback: string | null;
  receipt_properties: JsonValue | null;
  /** The organization's name as the payer reads it. */
  shop: string;
  /** The bills' address up to the id (`https://host/bill/`): the id is drawn when the row is written. */
  bill_base: string;
};

export const storedCart = (cart: readonly CartLine[]): StoredCartLine[] =>
  cart.map((line) => ({
    name: line.name,
    price: pkAmount.print(line.priceMinor),
    quantity: line.quantity,
    sum: pkAmount.print(line.sumMinor),
    tax: line.tax,
    item_type: line.itemType,
    payment_type: line.paymentType,
  }));

export const invoiceDataOf = (order: PayerOrder, shop: string, billBase: string): PkInvoiceData => ({
  service_name: order.serviceName,
  clientid: order.clientid,
  orderid: order.orderid,
  client_phone: order.clientPhone,
  cart: order.cart && storedCart(order.cart),
  lang: order.lang,
  user_result_callback: order.userResultCallback,
  receipt_properties: order.receiptProperties,
  shop,
  bill_base: billBase,
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The stored data back; an invoice made elsewhere (or before a field existed) reads as empty fields. */
export function readInvoiceData(data: Record<string, unknown>): PkInvoiceData {
  const cart = Array.isArray(data.cart) ? (data.cart as StoredCartLine[]) : null;
  return {
    service_name: text(data.service_name) ?? '',
    clientid: text(data.clientid),
    orderid: text(data.orderid),
    client_phone: text(data.client_phone),
    cart,
    lang: text(data.lang),
    user_result_callback: text(data.user_result_callback),
    receipt_properties: (data.receipt_properties ?? null) as JsonValue | null,
    shop: text(data.shop) ?? '',
    bill_base: text(data.bill_base) ?? '',
  };
}

/** The payer's bill: `<base><id>/` (3.4's `invoice_url`, the e-mail's link). */
export const billUrl = (data: Pick<PkInvoiceData, 'bill_base'>, invoiceId: string): string =>
  `${data.bill_base}${invoiceId}/`;
