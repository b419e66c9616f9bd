import { createHash } from 'node:crypto';
import type { DeclineReason } from '../../acquiring/connector.ts';
import { type Currency, isCurrency } from '../../domain/currency.ts';
import { formatMajor, type MoneyParseError, parseMajor } from '../../domain/money.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { PaymentStatus } from '../../domain/states.ts';
import type { MerchantSettings, Service } from '../../engine/merchants/view.ts';
import type { DomainEvent } from '../../engine/outbox/notify.ts';
import type { TestOutcome } from '../../engine/payments/test-method.ts';
import type { Payment, ReturnUrls } from '../../engine/payments/view.ts';
import { ExactNumber } from '../kit/json.ts';
import { RawNumber } from './json.ts';
import type { PaymentMethod, ServiceField, Wire } from './wire.ts';

/**
 * Pure conversions between Paymega's wire and the engine: the amount codec, ids, the service
 * catalogue, the status and error tables. The documents built from them are in documents.ts.
 */

// ---- amounts: the one codec ----

const amountMessages: Record<MoneyParseError, string> = {
  not_a_number: 'This value should be of type numeric.',
  negative: 'This value should be greater than 0.',
  too_many_decimals: 'This value is not valid.',
  too_large: 'This value is too large.',
};

/**
 * A JSON number that a double would have changed (kit/json.ts) is read from its text, as
 * the number it is: `10.00999999999999999999` has too many decimals, it is not 10.01. One in
 * exponent form is refused as money.ts refuses a number that prints with an exponent.
 */
function parseExact(input: ExactNumber, currency: Currency): Result<bigint, MoneyParseError> {
  const { text } = input;
  if (!/[eE]/.test(text)) return parseMajor(text, currency);
  if (text.startsWith('-')) return fail('negative');
  return fail(Math.abs(Number(text)) >= 1 ? 'too_large' : 'too_many_decimals');
}

/** JSON numbers in major units (`123.45`), read and written digit for digit. */
export const pmAmount = {
  parse(input: unknown, currency: Currency): Result<bigint, string> {
    const parsed = input instanceof ExactNumber ? parseExact(input, currency) : parseMajor(input, currency);
    if (!parsed.ok) return fail(amountMessages[parsed.error]);
    if (parsed.value === 0n) return fail(amountMessages.negative);
    return parsed;
  },
  /** `10000` → `100`, `12345` → `123.45`, `12340` → `123.4`: what PHP prints for the float. */
  print(amountMinor: bigint, currency: Currency): RawNumber {
    const text = formatMajor(amountMinor, currency);
    return new RawNumber(text.includes('.') ? text.replace(/\.?0+$/, '') : text);
  },
};

/** Fee rates are parts per million in the engine and percent on the wire: 25_000 → `2.5`. */
export const printRatePercent = (ppm: bigint): RawNumber => {
  const text = `${ppm / 10_000n}.${(ppm % 10_000n).toString().padStart(4, '0')}`;
  return new RawNumber(text.replace(/\.?0+$/, ''));
};

