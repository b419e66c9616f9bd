import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DeclineReason } from '../../../src/acquiring/connector.ts';
import { signatureOf } from '../../../src/dialects/paymega/callbacks.ts';
import { callbackLogsOf } from '../../../src/dialects/paymega/documents.ts';
import { formToObject } from '../../../src/dialects/paymega/http.ts';
import { RawNumber, writeJson } from '../../../src/dialects/paymega/json.ts';
import {
  anonymousCustomerIdOf,
  callbackStatusOf,
  checkServiceFields,
  customerIdOf,
  declineResolution,
  engineFailure,
  invoiceStatusOf,
  pmAmount,
  pmFail,
  pmMethods,
  pmStatus,
  printRatePercent,
  providerMerchantIdOf,
  publicIdOf,
  resolutionOf,
  testOutcomeOf,
  tolerantInvoiceFields,
  toPmService,
  toReturnUrls,
} from '../../../src/dialects/paymega/map.ts';
import { engineErrors } from '../../../src/domain/errors.ts';
import { paymentStates } from '../../../src/domain/states.ts';
import type { Service } from '../../../src/engine/merchants/view.ts';
import type { DomainEvent } from '../../../src/engine/outbox/notify.ts';
import type { Payment } from '../../../src/engine/payments/view.ts';
import type { Refund } from '../../../src/engine/refunds/view.ts';

const at = new Date(Date.UTC(2026, 10, 23, 9, 0, 0));

function payment(more: Partial<Payment> = {}): Payment {
  return {
    id: 1n,
    publicId: 'AbCdEfGhIjKlMnOp',
    merchantId: 7n,
    externalId: 'order-1',
    origin: 'paymega',
    flow: 'charge',
    status: 'created',
    amountMinor: 100_00n,
    currency: 'USD',
    feeMinor: 3_20n,
    authorizedMinor: 0n,
    capturedMinor: 0n,
    refundedMinor: 0n,
    refundReservedMinor: 0n,
    serviceId: 2n,
    system: 'card',
    description: '',
    customer: {},
    metadata: {},
    returnUrls: {},
    callbackUrl: 'https://shop.test/cb',
    testMode: true,
    attempts: 0,
    attemptsMax: 3,
    expiresAt: at,
    card: null,
    cardLink: null,
    receipt: { rc: null, rrn: null, approvalCode: null, bankRef: null },
    decline: null,
    challenge: null,
    connector: null,
    connectorData: null,
    opInFlight: null,
    createdAt: at,
    updatedAt: at,
    paidAt: null,
    ...more,
  } as Payment;
}

const paidPayment = (more: Partial<Payment> = {}) =>
  payment({ status: 'captured', authorizedMinor: 100_00n, capturedMinor: 100_00n, paidAt: at, ...more });

