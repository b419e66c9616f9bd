import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Secret } from '../../src/security/secret.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, cards, expectFail, merchant, paid, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** Payouts to a card number, account payouts with their payment-order fields, lists, statements. */

const account = {
  kind: 'account' as const,
  account: '40702810900000000001',
  bic: '044525225',
  name: 'ООО Ромашка',
  inn: '7707083893',
};

for (const flavor of await testFlavors()) {
  describe(`payout destinations on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    const byNumber = (pan: string) => ({ kind: 'card_number' as const, pan: new Secret(pan) });

    it('pays a card by its number alone: masked, never kept, declined by the test table', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 100_00n });
      const made = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 10_00n,
          currency: 'RUB',
          destination: byNumber(cards.approved),
        }),
      );
      assert.equal(made.status, 'succeeded');
      assert.equal(made.destinationKind, 'card');
      assert.equal(made.destinationMask, '411111******1111');
      assert.equal(made.origin, 'core');
      const row = await gw.engine.database.db
        .selectFrom('payouts')
        .selectAll()
        .where('id', '=', made.id)
        .executeTakeFirstOrThrow();
      assert.ok(
        !JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(cards.approved),
      );
      const declined = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 1_00n,
          currency: 'RUB',
          destination: byNumber(cards.declined),
        }),
      );
      assert.equal(declined.status, 'failed');
      expectFail(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 1_00n,
          currency: 'RUB',
          destination: byNumber('4111111111111112'),
        }),
        'invalid_card',
      );
    });

    it('keeps KPP, purpose, payee and tax fields of an account payout', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 100_00n });
      const made = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 5_00n,
          currency: 'RUB',
          origin: 'impay',
          destination: {
            ...account,
            kpp: '773601001',
            purpose: 'НДФЛ',
            payee: 'company',
            tax: { kbk: '18210102010011000110' },
          },
        }),
      );
      assert.equal(made.origin, 'impay');
      assert.deepEqual(made.destination, {
        account: account.account,
        bic: account.bic,
        name: account.name,
        inn: account.inn,
        kpp: '773601001',
        purpose: 'НДФЛ',
        payee: 'company',
        'tax.kbk': '18210102010011000110',
      });
    });

    it('an extid repeated for another payee is another request', async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 100_00n });
      const cmd = { merchantId: m, amountMinor: 1_00n, currency: 'RUB' as const, externalId: 'same' };
      const first = unwrap(await gw.engine.createPayout({ ...cmd, destination: byNumber(cards.approved) }));
      assert.equal(
        unwrap(await gw.engine.createPayout({ ...cmd, destination: byNumber(cards.approved) })).id,
        first.id,
      );
      expectFail(
        await gw.engine.createPayout({ ...cmd, destination: byNumber(cards.mir) }),
        'exists_with_different_request',
      );
      expectFail(
        await gw.engine.createPayout({ ...cmd, destination: account }),
        'exists_with_different_request',
      );
    });

    it('lists payouts of a period, and states the available balance line by line', async () => {
      const m = await merchant(gw.engine);
      const start = gw.clock.now();
      await paid(gw.engine, m, { amountMinor: 50_00n });
      gw.clock.advance(1000);
      const out = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 20_00n,
          currency: 'RUB',
          destination: byNumber(cards.approved),
        }),
      );
      const end = new Date(gw.clock.now().getTime() + 1);
      assert.deepEqual(
        (await gw.engine.listPayouts({ merchantId: m, from: start, to: end })).map((p) => p.id),
        [out.id],
      );
      assert.deepEqual(await gw.engine.listPayouts({ merchantId: m, from: end }), []);
      const lines = await gw.engine.ledgerStatement({
        merchantId: m,
        currency: 'RUB',
        account: 'available',
        fromMs: start.getTime(),
        toMs: end.getTime(),
        limit: 100,
      });
      assert.deepEqual(
        lines.map((l) => l.kind),
        ['capture', 'payout_reserve'],
      );
      assert.equal(lines[1]?.amountMinor, -(20_00n + out.feeMinor));
      assert.equal(lines[1]?.refId, out.id);
      const available = (await gw.engine.balances(m, 'RUB')).available ?? 0n;
      assert.equal(lines[1]?.balanceAfterMinor, available);
      const later = await gw.engine.ledgerStatement({
        merchantId: m,
        currency: 'RUB',
        account: 'available',
        fromMs: start.getTime() + 500,
        toMs: end.getTime(),
        limit: 100,
      });
      assert.equal(later.length, 1);
      assert.equal(later[0]?.balanceAfterMinor, available, 'the opening balance is carried forward');
    });
  });
}
