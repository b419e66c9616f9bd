import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  engineStatesOf,
  type InformerNotice,
  informerNotices,
  invoiceStatesOf,
  parsePartialFlag,
  parsePkId,
  parsePkPage,
  parseStatusFilter,
  pkInvoiceStatusTable,
  pkListedInvoiceStatuses,
  pkPaymentStatus,
  pkPaymentStatuses,
  pkPaymentStatusTable,
  pkRefundStatusTable,
  planReverse,
} from '../../../src/dialects/paykeeper/map.ts';
import {
  invoiceStates,
  type PaymentStatus,
  paymentStates,
  refundStates,
} from '../../../src/domain/states.ts';

const status = (s: PaymentStatus, notice: InformerNotice, refundInFlight = false) =>
  pkPaymentStatus({ status: s, notice, refundInFlight });
const allNotices = (s: PaymentStatus) => informerNotices.map((n) => status(s, n));

describe('PayKeeper payment status (Appendix 1), one test per engine state', () => {
  it('covers every engine state and uses only the spec values', () => {
    assert.deepEqual(Object.keys(pkPaymentStatusTable).sort(), [...paymentStates].sort());
    for (const s of paymentStates)
      for (const n of informerNotices) assert.ok(pkPaymentStatuses.includes(status(s, n)), `${s}/${n}`);
  });
  it('created → pending', () => assert.deepEqual(allNotices('created'), Array(4).fill('pending')));
  it('pending (with the bank) → pending', () =>
    assert.deepEqual(allNotices('pending'), Array(4).fill('pending')));
  it('unknown (bank timed out) → pending', () =>
    assert.deepEqual(allNotices('unknown'), Array(4).fill('pending')));
  it('captured → obtained until informed, success once informed or with no informer, stuck when exhausted', () => {
    assert.equal(status('captured', 'queued'), 'obtained');
    assert.equal(status('captured', 'delivered'), 'success');
    assert.equal(status('captured', 'exhausted'), 'stuck');
    assert.equal(status('captured', 'none'), 'success');
  });
  it('authorized (a two-stage hold) → as captured', () => {
    assert.equal(status('authorized', 'queued'), 'obtained');
    assert.equal(status('authorized', 'delivered'), 'success');
    assert.equal(status('authorized', 'exhausted'), 'stuck');
    assert.equal(status('authorized', 'none'), 'success');
  });
  it('partially_refunded → partially_refunded', () =>
    assert.deepEqual(allNotices('partially_refunded'), Array(4).fill('partially_refunded')));
  it('refunded → refunded', () => assert.deepEqual(allNotices('refunded'), Array(4).fill('refunded')));
  it('failed → failed', () => assert.deepEqual(allNotices('failed'), Array(4).fill('failed')));
  it('canceled → canceled', () => assert.deepEqual(allNotices('canceled'), Array(4).fill('canceled')));
  it('expired → canceled', () => assert.deepEqual(allNotices('expired'), Array(4).fill('canceled')));
  it('a refund in flight shows as refunding, only where a refund can be', () => {
    assert.equal(status('captured', 'delivered', true), 'refunding');
    assert.equal(status('partially_refunded', 'delivered', true), 'refunding');
    assert.equal(status('refunded', 'delivered', true), 'refunded');
    assert.equal(status('created', 'none', true), 'pending');
  });
});

describe('PayKeeper status filters → engine states', () => {
  it('selects the engine states that can show each status', () => {
    assert.deepEqual(engineStatesOf(['pending']), ['created', 'pending', 'unknown']);
    assert.deepEqual(engineStatesOf(['success']), ['authorized', 'captured']);
    assert.deepEqual(engineStatesOf(['canceled']), ['canceled', 'expired']);
    assert.deepEqual(engineStatesOf(['refunding']), ['captured', 'partially_refunded']);
    assert.deepEqual(engineStatesOf([]), []);
  });
  it('invoice filters', () => {
    assert.deepEqual(invoiceStatesOf(['expired']), ['expired', 'canceled']);
    assert.deepEqual(invoiceStatesOf(['sent', 'paid']), ['sent', 'paid']);
  });
});

describe('PayKeeper invoice status, one test per engine state', () => {
  it('covers every engine invoice state', () =>
    assert.deepEqual(Object.keys(pkInvoiceStatusTable).sort(), [...invoiceStates].sort()));
  it('created → created', () => assert.equal(pkInvoiceStatusTable.created, 'created'));
  it('sent → sent', () => assert.equal(pkInvoiceStatusTable.sent, 'sent'));
  it('paid → paid', () => assert.equal(pkInvoiceStatusTable.paid, 'paid'));
  it('expired → expired', () => assert.equal(pkInvoiceStatusTable.expired, 'expired'));
  it('canceled (revoked) → expired', () => assert.equal(pkInvoiceStatusTable.canceled, 'expired'));
});