// ---- ids ----

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A stable id from a name: 16 base62 characters of its SHA-256. */
function derivedId(name: string): string {
  let n = BigInt(`0x${createHash('sha256').update(name).digest('hex')}`);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out += base62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

export const invoiceIdOf = (publicId: string): string => `cpi_${publicId}`;
/** `cpi_` + the payment's public id; anything else names no invoice. */
export const publicIdOf = (invoiceId: string): string | null =>
  /^cpi_([0-9A-Za-z]{16})$/.exec(invoiceId)?.[1] ?? null;
export const customerIdOf = (merchantId: bigint, reference: string): string =>
  `cus_${derivedId(`customer:${merchantId}:${reference}`)}`;
/**
 * The customer of an invoice created without one. Every invoice of the spec has a customers
 * relationship; an anonymous payer is a customer of its own, so the id is derived from the
 * invoice (stable across renderings, never shared with another invoice or with a named
 * customer, whose names start `customer:`).
 */
export const anonymousCustomerIdOf = (merchantId: bigint, publicId: string): string =>
  `cus_${derivedId(`anonymous customer:${merchantId}:${publicId}`)}`;
export const serviceIdOf = (service: Service): string =>
  `comcps_${derivedId(`service:${service.merchantId}:${service.id}`)}`;

// ---- services and methods ----

/** Method logos are served by the public API itself (routes.ts): no third-party host involved. */
export const methodLogoUrl = (publicUrl: string, code: string): string =>
  `${publicUrl}/public-api/static/payment-methods/${code}.svg`;

export type PmMethod = {
  /** Paymega's method code and the flow of its services. */
  code: string;
  flow: string;
  category: string;
  name: { en: string; ru: string; uk: string };
  /** Paymega's limits of one payment, in major units. */
  amountMinMajor: string;
  amountMaxMajor: string;
  fields: readonly ServiceField[];
};

/** The test service's one field: the outcome the merchant's automated test wants. */
export const testStatusField: ServiceField = {
  key: 'status',
  type: 'string',
  label: { ru: 'Статус', en: 'Status', uk: 'Статус' },
  example: null,
  hint: { ru: 'Введите статус', en: 'Enter Status', uk: 'Введіть статус' },
  regexp: '^[a-zA-Z_]*$',
  required: true,
  position: 0,
};

/** Engine payment methods Paymega offers, by the engine's `services.method`. */
export const pmMethods: Readonly<Record<string, PmMethod>> = {
  card: {
    code: 'payment_card',
    flow: 'hpp',
    category: 'payment_card',
    name: { en: 'Payment card', ru: 'Платежная карта', uk: 'Платіжна карта' },
    amountMinMajor: '0.01',
    amountMaxMajor: '1000000',
    fields: [],
  },
  test: {
    code: 'test',
    flow: 'test',
    category: 'alternative',
    name: { en: 'Test', ru: 'Тест', uk: 'Тест' },
    amountMinMajor: '0.01',
    amountMaxMajor: '9999999',
    fields: [testStatusField],
  },
};

/** A pay service of the engine's catalogue, as Paymega names it (`card_usd` → `payment_card_usd_hpp`). */
export type PmService = { code: string; method: PmMethod; currency: Currency; engine: Service | null };

export const serviceCodeOf = (method: PmMethod, currency: Currency): string =>
  `${method.code}_${currency.toLowerCase()}_${method.flow}`;

export function toPmService(service: Service): PmService | null {
  const method = pmMethods[service.method];
  if (service.kind !== 'pay' || !method) return null;
  return {
    code: serviceCodeOf(method, service.currency),
    method,
    currency: service.currency,
    engine: service,
  };
}

/**
 * The currency an account settles in: the `currency` of its service documents (the spec's
 * account shows `"currency":"GBP"` on its USD services). Kopek keeps each currency's balance
 * in that currency, so it is the service's own unless the account's `settlementCurrency`
 * setting names another (one it settles to outside Kopek).
 */
export function settlementCurrencyOf(settings: MerchantSettings, service: PmService): Currency {
  const setting = settings.settlementCurrency;
  const code = typeof setting === 'string' ? setting.toUpperCase() : '';
  return isCurrency(code) ? code : service.currency;
}

/**
 * `original_data.merchant_id`: the merchant id the provider knows the payment under (the
 * spec's `host2hostTest`), by connector. Kopek reaches a bank with one merchant account of its
 * own, so the id is the connector's, never one of Kopek's merchants (whose internal row id
 * would name nothing the merchant can use). A connector not listed: unknown, null.
 */
export const providerMerchantIds: Readonly<Record<string, string>> = { simulator: 'kopek_sandbox' };

export const providerMerchantIdOf = (connector: string | null): string | null =>
  connector !== null && Object.hasOwn(providerMerchantIds, connector)
    ? (providerMerchantIds[connector] ?? null)
    : null;

/** The service a payment was made with; payments of other dialects may name none. */
export function serviceOfPayment(payment: Payment, services: readonly Service[]): PmService {
  const own = services.find((s) => s.id === payment.serviceId);
  const mapped = own ? toPmService(own) : null;
  if (mapped) return mapped;
  const method = pmMethods[payment.system] ?? pmMethods.card!;
  return { code: serviceCodeOf(method, payment.currency), method, currency: payment.currency, engine: null };
}

export const paymentMethodOf = (method: PmMethod, publicUrl: string): Wire<PaymentMethod> => ({
  code: method.code,
  category: method.category,
  description: '',
  name: method.name,
  logo: methodLogoUrl(publicUrl, method.code),
  icon: methodLogoUrl(publicUrl, method.code),
  metadata: null,
  position: null,
  hide: null,
});

/**
 * The test service's `status` field decides the outcome; null leaves the invoice pending.
 * Compatibility choice: any value its advertised regexp (`^[a-zA-Z_]*$`) allows is accepted,
 * as a client generating its form from that field expects; the names are read without regard
 * to case. The invoice statuses and their short forms settle as they say; `created` and
 * `expired` stay pending until `expires` (the test service cannot move the clock, and an
 * unpaid invoice then expires as `process_failed` / `expired`); any other value declines,
 * since a value a test does not expect to succeed is closest to a failure it can observe.
 */
const testStatusOutcomes: Readonly<Record<string, TestOutcome | null>> = {
  processed: 'approve',
  success: 'approve',
  process_failed: 'decline',
  fail: 'decline',
  failed: 'decline',
  created: null,
  process_pending: null,
  pending: null,
  expired: null,
};

export const testOutcomeOf = (status: string): TestOutcome | null => {
  const name = status.toLowerCase();
  return Object.hasOwn(testStatusOutcomes, name) ? (testStatusOutcomes[name] ?? null) : 'decline';
};

/**
 * Checks `service_fields` against the service's field definitions (required, regexp), and
 * names each failing field as Paymega does (`service_fields.status`).
 */
export function checkServiceFields(
  method: PmMethod,
  given: Record<string, unknown> | undefined,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of method.fields) {
    const value = given?.[field.key];
    const name = `service_fields.${field.key}`;
    if (value === undefined || value === null || value === '') {
      if (field.required) errors[name] = 'This value should not be blank.';
    } else if (typeof value !== 'string') errors[name] = 'This value should be of type string.';
    else if (!new RegExp(field.regexp).test(value)) errors[name] = 'This value is not valid.';
  }
  return errors;
}

