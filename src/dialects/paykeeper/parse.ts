import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { pkAmount } from './amounts.ts';
import { type CartLine, checkCartTotal, parseCart, parseServiceName } from './cart.ts';
import { parsePkExpiry } from './dates.ts';
import { amountFail, cartFail, expiryFail, fieldProblemFail, type PkFail } from './errors.ts';
import type { JsonValue } from './exact-json.ts';
import { parsePartialFlag, parsePkId } from './map.ts';
import type { InvoicePreviewRequest, LegacyCreateForm, ReverseRequest } from './wire.ts';

/**
 * PayKeeper requests → plain commands, failing in PayKeeper's words with the field named.
 * The commands are the dialect's own shapes; the routes hand their parts to the engine.
 */

export const pkTextLimits = { clientidMax: 255, emailMax: 254, phoneMax: 64, serviceNameMax: 1024 } as const;

const emailText = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function optionalText(value: string | undefined, field: string, max: number): Result<string | null, PkFail> {
  const text = value?.trim() ?? '';
  if (text === '') return ok(null);
  return [...text].length > max ? fail(fieldProblemFail(field, 'too_long')) : ok(text);
}

function optionalEmail(value: string | undefined, field: string): Result<string | null, PkFail> {
  const text = optionalText(value, field, pkTextLimits.emailMax);
  if (!text.ok || text.value === null) return text;
  return emailText.test(text.value) ? text : fail(fieldProblemFail(field, 'not_an_email'));
}

/** An http(s) URL the payer's browser may be sent to. */
function optionalUrl(value: string | null | undefined, field: string): Result<string | null, PkFail> {
  const text = value?.trim() ?? '';
  if (text === '') return ok(null);
  if (text.length > limits.urlLengthMax) return fail(fieldProblemFail(field, 'too_long'));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(fieldProblemFail(field, 'not_a_url'));
  }
  return url.protocol === 'http:' || url.protocol === 'https:'
    ? ok(text)
    : fail(fieldProblemFail(field, 'not_a_url'));
}

/** The fields an invoice and a legacy form share, parsed. */
export type PayerOrder = {
  amountMinor: bigint;
  clientid: string | null;
  /** The merchant's order number: the payment's external id. */
  orderid: string | null;
  serviceName: string;
  clientEmail: string | null;
  clientPhone: string | null;
  cart: CartLine[] | null;
  userResultCallback: string | null;
  lang: string | null;
  receiptProperties: JsonValue | null;
};

type OrderFields = {
  amount: { field: string; text: string | undefined };
  clientid: string | undefined;
  orderid: string | undefined;
  service_name: string | undefined;
  client_email: string | undefined;
  client_phone: string | undefined;
  /** A cart given beside `service_name` (the legacy form's `cart` field). */
  cart: string | undefined;
  user_result_callback: string | undefined;
  lang: string | undefined;
};

function parseOrder(f: OrderFields): Result<PayerOrder, PkFail> {
  const amount = pkAmount.parse(f.amount.text);
  if (!amount.ok) return fail(amountFail(f.amount.field, amount.error));
  const clientid = optionalText(f.clientid, 'clientid', pkTextLimits.clientidMax);
  if (!clientid.ok) return clientid;
  const orderid = optionalText(f.orderid, 'orderid', limits.externalIdLengthMax);
  if (!orderid.ok) return orderid;
  const email = optionalEmail(f.client_email, 'client_email');
  if (!email.ok) return email;
  const phone = optionalText(f.client_phone, 'client_phone', pkTextLimits.phoneMax);
  if (!phone.ok) return phone;
  const service = parseServiceName(f.service_name ?? '');
  if (!service.ok) return fail(cartFail(service.error));
  if ([...service.value.text].length > pkTextLimits.serviceNameMax)
    return fail(fieldProblemFail('service_name', 'too_long'));
  let cart = service.value.cart;
  if (cart === null && f.cart !== undefined && f.cart.trim() !== '') {
    const lines = parseCart(f.cart);
    if (!lines.ok) return fail(cartFail(lines.error));
    cart = lines.value;
  }
  if (cart !== null) {
    const total = checkCartTotal(cart, amount.value);
    if (!total.ok) return fail(cartFail(total.error));
  }
  // a top-level field wins over the one inside service_name's JSON (COMPAT.md)
  const callback = optionalUrl(
    f.user_result_callback ?? service.value.userResultCallback,
    'user_result_callback',
  );
  if (!callback.ok) return callback;
  const lang = (f.lang ?? service.value.lang ?? '').trim().toLowerCase();
  return ok({
    amountMinor: amount.value,
    clientid: clientid.value,
    orderid: orderid.value,
    serviceName: service.value.text,
    clientEmail: email.value,
    clientPhone: phone.value,
    cart,
    userResultCallback: callback.value,
    lang: /^[a-z]{2}$/.test(lang) ? lang : null,
    receiptProperties: service.value.receiptProperties,
  });
}

