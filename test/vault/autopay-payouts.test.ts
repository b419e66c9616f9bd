import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { testFlavors } from '../helpers/databases.ts';
import {
  assertLedgerBalanced,
  card,
  cards,
  expectFail,
  merchant,
  paid,
  unwrap,
} from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { keptDirectly, registered } from './vault-fixtures.ts';

for (const flavor of await testFlavors()) {
  describe(`card vault: autopay and payouts to kept cards on ${flavor}`, () => {
    let gw: TestGateway;
    let m: bigint;
    let kept: bigint;
    before(async () => {
      gw = await testGateway(flavor, { poolSize: 20 });
      m = await merchant(gw.engine);
      kept = (await registered(gw.engine, m, cards.approved)).id;
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    const charge = (more: Partial<Parameters<TestGateway['engine']['chargeSavedCard']>[0]> = {}) =>
      gw.engine.chargeSavedCard({
        merchantId: m,
        cardId: kept,
        origin: 'core',
        amountMinor: 250_00n,
        currency: 'RUB',
        ...more,
      });

    it('charges a kept card without the payer: captured at once', async () => {
      const made = unwrap(await charge({ externalId: 'auto-1', description: 'Subscription, May' }));
      assert.equal(made.created, true);
      const p = made.payment;
      assert.equal(p.status, 'captured');
      assert.equal(p.capturedMinor, 250_00n);
      assert.deepEqual(p.cardLink, { cardId: kept, role: 'charge' });
      assert.equal(p.card?.mask, '411111******1111');
      assert.equal(p.description, 'Subscription, May');
      assert.equal(p.attempts, 1);
      assert.equal(p.receipt.rc, '00');
      assert.ok((await gw.engine.balances(m, 'RUB')).available! >= 243_75n);
    });

    it('is idempotent by external id: one payment, one charge', async () => {
      const first = unwrap(await charge({ externalId: 'auto-2' }));
      const again = unwrap(await charge({ externalId: 'auto-2' }));
      assert.equal(again.created, false);
      assert.equal(again.payment.id, first.payment.id);
      assert.equal(again.payment.attempts, 1, 'the bank was asked once');
      const ops = await gw.database.db
        .selectFrom('sim_bank_operations')
        .select('operation_id')
        .where('operation_id', 'like', `%pay-${first.payment.id}-%`)
        .execute();
      assert.equal(ops.length, 1);
      expectFail(await charge({ externalId: 'auto-2', amountMinor: 1n }), 'exists_with_different_amount');
      const other = await registered(gw.engine, m, cards.mastercard);
      expectFail(await charge({ externalId: 'auto-2', cardId: other.id }), 'exists_with_different_request');
      expectFail(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 250_00n,
          currency: 'RUB',
          externalId: 'auto-2',
        }),
        'exists_with_different_request',
      );
      const parallel = await Promise.all(Array.from({ length: 8 }, () => charge({ externalId: 'auto-3' })));
      const ids = new Set(parallel.map((r) => unwrap(r).payment.id));
      assert.equal(ids.size, 1, 'concurrent repeats make one payment');
      const settled = await gw.engine.getPayment({ externalId: 'auto-3' }, m);
      assert.equal(settled?.status, 'captured');
      assert.equal(settled?.attempts, 1);
      assert.equal(parallel.filter((r) => unwrap(r).created).length, 1);
    });

    it('fails at once when the issuer declines the kept card; nothing to retry', async () => {
      const declining = await keptDirectly(gw.engine, m, cards.declined);
      const made = unwrap(await charge({ cardId: declining, externalId: 'auto-declined' }));
      assert.equal(made.payment.status, 'failed');
      assert.equal(made.payment.receipt.rc, '05');
      assert.equal(made.payment.decline?.reason, 'do_not_honor');
      assert.equal(made.payment.attempts, 1);
      const poor = await keptDirectly(gw.engine, m, cards.insufficientFunds);
      assert.equal(unwrap(await charge({ cardId: poor })).payment.receipt.rc, '51');
    });

    it('asks no 3-D Secure of a merchant-initiated charge, which a payer would have faced', async () => {
      const v2 = await keptDirectly(gw.engine, m, cards.threeDsV2Challenge);
      const made = unwrap(await charge({ cardId: v2 }));
      assert.equal(made.payment.status, 'captured');
      assert.equal(made.payment.challenge, null);
      const v1 = await keptDirectly(gw.engine, m, cards.threeDsV1);
      assert.equal(unwrap(await charge({ cardId: v1 })).payment.status, 'captured');
    });

    it('keeps merchants apart, and refuses deleted, payout-only and expired cards', async () => {
      const other = await merchant(gw.engine, 'Other');
      expectFail(await charge({ merchantId: other }), 'card_not_found');
      expectFail(
        await gw.engine.createPayout({
          merchantId: other,
          amountMinor: 10_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: kept },
        }),
        'card_not_found',
      );
      const payoutOnly = await registered(gw.engine, m, cards.mastercard, { purpose: 'payout' });
      expectFail(await charge({ cardId: payoutOnly.id }), 'invalid_argument');
      const doomed = await registered(gw.engine, m, cards.mir);
      unwrap(await gw.engine.deleteCard({ merchantId: m, cardId: doomed.id }));
      expectFail(await charge({ cardId: doomed.id }), 'illegal_transition');
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 10_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: doomed.id },
        }),
        'illegal_transition',
      );
      const open = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
      expectFail(await charge({ cardId: open.card.id }), 'illegal_transition');
      const shortLived = await registered(gw.engine, m, cards.mastercard, {});
      await gw.database.db
        .updateTable('cards')
        .set({ expiry: '10/26' })
        .where('id', '=', shortLived.id)
        .execute();
      expectFail(await charge({ cardId: shortLived.id }), 'invalid_card');
      expectFail(await charge({ cardId: 987_654n }), 'card_not_found');
    });

    it('takes no card from a payer for an autopay payment', async () => {
      const made = unwrap(await charge());
      expectFail(
        await gw.engine.payWithCard({
          payment: { publicId: made.payment.publicId },
          card: card(cards.approved),
        }),
        'illegal_transition',
      );
    });

    it('pays out to a kept card: opened inside, card id recorded, idempotent', async () => {
      await paid(gw.engine, m, { amountMinor: 10_000_00n });
      const to = await registered(gw.engine, m, cards.mastercard, { purpose: 'payout', holder: 'OLGA' });
      const before = (await gw.engine.balances(m, 'RUB')).available!;
      const payout = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          externalId: 'po-kept',
          amountMinor: 1000_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: to.id },
        }),
      );
      assert.equal(payout.status, 'succeeded');
      assert.equal(payout.destinationKind, 'card');
      assert.equal(payout.destinationMask, '555555******4444');
      assert.equal(payout.cardId, to.id);
      assert.deepEqual(payout.destination, {
        mask: '555555******4444',
        brand: 'mastercard',
        holder: 'OLGA',
        cardId: to.id.toString(),
      });
      assert.equal(payout.feeMinor, 50_00n);
      assert.equal((await gw.engine.balances(m, 'RUB')).available, before - 1050_00n);
      const row = await gw.database.db
        .selectFrom('payouts')
        .select('card_id')
        .where('id', '=', payout.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.card_id, to.id);
      // a pay card takes payouts too (ImPay type 0: autopay and payouts)
      const toPayCard = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: kept },
        }),
      );
      assert.equal(toPayCard.status, 'succeeded');

      unwrap(await gw.engine.deleteCard({ merchantId: m, cardId: to.id }));
      const retried = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          externalId: 'po-kept',
          amountMinor: 1000_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: to.id },
        }),
      );
      assert.equal(retried.id, payout.id, 'a retry names the payout made before the card was deleted');
      const declining = await keptDirectly(gw.engine, m, cards.insufficientFunds, 'payout');
      const declined = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: declining },
        }),
      );
      assert.equal(declined.status, 'failed');
      assert.equal(declined.rc, '51');
    });
  });
}