// ---- statuses ----

export const pmStatuses = [
  'created',
  'process_pending',
  'processed',
  'process_failed',
  'expired',
  'refund_pending',
  'partially_refunded',
  'refunded',
  'refund_failed',
] as const;
export type PmStatus = (typeof pmStatuses)[number];

/** Canceled or expired after an approved `verify` (a hold): the verification itself succeeded. */
type Rule = PmStatus | { unpaid: PmStatus; afterAuthorization: PmStatus };

/**
 * The invoice status of each core status. Paymega's `created` (no payment invoked yet) and
 * `expired` (expired before a method was chosen) never occur: every invoice is invoked on the
 * hosted page at once, and an unpaid one expires as `process_failed` / `expired`, as in the
 * spec's example. Refunds in flight (`refund_pending`) and a refused last refund
 * (`refund_failed`) come from the refunds, see `invoiceStatusOf`.
 */
export const pmStatus = {
  created: 'process_pending',
  pending: 'process_pending',
  unknown: 'process_pending',
  authorized: 'processed',
  captured: 'processed',
  partially_refunded: 'partially_refunded',
  refunded: 'refunded',
  failed: 'process_failed',
  canceled: { unpaid: 'process_failed', afterAuthorization: 'processed' },
  expired: { unpaid: 'process_failed', afterAuthorization: 'processed' },
} as const satisfies Record<PaymentStatus, Rule>;

/** What the engine knows of a payment's refunds that its status does not say. */
export type RefundFacts = { lastRefundFailed: boolean };

export function invoiceStatusOf(payment: Payment, refunds: RefundFacts): PmStatus {
  const rule: Rule = pmStatus[payment.status];
  const base =
    typeof rule === 'string' ? rule : payment.authorizedMinor > 0n ? rule.afterAuthorization : rule.unpaid;
  if (payment.refundReservedMinor > 0n) return 'refund_pending';
  if (refunds.lastRefundFailed && (base === 'processed' || base === 'partially_refunded'))
    return 'refund_failed';
  return base;
}

