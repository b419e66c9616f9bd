import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ConnectorOutcome } from '../../src/acquiring/connector.ts';
import { Secret } from '../../src/security/secret.ts';
import { intercept } from '../helpers/bank.ts';
import { testFlavors } from '../helpers/databases.ts';
import {
  assertLedgerBalanced,
  card,
  cards,
  expectFail,
  merchant,
  paid,
  payment,
  unwrap,
} from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

const account = {
  kind: 'account' as const,
  account: '40702810900000000001',
  bic: '044525225',
  name: 'ООО Ромашка',
  inn: '7707083893',
};

for (const flavor of await testFlavors()) {
  describe(`refunds and payouts on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor, { poolSize: 30 });
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    it('refunds in parts up to exactly the captured amount, and not one kopek more', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 100_000_00n }); // balance to cover refunds
      const p = await paid(gw.engine, m, { amountMinor: 1000_00n });
      const r1 = unwrap(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 300_00n }),
      );
      assert.equal(r1.refund.status, 'succeeded');
      assert.equal(r1.payment.status, 'partially_refunded');
      assert.equal(r1.payment.refundedMinor, 300_00n);
      expectFail(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 700_01n }),
        'refund_exceeds_captured',
      );
      expectFail(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 0n }),
        'invalid_amount',
      );
      const r2 = unwrap(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 700_00n }),
      );
      assert.equal(r2.payment.status, 'refunded');
      assert.equal(r2.payment.refundedMinor, 1000_00n);
      expectFail(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 1n }),
        'illegal_transition',
      );
      assert.equal((await gw.engine.listRefunds(m, p.id)).length, 2);
    });

    it('refunds the rest when no amount is given, and refuses unpaid or foreign payments', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 10_000n }); // balance to cover refunds
      const p = await paid(gw.engine, m, { amountMinor: 500n });
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 100n }));
      const rest = unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id }));
      assert.equal(rest.refund.amountMinor, 400n);
      assert.equal(rest.payment.status, 'refunded');
      const unpaid = await payment(gw.engine, m);
      expectFail(
        await gw.engine.refundPayment({ merchantId: m, paymentId: unpaid.id }),
        'illegal_transition',
      );
      const other = await merchant(gw.engine, 'Other');
      const q = await paid(gw.engine, m, { amountMinor: 500n });
      expectFail(await gw.engine.refundPayment({ merchantId: other, paymentId: q.id }), 'payment_not_found');
    });

    it('treats a refund external id as idempotent', async () => {
      const m = await merchant(gw.engine);
      const p = await paid(gw.engine, m, { amountMinor: 1000n });
      const a = unwrap(
        await gw.engine.refundPayment({
          merchantId: m,
          paymentId: p.id,
          amountMinor: 100n,
          externalId: 'rf-1',
        }),
      );
      const b = unwrap(
        await gw.engine.refundPayment({
          merchantId: m,
          paymentId: p.id,
          amountMinor: 100n,
          externalId: 'rf-1',
        }),
      );
      assert.equal(b.refund.id, a.refund.id);
      assert.equal(b.payment.refundedMinor, 100n);
      expectFail(
        await gw.engine.refundPayment({
          merchantId: m,
          paymentId: p.id,
          amountMinor: 200n,
          externalId: 'rf-1',
        }),
        'exists_with_different_amount',
      );
    });

    it("gives back the fee in proportion: a full refund of a fresh account's only payment goes through", async () => {
      const m = await merchant(gw.engine);
      const p = await paid(gw.engine, m, { amountMinor: 1000_00n }); // fee 25.00 → available 975.00
      assert.deepEqual(await gw.engine.balances(m, 'RUB'), {
        acquirer: -1000_00n,
        available: 975_00n,
        fees: 25_00n,
      });
      // 333.33 refunded: its share of the fee is 25.00 × 333.33 / 1000.00 = 8.33325 → 8.33
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 333_33n }));
      let balances = await gw.engine.balances(m, 'RUB');
      assert.equal(balances.available, 975_00n - (333_33n - 8_33n));
      assert.equal(balances.fees, 25_00n - 8_33n);
      // the rest gives back the rest of the fee, to the kopek: the shares add up to the fee
      const rest = unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id }));
      assert.equal(rest.payment.status, 'refunded');
      balances = await gw.engine.balances(m, 'RUB');
      assert.equal(balances.available, 0n);
      assert.equal(balances.fees, 0n);
      assert.equal(balances.refunds_pending, 0n);
      assert.equal(balances.acquirer, 0n);
    });

    it('gives the fee share back to the fees when the bank declines a refund', async () => {
      const m = await merchant(gw.engine);
      const p = await paid(gw.engine, m, { amountMinor: 1000_00n });
      const restore = intercept(
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
          await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 500_00n }),
        );
        assert.equal(declined.refund.status, 'failed');
      } finally {
        restore();
      }
      assert.equal((await gw.engine.balances(m, 'RUB')).available, 975_00n);
      assert.equal((await gw.engine.balances(m, 'RUB')).fees, 25_00n);
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 300_00n }));
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id }));
      const balances = await gw.engine.balances(m, 'RUB');
      assert.equal(balances.available, 0n);
      assert.equal(balances.fees, 0n);
    });

    it('refuses a refund the merchant balance cannot cover once the money was paid out', async () => {
      const m = await merchant(gw.engine);
      const p = await paid(gw.engine, m, { amountMinor: 1000_00n }); // fee 25.00 → available 975.00
      unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: account,
        }),
      ); // 100.00 + 25.00 fee → available 850.00
      assert.equal((await gw.engine.balances(m, 'RUB')).available, 850_00n);
      expectFail(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id }), 'insufficient_balance');
      // 871.81 less its fee share 21.80 (21.79525 → 21.80) is 850.01: one kopek too many
      expectFail(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 871_81n }),
        'insufficient_balance',
      );
      assert.equal(
        (await gw.engine.getPayment({ id: p.id }))?.refundReservedMinor,
        0n,
        'the refusal left nothing reserved',
      );
      // 871.80 less 21.80 (21.795 → 21.80) is exactly 850.00
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 871_80n }));
      assert.equal((await gw.engine.balances(m, 'RUB')).available, 0n);
    });

    it('never refunds more than captured under 50 concurrent refunds', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 10_000_00n });
      const p = await paid(gw.engine, m, { amountMinor: 1000_00n });
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 30_00n }),
        ),
      );
      const succeeded = results.filter((r) => r.ok);
      assert.equal(succeeded.length, 33, '33 × 30.00 = 990.00 fits in 1000.00; the 34th does not');
      for (const r of results) if (!r.ok) assert.equal(r.error.code, 'refund_exceeds_captured');
      const after = (await gw.engine.getPayment({ id: p.id }))!;
      // A bank answer slower than the deadline (a loaded machine) leaves its refund reserved,
      // `unknown` until the janitor asks the bank; reserved money counts against the captured sum.
      assert.equal(after.refundedMinor + after.refundReservedMinor, 990_00n);
      const refunds = await gw.engine.listRefunds(m, p.id);
      assert.equal(
        refunds.reduce((s, r) => s + r.amountMinor, 0n),
        990_00n,
      );
    });

    it('pays out to a card and an account, with fees, from the available balance', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 10_000_00n }); // available 9750.00
      const toCard = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          externalId: 'po-1',
          amountMinor: 1000_00n,
          currency: 'RUB',
          destination: { kind: 'card', card: card(cards.approved) },
        }),
      );
      assert.equal(toCard.status, 'succeeded');
      assert.equal(toCard.feeMinor, 50_00n, '1 % with a 50.00 minimum');
      assert.equal(toCard.destinationMask, '411111******1111');
      const toAccount = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: account,
        }),
      );
      assert.equal(toAccount.status, 'succeeded');
      assert.equal(toAccount.feeMinor, 25_00n);
      assert.equal((await gw.engine.balances(m, 'RUB')).available, 9750_00n - 1050_00n - 125_00n);
      const again = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          externalId: 'po-1',
          amountMinor: 1000_00n,
          currency: 'RUB',
          destination: { kind: 'card', card: card(cards.approved) },
        }),
      );
      assert.equal(again.id, toCard.id, 'same external id, same payout');
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          externalId: 'po-1',
          amountMinor: 1n,
          currency: 'RUB',
          destination: account,
        }),
        'exists_with_different_amount',
      );
    });

    it('gives the money back when the bank declines a payout', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 1000_00n });
      const before = (await gw.engine.balances(m, 'RUB')).available;
      const declined = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: { kind: 'card', card: card(cards.insufficientFunds) },
        }),
      );
      assert.equal(declined.status, 'failed');
      assert.equal(declined.rc, '51');
      const toBadAccount = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: { ...account, account: '40702810900000000000' },
        }),
      );
      assert.equal(toBadAccount.status, 'failed');
      assert.equal((await gw.engine.balances(m, 'RUB')).available, before);
    });

    it('validates payout input', async () => {
      const m = await merchant(gw.engine);
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 0n,
          currency: 'RUB',
          destination: account,
        }),
        'invalid_amount',
      );
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 1n,
          currency: 'RUB',
          destination: { ...account, account: '123' },
        }),
        'invalid_argument',
      );
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 1n,
          currency: 'RUB',
          destination: { ...account, bic: '12345678' },
        }),
        'invalid_argument',
      );
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 1n,
          currency: 'RUB',
          destination: {
            kind: 'card',
            card: new Secret({ pan: '4111111111111112', expiry: { month: 1, year: 2030 }, holder: '' }),
          },
        }),
        'invalid_card',
      );
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 1n,
          currency: 'RUB',
          destination: account,
        }),
        'insufficient_balance',
      );
    });

    it('never drives the balance negative under 50 concurrent payouts', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 1025_64n }); // fee 25.64 → available exactly 1000.00
      assert.equal((await gw.engine.balances(m, 'RUB')).available, 1000_00n);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          gw.engine.createPayout({
            merchantId: m,
            externalId: `cc-${i}`,
            amountMinor: 75_00n,
            currency: 'RUB',
            destination: account,
          }),
        ),
      );
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 10, '10 × (75.00 + 25.00 fee) = 1000.00');
      for (const r of results) if (!r.ok) assert.equal(r.error.code, 'insufficient_balance');
      assert.equal((await gw.engine.balances(m, 'RUB')).available, 0n);
    });

    it('makes one payment from 50 concurrent creates with one external id', async () => {
      const m = await merchant(gw.engine);
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          gw.engine.createPayment({
            merchantId: m,
            origin: 'core',
            amountMinor: 777n,
            currency: 'RUB',
            externalId: 'same-order',
          }),
        ),
      );
      const ids = new Set(results.map((r) => unwrap(r).payment.id));
      assert.equal(ids.size, 1);
      assert.equal(results.filter((r) => r.ok && r.value.created).length, 1);
      assert.equal((await gw.engine.listPayments({ merchantId: m })).length, 1);
      const conflicting = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          gw.engine.createPayment({
            merchantId: m,
            origin: 'core',
            amountMinor: 1000n + BigInt(i),
            currency: 'RUB',
            externalId: 'race',
          }),
        ),
      );
      assert.equal(conflicting.filter((r) => r.ok).length, 1);
      for (const r of conflicting) if (!r.ok) assert.equal(r.error.code, 'exists_with_different_amount');
    });

    it('lets only one of many concurrent captures of a hold through', async () => {
      const m = await merchant(gw.engine);
      const p = await payment(gw.engine, m, { flow: 'hold', amountMinor: 500n });
      unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
      const results = await Promise.all(
        Array.from({ length: 10 }, () => gw.engine.capturePayment({ merchantId: m, paymentId: p.id })),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.capturedMinor, 500n);
    });

    it('lets one of many concurrent card submissions reach the bank', async () => {
      const m = await merchant(gw.engine);
      const p = await payment(gw.engine, m);
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }),
        ),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
      const final = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(final.status, 'captured');
      assert.equal(final.attempts, 1);
    });
  });
}
