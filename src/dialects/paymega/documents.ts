import type { Currency } from '../../domain/currency.ts';
import type { Service } from '../../engine/merchants/view.ts';
import type { DeliveryAttempt } from '../../engine/outbox/deliveries.ts';
import type { Payment } from '../../engine/payments/view.ts';
import { RawNumber } from './json.ts';
import {
  activePaymentStatus,
  anonymousCustomerIdOf,
  customerIdOf,
  invoiceIdOf,
  invoiceStatusOf,
  type PmService,
  pmAmount,
  printRatePercent,
  providerMerchantIdOf,
  publicResolution,
  resolutionOf,
  serviceIdOf,
} from './map.ts';
import type { PaymentService, PrivateInvoice, PublicInvoice, Wire } from './wire.ts';

/**
 * The documents Paymega renders, built field by field from the engine's facts (pure): the
 * invoice of the private API and of the callbacks, the public API's flat invoice, and a
 * payment service. Typed by the wire schemas, so no field is missing and none slips in.
 */

/** Everything an invoice document says, gathered by invoice.ts. */
export type InvoiceFacts = {
  payment: Payment;
  service: PmService;
  /** The merchant's Paymega account id (`external_mid`). */
  accountId: string;
  lastRefundFailed: boolean;
  /** This invoice's callbacks, attempt by attempt, oldest first. */
  callbacks: readonly DeliveryAttempt[];
  merchantUrl: string | null;
  /** Where the payer pays, and the token that names the session. */
  pageUrl: string;
  pageToken: string;
};

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const orNull = <T>(value: T | null | undefined): T | null => value ?? null;

/**
 * The merchant's metadata with the account's `merchant_url`, as in every example of the spec,
 * including those of requests without metadata: always an object, never null. An account
 * without a website has `merchant_url: null` (what PHP writes for the unset setting), unless
 * the merchant's own metadata names one.
 */
function metadataOf(f: InvoiceFacts): Record<string, unknown> {
  const own = f.payment.metadata;
  return { ...own, merchant_url: f.merchantUrl ?? own.merchant_url ?? null };
}

const flowDataOf = (f: InvoiceFacts) => ({
  action: f.pageUrl,
  method: 'GET',
  params: [],
  metadata: { sid: invoiceIdOf(f.payment.publicId), token: f.pageToken },
});

/**
 * `{"<unix ts>": {status, processed, response_code, transaction_status}}`, one entry per
 * delivery attempt; `[]` when there is none (PHP's empty array). Two attempts in one second
 * get consecutive keys, so none hides another; `processed` keeps the real time.
 */
export function callbackLogsOf(callbacks: readonly DeliveryAttempt[]) {
  if (callbacks.length === 0) return [];
  const logs: Record<
    string,
    Wire<{ status: string; processed: number; response_code: number | null; transaction_status: string }>
  > = {};
  let last = Number.NEGATIVE_INFINITY;
  for (const c of callbacks) {
    const key = Math.max(seconds(c.startedAt), last + 1);
    last = key;
    logs[String(key)] = {
      status: c.delivered ? 'done' : 'error',
      processed: Math.floor((c.startedAt.getTime() + c.durationMs) / 1000),
      response_code: c.responseStatus,
      transaction_status: String(c.payload.transaction_status ?? ''),
    };
  }
  return logs;
}

/** Money and times both documents share. */
function figuresOf(f: InvoiceFacts) {
  const p = f.payment;
  const amount = (minor: bigint) => pmAmount.print(minor, p.currency);
  const verify = p.flow === 'hold';
  const processedMinor = verify ? p.authorizedMinor : p.capturedMinor;
  const processed = processedMinor > 0n;
  const status = invoiceStatusOf(p, { lastRefundFailed: f.lastRefundFailed });
  const resolution = resolutionOf(p, status);
  const released = verify && processed && (p.status === 'canceled' || p.status === 'expired');
  return {
    status,
    resolution,
    amount: amount(p.amountMinor),
    fee: amount(p.feeMinor),
    deposit: amount(p.amountMinor - p.feeMinor),
    processed: processed ? seconds(p.paidAt ?? p.updatedAt) : null,
    processedAmount: processed ? amount(processedMinor) : null,
    refundedAmount: p.refundedMinor > 0n ? amount(p.refundedMinor) : null,
    processedFee: processed ? amount(p.feeMinor) : null,
    processedDeposit: processed ? amount(processedMinor - p.feeMinor) : null,
    reservedAmount: verify && p.status === 'authorized' ? amount(p.authorizedMinor) : null,
    reserveExpires: verify && p.status === 'authorized' ? seconds(p.expiresAt) : null,
    unreserved: released ? seconds(p.updatedAt) : null,
  };
}

function paymentCardOf(p: Payment) {
  if (!p.card) return null;
  const [month = '', year = ''] = p.card.expiry.split('/');
  return {
    token: null,
    client_ip: '',
    payment_card: {
      last: p.card.mask.slice(-4),
      mask: p.card.mask,
      brand: p.card.brand,
      first: p.card.mask.slice(0, 6),
      holder: p.card.holder || null,
      network: p.card.brand,
      expiry_year: year,
      issuer_name: null,
      expiry_month: month,
      issuer_country: null,
    },
  };
}