describe('Paymega amount codec', () => {
  it('reads JSON numbers and strings in major units, exactly', () => {
    const cases: [unknown, bigint][] = [
      [100.55, 100_55n],
      ['100.55', 100_55n],
      [100, 100_00n],
      [0.01, 1n],
      [123.45, 123_45n],
      [9999999.99, 9_999_999_99n],
      ['1.500', 1_50n],
    ];
    for (const [input, minor] of cases)
      assert.deepEqual(pmAmount.parse(input, 'USD'), { ok: true, value: minor });
    assert.deepEqual(pmAmount.parse(100, 'JPY'), { ok: true, value: 100n });
    assert.deepEqual(pmAmount.parse(1.5, 'KWD'), { ok: true, value: 1_500n });
  });

  it('refuses what is not an amount, in Symfony words', () => {
    const cases: [unknown, string][] = [
      [0, 'This value should be greater than 0.'],
      [-1, 'This value should be greater than 0.'],
      ['-0.01', 'This value should be greater than 0.'],
      [1.005, 'This value is not valid.'],
      [100.30000000000001, 'This value is not valid.'],
      ['abc', 'This value should be of type numeric.'],
      [true, 'This value should be of type numeric.'],
      [null, 'This value should be of type numeric.'],
      [1e21, 'This value is too large.'],
    ];
    for (const [input, message] of cases)
      assert.deepEqual(pmAmount.parse(input, 'USD'), { ok: false, error: message });
    assert.equal(pmAmount.parse(100.5, 'JPY').ok, false);
  });

  it('writes amounts as PHP prints the float: no trailing zeros', () => {
    const cases: [bigint, string][] = [
      [100_00n, '100'],
      [123_45n, '123.45'],
      [123_40n, '123.4'],
      [1n, '0.01'],
      [0n, '0'],
      [10n ** 15n, '10000000000000'],
    ];
    for (const [minor, text] of cases) assert.equal(pmAmount.print(minor, 'USD').text, text);
    assert.equal(pmAmount.print(100n, 'JPY').text, '100');
    assert.equal(pmAmount.print(1_500n, 'KWD').text, '1.5');
  });

  it('round-trips every amount up to the engine limit through the JSON wire', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), (minor) => {
        const json = writeJson({ amount: pmAmount.print(minor, 'USD') });
        assert.deepEqual(pmAmount.parse(JSON.parse(json).amount, 'USD'), { ok: true, value: minor });
      }),
      { numRuns: 2000 },
    );
  });

  it('writes fee rates in percent', () => {
    assert.equal(printRatePercent(25_000n).text, '2.5');
    assert.equal(printRatePercent(29_000n).text, '2.9');
    assert.equal(printRatePercent(0n).text, '0');
    assert.equal(printRatePercent(1_000_000n).text, '100');
    assert.equal(printRatePercent(35n).text, '0.0035');
  });
});

describe('Paymega JSON writer', () => {
  it('writes RawNumber as a bare number and drops undefined', () => {
    assert.equal(
      writeJson({ a: new RawNumber('100.10'), b: [new RawNumber('1')], c: undefined, d: null, e: 'ё' }),
      '{"a":100.10,"b":[1],"d":null,"e":"ё"}',
    );
    assert.throws(() => new RawNumber('1e5'));
    assert.throws(() => new RawNumber('01'));
  });
});

describe('Paymega status table: one row per core status', () => {
  const expected = {
    created: 'process_pending',
    pending: 'process_pending',
    unknown: 'process_pending',
    authorized: 'processed',
    captured: 'processed',
    partially_refunded: 'partially_refunded',
    refunded: 'refunded',
    failed: 'process_failed',
    canceled: 'process_failed',
    expired: 'process_failed',
  } as const;
  for (const status of paymentStates)
    it(`${status} → ${expected[status]}`, () => {
      assert.equal(invoiceStatusOf(payment({ status }), { lastRefundFailed: false }), expected[status]);
    });

  it('a verify (hold) released or lapsed after approval stays processed', () => {
    for (const status of ['canceled', 'expired'] as const) {
      const p = payment({ status, flow: 'hold', authorizedMinor: 100_00n });
      assert.equal(invoiceStatusOf(p, { lastRefundFailed: false }), 'processed', status);
      assert.equal(resolutionOf(p, 'processed'), 'ok');
    }
    assert.deepEqual(pmStatus.canceled, { unpaid: 'process_failed', afterAuthorization: 'processed' });
  });

  it('a refund in flight is refund_pending; a refused last refund is refund_failed', () => {
    assert.equal(
      invoiceStatusOf(paidPayment({ refundReservedMinor: 10_00n }), { lastRefundFailed: false }),
      'refund_pending',
    );
    assert.equal(invoiceStatusOf(paidPayment(), { lastRefundFailed: true }), 'refund_failed');
    const partly = paidPayment({ status: 'partially_refunded', refundedMinor: 10_00n });
    assert.equal(invoiceStatusOf(partly, { lastRefundFailed: true }), 'refund_failed');
    assert.equal(resolutionOf(partly, 'refund_failed'), 'refund_declined');
    const whole = paidPayment({ status: 'refunded', refundedMinor: 100_00n });
    assert.equal(invoiceStatusOf(whole, { lastRefundFailed: true }), 'refunded');
  });
});

