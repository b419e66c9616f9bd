import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { newInvoiceId } from '../../src/engine/invoices/store.ts';
import type { Notifier } from '../../src/engine/outbox/notify.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, expectFail, merchant, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

const invoiceEvents: Notifier = (e) =>
  e.type === 'invoice' ? [{ channel: 'test.invoice', payload: { id: e.invoice.id } }] : [];

describe('invoice ids', () => {
  it('are 19 digits in Moscow time and fit a signed 64-bit integer', () => {
    const id = newInvoiceId(new Date(Date.UTC(2026, 10, 23, 21, 30, 5)));
    assert.match(id, /^202611240030\d{7}$/, '21:30 UTC is 00:30 the next day in Moscow');
    assert.ok(BigInt(id) < 2n ** 63n);
  });
});

for (const flavor of await testFlavors()) {
  describe(`invoices on ${flavor}`, () => {
    let gw: TestGateway;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor, { notifiers: [invoiceEvents] });
      m = await merchant(gw.engine);
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    const create = async (more: { expiresAt?: Date } = {}) =>
      unwrap(
        await gw.engine.createInvoice({
          payment: {
            merchantId: m,
            origin: 'core',
            amountMinor: 1500_00n,
            currency: 'RUB',
            description: 'Консультация',
            ...more,
          },
          email: 'payer@example.com',
          data: { service_name: 'Консультация' },
        }),
      );

    it('creates an invoice with its payment, and the invoice follows the payment to paid', async () => {
      const { invoice, payment } = await create();
      assert.match(invoice.id, /^\d{19}$/);
      assert.equal(invoice.status, 'created');
      assert.equal(invoice.paymentPublicId, payment.publicId);
      const sent = unwrap(await gw.engine.sendInvoice(m, invoice.id));
      assert.equal(sent.status, 'sent');
      assert.ok(sent.sentAt);
      const outbox = await gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('channel', '=', 'test.invoice')
        .execute();
      assert.equal(outbox.length, 1);
      unwrap(
        await gw.engine.payWithCard({
          payment: { publicId: invoice.paymentPublicId },
          card: card(cards.approved),
        }),
      );
      const paid = await gw.engine.getInvoice({ id: invoice.id }, m);
      assert.equal(paid?.status, 'paid');
      assert.ok(paid?.paidAt);
      expectFail(await gw.engine.revokeInvoice(m, invoice.id), 'illegal_transition');
    });

    it('revokes an unpaid invoice together with its payment', async () => {
      const { invoice, payment } = await create();
      assert.equal(unwrap(await gw.engine.revokeInvoice(m, invoice.id)).status, 'canceled');
      assert.equal((await gw.engine.getPayment({ id: payment.id }))?.status, 'canceled');
      expectFail(await gw.engine.revokeInvoice(m, invoice.id), 'illegal_transition');
      expectFail(await gw.engine.sendInvoice(m, invoice.id), 'illegal_transition');
    });

    it('expires with its payment', async () => {
      const { invoice } = await create({ expiresAt: new Date(gw.clock.ms + 1000) });
      gw.clock.advance(1000);
      await gw.engine.expireDue();
      assert.equal((await gw.engine.getInvoice({ id: invoice.id }))?.status, 'expired');
    });

    it('is invisible to another merchant, and unknown ids are not found', async () => {
      const { invoice } = await create();
      const other = await merchant(gw.engine, 'Other');
      assert.equal(await gw.engine.getInvoice({ id: invoice.id }, other), null);
      expectFail(await gw.engine.sendInvoice(other, invoice.id), 'invoice_not_found');
      expectFail(await gw.engine.revokeInvoice(other, invoice.id), 'invoice_not_found');
      assert.equal(await gw.engine.getInvoice({ id: '1' }), null);
    });

    it('creates nothing when the payment is refused', async () => {
      const before = await gw.database.db
        .selectFrom('invoices')
        .select((eb) => eb.fn.countAll<bigint>().as('n'))
        .executeTakeFirstOrThrow();
      expectFail(
        await gw.engine.createInvoice({
          payment: { merchantId: m, origin: 'core', amountMinor: 0n, currency: 'RUB' },
        }),
        'invalid_amount',
      );
      const after = await gw.database.db
        .selectFrom('invoices')
        .select((eb) => eb.fn.countAll<bigint>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(after.n, before.n);
    });
  });
}
