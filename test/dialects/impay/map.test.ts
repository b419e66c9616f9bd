import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cardDoc,
  cardPurposeOf,
  cardRegistrationState,
  declineRc,
  fromImpayId,
  impayIdMax,
  paymentState,
  paymentStateRes,
  payoutState,
  payoutStateRes,
  toImpayId,
} from '../../../src/dialects/impay/map.ts';
import { cardStates, paymentStates, payoutStates } from '../../../src/domain/states.ts';
import type { Card } from '../../../src/engine/cards/view.ts';
import type { Payment } from '../../../src/engine/payments/view.ts';
import type { Payout } from '../../../src/engine/payouts/view.ts';

/** Only the fields the mapping reads; the rest of a Payment does not matter here. */
const payment = (p: Pick<Payment, 'status'> & Partial<Pick<Payment, 'receipt' | 'decline'>>): Payment =>
  ({
    receipt: { rc: null, rrn: null, approvalCode: null, bankRef: null },
    decline: null,
    ...p,
  }) as Payment;
const payout = (p: Pick<Payout, 'status'> & Partial<Pick<Payout, 'rc' | 'declineReason'>>): Payout =>
  ({ rc: null, declineReason: null, ...p }) as Payout;

const card = (c: Partial<Card>): Card => ({
  id: 7n,
  merchantId: 1n,
  externalId: null,
  purpose: 'pay',
  status: 'active',
  mask: '411111******1111',
  bin: '411111',
  last4: '1111',
  brand: 'visa',
  expiry: '12/29',
  holder: 'IVAN IVANOV',
  paymentId: 3n,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...c,
});

describe('ImPay ids', () => {
  it('writes engine ids as int32 JSON integers, and refuses ids past int32 loudly', () => {
    assert.equal(toImpayId(1n), 1);
    assert.equal(toImpayId(BigInt(impayIdMax)), 2147483647);
    assert.throws(() => toImpayId(BigInt(impayIdMax) + 1n), RangeError);
    assert.throws(() => toImpayId(0n), RangeError);
  });

  it('reads ids sent as numbers or strings', () => {
    assert.equal(fromImpayId(12), 12n);
    assert.equal(fromImpayId('12'), 12n);
    assert.equal(fromImpayId('2147483647'), 2147483647n);
  });

  it('reads anything else as no id', () => {
    for (const value of [
      'сard',
      'card',
      '',
      '0',
      0,
      -1,
      '-1',
      1.5,
      '1.5',
      '1e3',
      '012',
      ' 1',
      '2147483648',
      2 ** 31,
      null,
      {},
      true,
    ])
      assert.equal(fromImpayId(value), null, JSON.stringify(value));
  });

  it('round-trips every int32 id', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: impayIdMax }), (n) => {
        assert.equal(fromImpayId(toImpayId(BigInt(n))), BigInt(n));
        assert.equal(fromImpayId(String(n)), BigInt(n));
      }),
    );
  });
});

describe('ImPay operation states', () => {
  it('maps every payment state (one row each)', () => {
    const expected = {
      created: 0,
      pending: 0,
      unknown: 0,
      authorized: 4,
      captured: 1,
      partially_refunded: 1,
      refunded: 3,
      failed: 2,
      canceled: 3,
      expired: 3,
    };
    assert.deepEqual(Object.keys(paymentState).sort(), [...paymentStates].sort());
    assert.deepEqual(paymentState, expected);
  });

  it('maps every payout state', () => {
    assert.deepEqual(Object.keys(payoutState).sort(), [...payoutStates].sort());
    assert.deepEqual(payoutState, { pending: 0, unknown: 0, succeeded: 1, failed: 2 });
  });

  it('rc is "" while processing, else the bank\'s code', () => {
    assert.deepEqual(paymentStateRes(payment({ status: 'pending' })), { status: 0, message: '', rc: '' });
    const paid = payment({
      status: 'captured',
      receipt: { rc: '00', rrn: '1', approvalCode: 'A', bankRef: 'b' },
    });
    assert.deepEqual(paymentStateRes(paid), { status: 1, message: '', rc: '00' });
    assert.deepEqual(
      paymentStateRes(
        payment({
          status: 'authorized',
          receipt: { rc: '00', rrn: null, approvalCode: null, bankRef: null },
        }),
      ),
      {
        status: 4,
        message: '',
        rc: '00',
      },
    );
  });

  it('a decline without a bank code reads its reason as the ISO code; no bank, no code', () => {
    const declined = payment({ status: 'failed', decline: { reason: 'insufficient_funds', message: 'x' } });
    assert.deepEqual(paymentStateRes(declined), { status: 2, message: '', rc: '51' });
    const bankSaid = payment({
      status: 'failed',
      receipt: { rc: '05', rrn: null, approvalCode: null, bankRef: null },
      decline: { reason: 'insufficient_funds', message: 'x' },
    });
    assert.equal(paymentStateRes(bankSaid).rc, '05');
    assert.equal(paymentStateRes(payment({ status: 'expired' })).rc, '');
    assert.equal(
      paymentStateRes(payment({ status: 'failed', decline: { reason: 'something_new', message: '' } })).rc,
      '',
    );
    assert.equal(declineRc.expired_card, '54');
  });

  it('payout states carry rc the same way', () => {
    assert.deepEqual(payoutStateRes(payout({ status: 'unknown', rc: '00' })), {
      status: 0,
      message: '',
      rc: '',
    });
    assert.deepEqual(payoutStateRes(payout({ status: 'succeeded', rc: '00' })), {
      status: 1,
      message: '',
      rc: '00',
    });
    assert.deepEqual(payoutStateRes(payout({ status: 'failed', declineReason: 'invalid_card' })), {
      status: 2,
      message: '',
      rc: '14',
    });
  });
});

describe('ImPay cards', () => {
  it('maps every card state to waiting, kept or failed', () => {
    assert.deepEqual(Object.keys(cardRegistrationState).sort(), [...cardStates].sort());
    assert.deepEqual(cardRegistrationState, {
      created: 0,
      pending: 0,
      active: 1,
      failed: 2,
      expired: 2,
      deleted: 2,
    });
  });

  it('writes a card document with exp mm/yy', () => {
    assert.deepEqual(cardDoc(card({})), {
      id: 7,
      num: '411111******1111',
      exp: '12/29',
      holder: 'IVAN IVANOV',
    });
  });

  it('a payout-only card has an empty exp, and holder is never null', () => {
    assert.deepEqual(cardDoc(card({ purpose: 'payout', expiry: '12/29', holder: null })), {
      id: 7,
      num: '411111******1111',
      exp: '',
      holder: '',
    });
    assert.equal(cardDoc(card({ mask: null, expiry: null })).exp, '');
  });

  it('type 0 is for autopay (and payouts), 1 for payouts only', () => {
    assert.equal(cardPurposeOf(0), 'pay');
    assert.equal(cardPurposeOf(1), 'payout');
  });
});