describe('Paymega resolution', () => {
  it('ok unless failed; expired and canceled by name', () => {
    assert.equal(resolutionOf(payment(), 'process_pending'), 'ok');
    assert.equal(resolutionOf(paidPayment(), 'processed'), 'ok');
    assert.equal(resolutionOf(payment({ status: 'expired' }), 'process_failed'), 'expired');
    assert.equal(resolutionOf(payment({ status: 'canceled' }), 'process_failed'), 'canceled');
    assert.equal(resolutionOf(payment({ status: 'failed' }), 'process_failed'), 'unknown_error');
  });
  for (const [reason, resolution] of Object.entries(declineResolution))
    it(`declined with ${reason} → ${resolution}`, () => {
      const p = payment({ status: 'failed', decline: { reason: reason as DeclineReason, message: '' } });
      assert.equal(resolutionOf(p, 'process_failed'), resolution);
    });
});

describe('Paymega callbacks: which event changes the invoice status', () => {
  const paymentEvent = (p: Payment): DomainEvent => ({
    type: 'payment',
    name: `payment.${p.status}`,
    payment: p,
  });
  const refund = { id: 1n, status: 'pending' } as Refund;
  const refundEvent = (name: string, p: Payment): DomainEvent => ({
    type: 'refund',
    name,
    refund,
    payment: p,
  });
  const cases: [string, DomainEvent, string | null][] = [
    ['creation', paymentEvent(payment()), 'process_pending'],
    ['the bank is asked', paymentEvent(payment({ status: 'pending', attempts: 1 })), null],
    ['a declined attempt with attempts left', paymentEvent(payment({ attempts: 1 })), null],
    ['the bank timed out', paymentEvent(payment({ status: 'unknown', attempts: 1 })), null],
    ['captured', paymentEvent(paidPayment()), 'processed'],
    [
      'verify approved',
      paymentEvent(payment({ status: 'authorized', flow: 'hold', authorizedMinor: 1n })),
      'processed',
    ],
    ['failed', paymentEvent(payment({ status: 'failed' })), 'process_failed'],
    ['canceled by the payer', paymentEvent(payment({ status: 'canceled' })), 'process_failed'],
    ['expired unpaid', paymentEvent(payment({ status: 'expired' })), 'process_failed'],
    [
      'a verify hold lapsed',
      paymentEvent(payment({ status: 'expired', flow: 'hold', authorizedMinor: 1n })),
      null,
    ],
    ['refunded (told by the refund event)', paymentEvent(paidPayment({ status: 'refunded' })), null],
    [
      'refund asked',
      refundEvent('refund.pending', paidPayment({ refundReservedMinor: 1n })),
      'refund_pending',
    ],
    ['refund refused', refundEvent('refund.failed', paidPayment()), 'refund_failed'],
    [
      'refund done, part',
      refundEvent('refund.succeeded', paidPayment({ status: 'partially_refunded' })),
      'partially_refunded',
    ],
    ['refund done, all', refundEvent('refund.succeeded', paidPayment({ status: 'refunded' })), 'refunded'],
  ];
  for (const [name, event, status] of cases)
    it(`${name} → ${status ?? 'no callback'}`, () => assert.equal(callbackStatusOf(event), status));
  it('payouts are no invoice', () =>
    assert.equal(callbackStatusOf({ type: 'payout', name: 'payout.succeeded', payout: {} as never }), null));
});

describe('Paymega X-Signature', () => {
  it('matches the COMPAT.md vector', () => {
    assert.equal(signatureOf('secret', '{"data":{"id":"cpi_x"}}'), 'GQdlAPtwimCELINyr0bcR0PNlDY=');
  });
});