/** The invoice as the private API (and the callback) renders it: a JSON:API resource. */
export function privateInvoiceOf(f: InvoiceFacts): Wire<PrivateInvoice> {
  const p = f.payment;
  const m = figuresOf(f);
  const id = invoiceIdOf(p.publicId);
  const customerRef = typeof p.customer.id === 'string' ? p.customer.id : null;
  return {
    type: 'payment-invoices',
    id,
    attributes: {
      serial_number: p.publicId,
      status: m.status,
      resolution: m.resolution,
      moderation_required: false,
      amount: m.amount,
      payment_amount: m.amount,
      currency: p.currency,
      service_currency: f.service.currency,
      reference_id: p.externalId,
      test_mode: p.testMode,
      fee: m.fee,
      deposit: m.deposit,
      processed: m.processed,
      processed_amount: m.processedAmount,
      refunded_amount: m.refundedAmount,
      processed_fee: m.processedFee,
      processed_deposit: m.processedDeposit,
      metadata: metadataOf(f),
      flow_data: flowDataOf(f),
      // where the payer pays: the page of a hosted-page service; the test service, which
      // settles by its `status` field, has none
      hpp_url: f.service.method.flow === 'hpp' ? f.pageUrl : null,
      flow: f.service.method.flow,
      payment_flow: p.flow === 'hold' ? 'verify' : 'charge',
      created: seconds(p.createdAt),
      updated: seconds(p.updatedAt),
      payload: paymentCardOf(p),
      // the spec's nullable texts (`descriptor`) are null when unset; the engine keeps an unset
      // description as '', which is also what the JS SDK and empty form inputs send for none
      description: p.description === '' ? null : p.description,
      descriptor: null,
      callback_url: p.callbackUrl,
      return_url: orNull(p.returnUrls.cancel),
      original_data: {
        external_id: orNull(p.receipt.bankRef),
        merchant_id: providerMerchantIdOf(p.connector),
        provider_id: null,
        external_mid: f.accountId,
        provider_code: p.connector,
      },
      rrn: p.receipt.rrn,
      approval_code: p.receipt.approvalCode,
      reserved_amount: m.reservedAmount,
      reserve_expires: m.reserveExpires,
      unreserved: m.unreserved,
      source: 'merchant_api',
      callback_logs: callbackLogsOf(f.callbacks),
    },
    relationships: {
      'payment-service': { data: { type: 'payment-services', id: f.service.code } },
      'payment-method': { data: { type: 'payment-methods', id: f.service.method.code } },
      customer: {
        data: {
          type: 'customers',
          id: customerRef
            ? customerIdOf(p.merchantId, customerRef)
            : anonymousCustomerIdOf(p.merchantId, p.publicId),
        },
      },
    },
    links: { self: `/api/payment-invoices/${id}` },
  };
}

/** The invoice as the public API renders it: flat, without the merchant-only fields. */
export function publicInvoiceOf(f: InvoiceFacts): Wire<PublicInvoice> {
  const p = f.payment;
  const m = figuresOf(f);
  const resolution = publicResolution(m.resolution);
  const urls = p.returnUrls;
  return {
    id: invoiceIdOf(p.publicId),
    serial_number: p.publicId,
    created: seconds(p.createdAt),
    test_mode: p.testMode,
    reference_id: p.externalId,
    currency: p.currency,
    amount: m.amount,
    payment_amount: m.amount,
    processed_amount: m.processedAmount,
    refunded_amount: m.refundedAmount,
    description: p.description === '' ? null : p.description,
    has_return_url: Boolean(urls.success || urls.fail || urls.pending || urls.cancel),
    status: m.status,
    resolution,
    service: f.service.code,
    service_method: f.service.method.code,
    service_flow: f.service.method.flow,
    service_currency: f.service.currency,
    metadata: metadataOf(f),
    active_payment: { payload: flowDataOf(f), status: activePaymentStatus[m.status], resolution },
  };
}

/** One service of the merchant's catalogue, with its fee settings and the account's settlement currency. */
export function paymentServiceOf(
  service: PmService & { engine: Service },
  settlementCurrency: Currency,
): Wire<PaymentService> {
  const id = serviceIdOf(service.engine);
  const { fee } = service.engine;
  const money = (minor: bigint) => pmAmount.print(minor, service.currency);
  return {
    type: 'payment-services',
    id,
    attributes: {
      service: service.code,
      service_method: service.method.code,
      service_currency: service.currency,
      available: true,
      active: service.engine.enabled,
      enabled: service.engine.enabled,
      amount_min: new RawNumber(service.method.amountMinMajor),
      amount_max: new RawNumber(service.method.amountMaxMajor),
      fee_min: money(fee.minMinor),
      fee_max: fee.maxMinor === null ? 0 : money(fee.maxMinor),
      fee_rate: printRatePercent(fee.ratePpm),
      fee_fix: money(fee.fixedMinor),
      reserve_lifetime: 0,
      reserve_rate: 0,
      currency: settlementCurrency,
      // every service goes to the built-in sandbox bank
      test_mode: true,
    },
    relationships: {
      'payment-method': { data: { type: 'payment-methods', id: service.method.code } },
      'payment-service': { data: { type: 'payment-services', id: service.code } },
    },
    links: { self: `/api/payment-services/${id}` },
  };
}