describe('PayKeeper reverse: the partial flag', () => {
  it('reads every form clients send', () => {
    for (const t of ['true', 'True', 'TRUE', '1', ' true '])
      assert.deepEqual(parsePartialFlag(t), { ok: true, value: true }, t);
    for (const f of ['false', 'False', '0'])
      assert.deepEqual(parsePartialFlag(f), { ok: true, value: false }, f);
    assert.deepEqual(parsePartialFlag(undefined), { ok: true, value: null });
    assert.deepEqual(parsePartialFlag(''), { ok: true, value: null }, 'a bare key');
    for (const bad of ['yes', 'on', '2', 'truee'])
      assert.deepEqual(parsePartialFlag(bad), { ok: false, error: 'not_a_flag' }, bad);
  });

  const plan = (partial: boolean | null, amountMinor: bigint | null, remaining = 10000n) =>
    planReverse({ partial, amountMinor }, remaining);

  it('missing flag: partial iff the amount is below what remains', () => {
    assert.deepEqual(plan(null, 9999n), { ok: true, value: { kind: 'partial', amountMinor: 9999n } });
    assert.deepEqual(plan(null, 10000n), { ok: true, value: { kind: 'full', amountMinor: 10000n } });
    assert.deepEqual(plan(null, null), { ok: true, value: { kind: 'full', amountMinor: 10000n } });
    assert.deepEqual(plan(null, 10001n), { ok: false, error: 'amount_exceeds_remaining' });
  });
  it('partial=false: everything that remains; an amount must be exactly that', () => {
    assert.deepEqual(plan(false, null, 4000n), { ok: true, value: { kind: 'full', amountMinor: 4000n } });
    assert.deepEqual(plan(false, 4000n, 4000n), { ok: true, value: { kind: 'full', amountMinor: 4000n } });
    assert.deepEqual(plan(false, 3999n, 4000n), { ok: false, error: 'full_with_partial_amount' });
    assert.deepEqual(plan(false, 4001n, 4000n), { ok: false, error: 'amount_exceeds_remaining' });
  });
  it('partial=true: needs an amount, at most what remains', () => {
    assert.deepEqual(plan(true, 1n), { ok: true, value: { kind: 'partial', amountMinor: 1n } });
    assert.deepEqual(plan(true, 10000n), { ok: true, value: { kind: 'full', amountMinor: 10000n } });
    assert.deepEqual(plan(true, 10001n), { ok: false, error: 'amount_exceeds_remaining' });
    assert.deepEqual(plan(true, null), { ok: false, error: 'amount_required' });
  });
  it('nothing left: refused whatever the flag', () => {
    assert.deepEqual(plan(null, null, 0n), { ok: false, error: 'nothing_left' });
    assert.deepEqual(plan(true, 1n, 0n), { ok: false, error: 'nothing_left' });
  });
});

describe('PayKeeper refund status (2.7), one test per engine state', () => {
  it('covers every engine refund state', () =>
    assert.deepEqual(Object.keys(pkRefundStatusTable).sort(), [...refundStates].sort()));
  it('pending → started', () => assert.equal(pkRefundStatusTable.pending, 'started'));
  it('unknown (bank timed out) → started', () => assert.equal(pkRefundStatusTable.unknown, 'started'));
  it('succeeded → done', () => assert.equal(pkRefundStatusTable.succeeded, 'done'));
  it('failed → failed', () => assert.equal(pkRefundStatusTable.failed, 'failed'));
});

describe('PayKeeper ids, paging and status filters', () => {
  it('ids: positive digit strings below 2^63', () => {
    assert.equal(parsePkId('105842'), 105842n);
    assert.equal(parsePkId('9223372036854775807'), 2n ** 63n - 1n);
    assert.equal(parsePkId('20140402085214805'), 20140402085214805n, 'above 2^53, exact');
    for (const bad of [
      undefined,
      '',
      '0',
      '-1',
      '1e3',
      ' 1',
      '1 ',
      '0x10',
      '9223372036854775808',
      '12345678901234567890',
    ])
      assert.equal(parsePkId(bad), null, String(bad));
  });

  it('paging: from and limit, limit at most 1000', () => {
    assert.deepEqual(parsePkPage({ from: '30', limit: '10' }, true), {
      ok: true,
      value: { offset: 30, limit: 10 },
    });
    assert.deepEqual(parsePkPage({ from: '0', limit: '1000' }, true), {
      ok: true,
      value: { offset: 0, limit: 1000 },
    });
    assert.deepEqual(parsePkPage({ from: '0', limit: '1001' }, true), {
      ok: false,
      error: { field: 'limit', problem: 'limit_too_large' },
    });
    assert.deepEqual(parsePkPage({ limit: '10' }, true), {
      ok: false,
      error: { field: 'from', problem: 'required' },
    });
    assert.deepEqual(parsePkPage({ from: '', limit: '10' }, true), {
      ok: false,
      error: { field: 'from', problem: 'required' },
    });
    assert.deepEqual(parsePkPage({ from: '-1', limit: '10' }, true), {
      ok: false,
      error: { field: 'from', problem: 'not_a_count' },
    });
    assert.deepEqual(parsePkPage({}, false), { ok: true, value: { offset: 0, limit: 1000 } });
  });

  it("status filters: only the object's own values; duplicates collapse; none is an empty filter", () => {
    assert.deepEqual(parseStatusFilter(['success', 'failed', 'success'], pkPaymentStatuses), {
      ok: true,
      value: ['success', 'failed'],
    });
    assert.deepEqual(parseStatusFilter(undefined, pkPaymentStatuses), { ok: true, value: [] });
    assert.deepEqual(parseStatusFilter(['captured'], pkPaymentStatuses), {
      ok: false,
      error: { value: 'captured' },
    });
    assert.deepEqual(parseStatusFilter(['created'], pkListedInvoiceStatuses), {
      ok: false,
      error: { value: 'created' },
    });
    assert.deepEqual(parseStatusFilter([''], pkListedInvoiceStatuses), { ok: false, error: { value: '' } });
  });
});