describe('Paymega callback_logs', () => {
  const attempt = (ms: number, delivered: boolean, status: string) => ({
    paymentId: 1n,
    outboxId: 1n,
    event: 'payment.created',
    payload: { transaction_status: status },
    attemptNo: 1,
    startedAt: new Date(ms),
    durationMs: 1500,
    delivered,
    responseStatus: delivered ? 200 : 500,
  });
  it('is [] without attempts, as PHP writes an empty array', () => assert.deepEqual(callbackLogsOf([]), []));
  it('keys each attempt by its unix time, distinct even within one second', () => {
    const t = at.getTime();
    assert.deepEqual(
      callbackLogsOf([
        attempt(t, false, 'process_pending'),
        attempt(t + 10, true, 'process_pending'),
        attempt(t + 5000, true, 'processed'),
      ]),
      {
        [t / 1000]: {
          status: 'error',
          processed: t / 1000 + 1,
          response_code: 500,
          transaction_status: 'process_pending',
        },
        [t / 1000 + 1]: {
          status: 'done',
          processed: t / 1000 + 1,
          response_code: 200,
          transaction_status: 'process_pending',
        },
        [t / 1000 + 5]: {
          status: 'done',
          processed: t / 1000 + 6,
          response_code: 200,
          transaction_status: 'processed',
        },
      },
    );
  });
});

describe('Paymega errors: every engine failure has a Paymega answer', () => {
  for (const code of engineErrors)
    it(`${code} → ${pmFail[code].http}`, () => {
      const { http, body } = engineFailure({ code });
      assert.ok(http >= 400 && http < 600 && http !== 500);
      assert.ok(Array.isArray(body.errors) || Object.keys(body.errors).length === 1);
    });
  it('names the field in wire terms', () => {
    assert.deepEqual(engineFailure({ code: 'invalid_argument', field: 'externalId' }).body, {
      errors: { reference_id: 'This value is not valid.' },
    });
    assert.deepEqual(
      engineFailure({ code: 'invalid_argument', field: 'returnUrls.cancel', detail: 'not an http(s) URL' })
        .body,
      { errors: { return_url: 'This value is not a valid URL.' } },
    );
    assert.deepEqual(engineFailure({ code: 'payment_not_found' }).body, {
      errors: [{ status: 'Not Found', code: '404' }],
    });
  });
});