/** Paymega's resolution of a declined card, by the bank's reason. */
export const declineResolution = {
  do_not_honor: 'do_not_honor',
  insufficient_funds: 'insufficient_funds',
  expired_card: 'card_expired',
  lost_card: 'lost_card',
  stolen_card: 'stolen_card',
  invalid_card: 'invalid_card',
  processing_error: 'processing_error',
  authentication_failed: 'authentication_failed',
  not_permitted: 'not_permitted',
} as const satisfies Record<DeclineReason, string>;

/** `ok`, or why the invoice failed; the public API writes `ok` as `OK`. */
export function resolutionOf(payment: Payment, status: PmStatus): string {
  if (status === 'refund_failed') return 'refund_declined';
  if (status !== 'process_failed') return 'ok';
  if (payment.status === 'expired') return 'expired';
  if (payment.status === 'canceled') return 'canceled';
  const reason = payment.decline?.reason;
  return reason && Object.hasOwn(declineResolution, reason)
    ? declineResolution[reason as DeclineReason]
    : 'unknown_error';
}

export const publicResolution = (resolution: string): string => (resolution === 'ok' ? 'OK' : resolution);

/** The state of the invoice's payment on the provider's page (public `active_payment.status`). */
export const activePaymentStatus = {
  created: 'created',
  process_pending: 'invoked',
  processed: 'processed',
  process_failed: 'process_failed',
  expired: 'process_failed',
  refund_pending: 'processed',
  partially_refunded: 'processed',
  refunded: 'processed',
  refund_failed: 'processed',
} as const satisfies Record<PmStatus, string>;

/**
 * Which engine events change the invoice's status, and to what: a callback goes out for each.
 * The hop created → pending (the bank is asked) and a declined attempt that lets the payer try
 * again stay `process_pending`; a refund's payment event is told by the refund's own event.
 */
export function callbackStatusOf(event: DomainEvent): PmStatus | null {
  if (event.type === 'payout' || event.type === 'identification') return null;
  const { payment } = event;
  if (event.type === 'refund') {
    if (event.name === 'refund.pending') return 'refund_pending';
    if (event.name === 'refund.failed') return 'refund_failed';
    if (event.name === 'refund.succeeded') return invoiceStatusOf(payment, { lastRefundFailed: false });
    return null;
  }
  switch (payment.status) {
    case 'created':
      return payment.attempts === 0 ? 'process_pending' : null;
    case 'pending':
    case 'unknown':
    case 'partially_refunded':
    case 'refunded':
      return null;
    case 'canceled':
    case 'expired':
      return payment.authorizedMinor > 0n ? null : 'process_failed';
    default:
      return invoiceStatusOf(payment, { lastRefundFailed: false });
  }
}

// ---- return URLs ----

/**
 * Paymega has one universal `return_url` and per-outcome `return_urls`; the engine has one
 * URL per outcome. Each outcome takes its own URL or the universal one, and the universal one
 * is kept as the engine's `cancel` (a payer who gives up goes back to it), whence it is read back.
 */
export function toReturnUrls(
  returnUrl?: string,
  urls?: { success?: string; fail?: string; pending?: string },
) {
  const out: ReturnUrls = {};
  const success = urls?.success ?? returnUrl;
  const failUrl = urls?.fail ?? returnUrl;
  const pending = urls?.pending ?? returnUrl;
  if (success !== undefined) out.success = success;
  if (failUrl !== undefined) out.fail = failUrl;
  if (pending !== undefined) out.pending = pending;
  if (returnUrl !== undefined) out.cancel = returnUrl;
  return out;
}

const isHttpUrl = (text: string): boolean => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/** The URLs of an invoice, each named as the merchant sent it (the engine sees them merged). */
export function checkUrls(urls: {
  return_url?: string;
  return_urls?: Record<string, string | undefined>;
  callback_url?: string;
}): Record<string, string> {
  const named: [string, string | undefined][] = [
    ['return_url', urls.return_url],
    ...Object.entries(urls.return_urls ?? {}).map(([k, v]): [string, string | undefined] => [
      `return_urls.${k}`,
      v,
    ]),
    ['callback_url', urls.callback_url],
  ];
  const errors: Record<string, string> = {};
  for (const [name, url] of named)
    if (url !== undefined && !isHttpUrl(url)) errors[name] = 'This value is not a valid URL.';
  return errors;
}

