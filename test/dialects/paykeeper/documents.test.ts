import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import {
  type InformerFacts,
  informerForm,
  type PkPaymentFacts,
  paymentRow,
} from '../../../src/dialects/paykeeper/documents.ts';
import { InformerForm, PaymentRow } from '../../../src/dialects/paykeeper/wire.ts';

const paid = new Date('2014-05-14T11:59:01Z');
const facts: PkPaymentFacts = {
  id: 97452n,
  status: 'captured',
  amountMinor: 1000000n,
  refundedMinor: 0n,
  refundReservedMinor: 0n,
  clientid: 'Konstantin Semenov',
  orderid: null,
  serviceId: 3n,
  uniqueId: null,
  createdAt: new Date('2014-05-14T11:59:00Z'),
  paidAt: paid,
  informer: { notice: 'delivered', attempts: 0, deliveredAt: paid },
};

describe('PayKeeper payment row', () => {
  it('is the spec 2.3 example for a paid and informed payment', () => {
    const row = paymentRow(facts);
    assert.deepEqual(row, {
      id: '97452',
      pay_amount: '10000.00',
      refund_amount: '0.00',
      clientid: 'Konstantin Semenov',
      orderid: null,
      payment_system_id: '3',
      unique_id: null,
      status: 'success',
      repeat_counter: '0',
      pending_datetime: '2014-05-14 15:59:00',
      obtain_datetime: '2014-05-14 15:59:01',
      success_datetime: '2014-05-14 15:59:01',
    });
    assert.ok(Value.Check(PaymentRow, row));
  });

  it('obtained while the informer retries, with its counter; stuck when it gave up', () => {
    const retrying = paymentRow({ ...facts, informer: { notice: 'queued', attempts: 3, deliveredAt: null } });
    assert.equal(retrying.status, 'obtained');
    assert.equal(retrying.repeat_counter, '3');
    assert.equal(retrying.success_datetime, null);
    const stuck = paymentRow({
      ...facts,
      informer: { notice: 'exhausted', attempts: 15, deliveredAt: null },
    });
    assert.equal(stuck.status, 'stuck');
    assert.equal(stuck.success_datetime, null);
  });

  it('without an informer, success at once; unpaid has no obtain time; ids beyond 2^53 stay exact', () => {
    const none = paymentRow({ ...facts, informer: { notice: 'none', attempts: 0, deliveredAt: null } });
    assert.equal(none.status, 'success');
    assert.equal(none.success_datetime, '2014-05-14 15:59:01');
    const unpaid = paymentRow({
      ...facts,
      status: 'created',
      paidAt: null,
      informer: { notice: 'none', attempts: 0, deliveredAt: null },
    });
    assert.equal(unpaid.status, 'pending');
    assert.equal(unpaid.obtain_datetime, null);
    assert.equal(unpaid.success_datetime, null);
    assert.equal(paymentRow({ ...facts, id: 2n ** 63n - 1n, serviceId: null }).id, '9223372036854775807');
    assert.equal(paymentRow({ ...facts, serviceId: null }).payment_system_id, '0');
  });

  it('refunding while a refund is with the bank; amounts refunded so far', () => {
    const row = paymentRow({
      ...facts,
      status: 'partially_refunded',
      refundedMinor: 500000n,
      refundReservedMinor: 100n,
    });
    assert.equal(row.status, 'refunding');
    assert.equal(row.refund_amount, '5000.00');
  });
});

describe('PayKeeper informer form', () => {
  const informer: InformerFacts = {
    id: 123n,
    amountMinor: 10000n,
    clientid: 'Ivan',
    orderid: '42',
    serviceName: 'Заказ',
    clientEmail: null,
    clientPhone: null,
    serviceId: 1n,
    cardMask: '411111******1111',
    cardHolder: 'IVAN IVANOV',
    paidAt: new Date('2026-01-10T09:00:00Z'),
    heldAt: null,
  };

  it('carries COMPAT.md’s vector key and the fields as strings', () => {
    const form = informerForm(informer, 'seed');
    assert.equal(form.key, 'b5bd3b302db49ce049c8109719a0dbcc');
    assert.equal(form.sum, '100.00');
    assert.equal(form.client_email, '');
    assert.equal(form.obtain_datetime, '2026-01-10 12:00:00');
    assert.equal('batch_date' in form, false);
    assert.ok(Value.Check(InformerForm, form));
  });

  it('signs with the seed it is given, so a changed seed signs the next attempt', () => {
    assert.notEqual(informerForm(informer, 'seed2').key, informerForm(informer, 'seed').key);
  });

  it('a two-stage payment carries batch_date; missing ids sign as empty strings', () => {
    const form = informerForm(
      { ...informer, heldAt: new Date('2026-01-10T08:00:00Z'), clientid: null, orderid: null },
      'seed',
    );
    assert.equal(form.batch_date, '2026-01-10 11:00:00');
    assert.equal(form.clientid, '');
    assert.equal(form.key, informerForm({ ...informer, clientid: '', orderid: '' }, 'seed').key);
  });
});