describe('Paymega names', () => {
  const service = (code: string, method: string, currency: string, kind = 'pay'): Service =>
    ({ id: 3n, merchantId: 7n, code, kind, method, currency, fee: {}, enabled: true }) as unknown as Service;
  it('maps the engine catalogue to Paymega service codes', () => {
    assert.equal(toPmService(service('card_usd', 'card', 'USD'))?.code, 'payment_card_usd_hpp');
    assert.equal(toPmService(service('card_rub', 'card', 'RUB'))?.code, 'payment_card_rub_hpp');
    assert.equal(toPmService(service('test_usd', 'test', 'USD'))?.code, 'test_usd_test');
    assert.equal(toPmService(service('payout_card_rub', 'card', 'RUB', 'payout')), null);
    assert.equal(toPmService(service('acc', 'account', 'RUB')), null);
  });
  it('reads invoice ids and derives stable customer ids', () => {
    assert.equal(publicIdOf('cpi_AbCdEfGhIjKlMnOp'), 'AbCdEfGhIjKlMnOp');
    for (const bad of ['AbCdEfGhIjKlMnOp', 'cpi_short', 'cpi_AbCdEfGhIjKlMnOp1', 'cpi_AbCdEfGhIjKlMn-p'])
      assert.equal(publicIdOf(bad), null, bad);
    assert.equal(customerIdOf(7n, 'c1'), customerIdOf(7n, 'c1'));
    assert.notEqual(customerIdOf(7n, 'c1'), customerIdOf(8n, 'c1'));
    assert.match(customerIdOf(7n, 'c1'), /^cus_[0-9A-Za-z]{16}$/);
    // an invoice without a customer has one of its own, never a named customer's
    const anonymous = anonymousCustomerIdOf(7n, 'AbCdEfGhIjKlMnOp');
    assert.match(anonymous, /^cus_[0-9A-Za-z]{16}$/);
    assert.equal(anonymous, anonymousCustomerIdOf(7n, 'AbCdEfGhIjKlMnOp'));
    assert.notEqual(anonymous, anonymousCustomerIdOf(7n, 'AbCdEfGhIjKlMnOq'));
    assert.notEqual(anonymous, customerIdOf(7n, 'AbCdEfGhIjKlMnOp'));
  });
  it('names the provider’s merchant id, never Kopek’s', () => {
    assert.equal(providerMerchantIdOf('simulator'), 'kopek_sandbox');
    for (const connector of [null, 'another_bank', 'constructor'])
      assert.equal(providerMerchantIdOf(connector), null);
  });
  it('checks the test service field by its definition', () => {
    const test = pmMethods.test!;
    assert.deepEqual(checkServiceFields(test, { status: 'processed' }), {});
    assert.deepEqual(checkServiceFields(test, { status: 'FAIL' }), {});
    assert.deepEqual(checkServiceFields(test, undefined), {
      'service_fields.status': 'This value should not be blank.',
    });
    assert.deepEqual(checkServiceFields(test, { status: 'x-1' }), {
      'service_fields.status': 'This value is not valid.',
    });
    assert.deepEqual(checkServiceFields(test, { status: 5 }), {
      'service_fields.status': 'This value should be of type string.',
    });
    // whatever the advertised regexp allows
    assert.deepEqual(checkServiceFields(test, { status: 'maybe' }), {});
    assert.deepEqual(checkServiceFields(test, { status: '__proto__' }), {});
    assert.deepEqual(checkServiceFields(pmMethods.card!, { anything: 1 }), {});
  });
  it('settles the test service by its status: known names as they say, any other declines', () => {
    const expected: [string, string | null][] = [
      ['processed', 'approve'],
      ['SUCCESS', 'approve'],
      ['process_failed', 'decline'],
      ['fail', 'decline'],
      ['Failed', 'decline'],
      ['process_pending', null],
      ['pending', null],
      ['created', null],
      ['expired', null],
      ['maybe', 'decline'],
      ['constructor', 'decline'],
      ['__proto__', 'decline'],
      ['', 'decline'],
    ];
    for (const [status, outcome] of expected) assert.equal(testOutcomeOf(status), outcome, status);
  });
  it('reads PHP’s and HTML forms’ "nothing" as nothing, and only where Symfony would', () => {
    const strict = { referenceOptional: false };
    assert.deepEqual(
      tolerantInvoiceFields(
        {
          reference_id: '',
          amount: null,
          description: '',
          flow: '',
          callback_url: '',
          return_url: '',
          expires: '',
          metadata: [],
          gateway_options: [],
          service_fields: [],
          customer: { reference_id: 'c', email: null, metadata: [], address: { city: null, country: '' } },
          return_urls: { pending: '', success: '', fail: null },
        },
        strict,
      ),
      {
        reference_id: '', // required in the private API: "blank", not generated
        description: '',
        flow: '', // not a choice
        metadata: {},
        gateway_options: {},
        service_fields: {},
        customer: { reference_id: 'c', metadata: {}, address: { country: '' } },
        return_urls: {},
      },
    );
    assert.deepEqual(
      tolerantInvoiceFields({ reference_id: '', metadata: [1] }, { referenceOptional: true }),
      {
        metadata: [1], // a list is still not an object
      },
    );
    for (const other of [null, [], 'x', 5]) assert.deepEqual(tolerantInvoiceFields(other, strict), other);
  });
  it('keeps the universal return URL as the engine’s cancel URL', () => {
    assert.deepEqual(toReturnUrls('https://a', { pending: 'https://p' }), {
      success: 'https://a',
      fail: 'https://a',
      pending: 'https://p',
      cancel: 'https://a',
    });
    assert.deepEqual(toReturnUrls(undefined, { success: 'https://s', pending: 'https://p' }), {
      success: 'https://s',
      pending: 'https://p',
    });
    assert.deepEqual(toReturnUrls(), {});
  });
  it('reads HTML forms with PHP brackets, and ignores prototype keys', () => {
    assert.deepEqual(
      formToObject(
        'a=1&customer[name]=N&customer[address][city]=C&a=2&__proto__[x]=1&m[constructor]=y&s[]=z',
      ),
      { a: '2', customer: { name: 'N', address: { city: 'C' } } },
    );
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});
