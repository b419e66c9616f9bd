import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConnectorOutcome } from '../../src/acquiring/connector.ts';
import { shareOutEarlierRefunds } from '../../src/store/migrations/0005_money_paths.ts';
import { answerLost, intercept } from '../helpers/bank.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, merchant, paid, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** What 0005_money_paths does to the data it finds, beyond adding columns. */
for (const flavor of await testFlavors()) {
  describe(`0005_money_paths on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
    });
    after(() => gw.close());

    const feesOf = async (paymentId: bigint) =>
      (
        await gw.db.db
          .selectFrom('refunds')
          .select('fee_minor')
          .where('payment_id', '=', paymentId)
          .orderBy('id')
          .execute()
      ).map((r) => r.fee_minor);

    it('gives refunds made before it their fee shares, so the next refund gives back its own only', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 5000_00n }); // money for the refunds
      const p = await paid(gw.engine, m, { amountMinor: 1000_00n }); // fee 25.00
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 333_33n }));
      let restore = intercept(
        gw,
        'refund',
        async (): Promise<ConnectorOutcome> => ({
          kind: 'declined',
          reason: 'processing_error',
          rc: '96',
          message: 'System malfunction',
          connectorData: {},
        }),
      );
      try {
        const declined = unwrap(
          await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 100_00n }),
        );
        assert.equal(declined.refund.status, 'failed');
      } finally {
        restore();
      }
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 222_22n }));
      const shares = await feesOf(p.id);
      assert.deepEqual(
        shares.filter((_, i) => i !== 1),
        [8_33n, 5_56n],
      );

      // a refund still with the bank, and a payment refunded in full
      const q = await paid(gw.engine, m, { amountMinor: 1000_00n });
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: q.id, amountMinor: 100_00n }));
      restore = intercept(gw, 'refund', answerLost);
      try {
        const r = unwrap(
          await gw.engine.refundPayment({ merchantId: m, paymentId: q.id, amountMinor: 50_00n }),
        );
        assert.equal(r.refund.status, 'unknown');
      } finally {
        restore();
      }
      const full = await paid(gw.engine, m, { amountMinor: 400_00n });
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: full.id }));

      // As refunds made before 0005 are: no share recorded.
      await gw.db.db.updateTable('refunds').set({ fee_minor: 0n }).execute();
      await shareOutEarlierRefunds(gw.db.db);

      const again = await feesOf(p.id);
      assert.deepEqual([again[0], again[2]], [8_33n, 5_56n], 'the shares the formula of today gives');
      assert.equal(again[1], 0n, 'a failed refund took none');
      assert.deepEqual(await feesOf(q.id), [2_50n, 0n], 'one still with the bank reserved no fee: none');
      assert.deepEqual(await feesOf(full.id), [0n], 'a payment refunded in full is left alone');

      const fees = (await gw.engine.balances(m, 'RUB')).fees ?? 0n;
      // 25.00 × 655.55 / 1000.00 = 16.38875 → 16.39; 13.89 went back before: 2.50 now, not 16.39
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 100_00n }));
      assert.deepEqual((await feesOf(p.id)).at(-1), 2_50n);
      assert.equal((await gw.engine.balances(m, 'RUB')).fees, fees - 2_50n);
      await assertLedgerBalanced(gw.engine);
    });
  });
}