// ---- what clients send for "nothing" ----

/** A JSON object: not null, not an array. */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type Blank = { drop: readonly string[]; objects: readonly string[] };
const blanks: Readonly<Record<'invoice' | 'customer' | 'address' | 'returnUrls', Blank>> = {
  invoice: {
    drop: ['return_url', 'callback_url', 'expires'],
    objects: ['metadata', 'service_fields', 'gateway_options', 'customer', 'return_urls'],
  },
  customer: { drop: [], objects: ['metadata', 'address'] },
  address: { drop: [], objects: [] },
  returnUrls: { drop: ['success', 'fail', 'pending'], objects: [] },
};

function withoutBlanks(value: unknown, blank: Blank, extraDrop: readonly string[] = []) {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === null) continue;
    if (member === '' && (blank.drop.includes(key) || extraDrop.includes(key))) continue;
    out[key] = blank.objects.includes(key) && Array.isArray(member) && member.length === 0 ? {} : member;
  }
  return out;
}

/**
 * The invoice fields as Symfony's constraints see them, before any check. The spec is silent;
 * PHP clients (most of Paymega's) send `null` for a field they leave out, `[]` for an empty
 * object (`json_encode([])`), and HTML forms send `''` for an empty input. So: null is
 * absent everywhere (a required field then is "blank", as NotBlank says of null); `[]` is
 * `{}` where an object goes; `''` is absent for the optional URLs and `expires` (Symfony's
 * Url and DateTime pass it), and for `return_urls.pending`, which then is "blank".
 * `referenceOptional`: the public API generates a missing `reference_id`, so `''` is missing.
 */
export function tolerantInvoiceFields(input: unknown, options: { referenceOptional: boolean }): unknown {
  const out = withoutBlanks(input, blanks.invoice, options.referenceOptional ? ['reference_id'] : []);
  if (!isPlainObject(out)) return out;
  if (out.customer !== undefined) {
    const customer = withoutBlanks(out.customer, blanks.customer);
    if (isPlainObject(customer) && customer.address !== undefined)
      customer.address = withoutBlanks(customer.address, blanks.address);
    out.customer = customer;
  }
  if (out.return_urls !== undefined) out.return_urls = withoutBlanks(out.return_urls, blanks.returnUrls);
  return out;
}

/**
 * The public API's fields, tolerated as above. The official JS SDK (paycoreio/msdk,
 * `createPaymentInvoice`) sends the service fields as `fields`: read as `service_fields` when
 * those are absent (null is absent, as everywhere), so its test-service status counts.
 */
export function publicInvoiceFields(input: unknown): unknown {
  if (!isPlainObject(input) || (input.service_fields ?? null) !== null || input.fields === undefined)
    return tolerantInvoiceFields(input, { referenceOptional: true });
  const { fields, ...rest } = input;
  return tolerantInvoiceFields({ ...rest, service_fields: fields }, { referenceOptional: true });
}

// the error table moved to errors.ts; these names stay importable from here
export { type ErrorBody, engineFailure, errorListOf, type PmFail, pmFail } from './errors.ts';

/** Paymega's limits of one service, in minor units, for the check before the engine's. */
export function amountBoundsOf(method: PmMethod, currency: Currency): { min: bigint; max: bigint } {
  const parse = (text: string) => {
    const parsed = parseMajor(text, currency);
    return parsed.ok ? parsed.value : 0n;
  };
  return { min: parse(method.amountMinMajor) || 1n, max: parse(method.amountMaxMajor) };
}

/** Checks an amount against the service's bounds; the message names the bound, as Symfony's does. */
export function checkAmountBounds(minor: bigint, method: PmMethod, currency: Currency): string | null {
  const { min, max } = amountBoundsOf(method, currency);
  if (minor < min)
    return `This value should be greater than or equal to ${pmAmount.print(min, currency).text}.`;
  if (minor > max) return `This value should be less than or equal to ${pmAmount.print(max, currency).text}.`;
  return null;
}

/** An engine refund amount from the wire, or the whole refundable rest when none is given. */
export function refundAmountOf(input: unknown, currency: Currency): Result<bigint | undefined, string> {
  if (input === undefined || input === null) return ok(undefined);
  return pmAmount.parse(input, currency);
}