export type InvoicePreviewCmd = PayerOrder & { expiresAt: Date | null };

/** 3.4: `clientid`/`client_id`, `orderid`/`order_id` (the first spelling wins), `expiry` both ways. */
export function parseInvoicePreview(
  req: InvoicePreviewRequest,
  now: Date,
): Result<InvoicePreviewCmd, PkFail> {
  const order = parseOrder({
    amount: { field: 'pay_amount', text: req.pay_amount },
    clientid: req.clientid || req.client_id,
    orderid: req.orderid || req.order_id,
    service_name: req.service_name,
    client_email: req.client_email,
    client_phone: req.client_phone,
    cart: undefined,
    user_result_callback: req.user_result_callback || undefined,
    lang: undefined,
  });
  if (!order.ok) return order;
  if (req.expiry === undefined || req.expiry.trim() === '') return ok({ ...order.value, expiresAt: null });
  const expiry = parsePkExpiry(req.expiry, now);
  if (!expiry.ok) return fail(expiryFail(expiry.error));
  return ok({ ...order.value, expiresAt: expiry.value });
}

export type LegacyCreateCmd = PayerOrder & { pstype: string | null };

/** `POST /create/`: the same order in the payer's form (its `sign` is checked by the route, sign.ts). */
export function parseLegacyCreate(form: LegacyCreateForm): Result<LegacyCreateCmd, PkFail> {
  const order = parseOrder({
    amount: { field: 'sum', text: form.sum },
    clientid: form.clientid,
    orderid: form.orderid,
    service_name: form.service_name,
    client_email: form.client_email,
    client_phone: form.client_phone,
    cart: form.cart,
    user_result_callback: form.user_result_callback || undefined,
    lang: form.lang || undefined,
  });
  if (!order.ok) return order;
  return ok({ ...order.value, pstype: form.pstype?.trim() || null });
}

export type ReverseCmd = {
  paymentId: bigint;
  partial: boolean | null;
  amountMinor: bigint | null;
  refundCart: CartLine[] | null;
};

/**
 * 2.8: the id, the flag and the amount as given; `planReverse` (map.ts) decides full or
 * partial against what remains. A `refund_cart` must add up to the amount when one is given;
 * without an amount (a full refund) the route checks it against the planned amount.
 */
export function parseReverse(req: ReverseRequest): Result<ReverseCmd, PkFail> {
  const paymentId = parsePkId(req.id);
  if (paymentId === null) return fail(fieldProblemFail('id', 'not_an_id'));
  const partial = parsePartialFlag(req.partial);
  if (!partial.ok) return fail(fieldProblemFail('partial', 'not_a_flag'));
  let amountMinor: bigint | null = null;
  if (req.amount !== undefined && req.amount.trim() !== '') {
    const amount = pkAmount.parse(req.amount);
    if (!amount.ok) return fail(amountFail('amount', amount.error));
    amountMinor = amount.value;
  }
  let refundCart: CartLine[] | null = null;
  if (req.refund_cart !== undefined && req.refund_cart.trim() !== '') {
    const lines = parseCart(req.refund_cart);
    if (!lines.ok) return fail(cartFail(lines.error));
    if (amountMinor !== null) {
      const total = checkCartTotal(lines.value, amountMinor);
      if (!total.ok) return fail(cartFail(total.error));
    }
    refundCart = lines.value;
  }
  return ok({ paymentId, partial: partial.value, amountMinor, refundCart });
}
