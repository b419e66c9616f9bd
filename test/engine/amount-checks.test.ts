import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { lockPayment, updatePayment } from '../../src/engine/payments/store.ts';
import { amountCheckMigration, amountChecks } from '../../src/store/migrations/0006_amount_checks.ts';
import { inTransaction } from '../../src/store/transaction.ts';
import { answerLost, intercept } from '../helpers/bank.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, merchant, paid, payment, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

const account = {
  kind: 'account' as const,
  account: '40702810900000000001',
  bic: '044525225',
  name: 'OOO Payee',
};

/** The amounts of payments, refunds and payouts, asserted by the engine and checked by the database. */
for (const flavor of await testFlavors()) {
  describe(`amount invariants on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
    });
    after(() => gw.close());

    /** Payments, refunds and payouts in every state that carries amounts. */
    const activity = async () => {
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 5000_00n });
      const refunded = await paid(gw.engine, m, { amountMinor: 1000_00n });
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: refunded.id, amountMinor: 300_00n }));
      const restore = intercept(gw, 'refund', answerLost); // reserved, still with the bank
      try {
        unwrap(
          await gw.engine.refundPayment({ merchantId: m, paymentId: refunded.id, amountMinor: 200_00n }),
        );
      } finally {
        restore();
      }
      const hold = await payment(gw.engine, m, { flow: 'hold', amountMinor: 700_00n });
      unwrap(await gw.engine.payWithCard({ payment: { id: hold.id }, card: card(cards.approved) }));
      const captured = await payment(gw.engine, m, { flow: 'hold', amountMinor: 900_00n });
      unwrap(await gw.engine.payWithCard({ payment: { id: captured.id }, card: card(cards.approved) }));
      unwrap(await gw.engine.capturePayment({ merchantId: m, paymentId: captured.id, amountMinor: 400_00n }));
      const declined = await payment(gw.engine, m, { amountMinor: 50_00n });
      await gw.engine.payWithCard({ payment: { id: declined.id }, card: card(cards.declined) });
      await payment(gw.engine, m, { amountMinor: 10_00n }); // created, a fee quoted
      unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 100_00n,
          currency: 'RUB',
          destination: account,
        }),
      );
      return { m, refunded, hold, captured };
    };

    it('asserts the amounts before a payment row is written: a broken invariant is our bug, thrown', async () => {
      const m = await merchant(gw.engine);
      const p = await payment(gw.engine, m, { flow: 'hold', amountMinor: 100_00n });
      const write = (patch: Parameters<typeof updatePayment>[4]) =>
        inTransaction(gw.database, async (trx) => {
          const row = await lockPayment(trx, gw.database.flavor, { id: p.id });
          return updatePayment(trx, gw.engine.deps, row!, 'created', patch);
        });
      await assert.rejects(write({ captured_minor: 1n }), {
        name: 'AssertionError',
        message: /captured <= authorized/,
      });
      await assert.rejects(write({ authorized_minor: 100_01n }), {
        name: 'AssertionError',
        message: /authorized <= amount/,
      });
      await assert.rejects(write({ authorized_minor: 50n, captured_minor: 50n, refunded_minor: 51n }), {
        name: 'AssertionError',
        message: /refunded \+ reserved <= captured/,
      });
      await assert.rejects(write({ authorized_minor: 50n, captured_minor: 50n, fee_minor: 51n }), {
        name: 'AssertionError',
        message: /fee <= captured/,
      });
      const unchanged = await gw.engine.getPayment({ id: p.id });
      assert.equal(unchanged?.capturedMinor, 0n);
      assert.equal(unchanged?.authorizedMinor, 0n);
    });

    it('has the database refuse amounts the engine never writes', async () => {
      const { refunded } = await activity();
      const { db } = gw.database;
      const refused = (what: string, write: Promise<unknown>) =>
        assert.rejects(write, (error: Error) => /check/i.test(error.message), what);
      const pay = (set: Record<string, unknown>) =>
        sql`update payments set ${sql.join(
          Object.entries(set).map(([k, v]) => sql`${sql.ref(k)} = ${sql.raw(String(v))}`),
        )} where id = ${refunded.id}`.execute(db);
      await refused('captured above authorized', pay({ captured_minor: 'authorized_minor + 1' }));
      await refused('authorized above amount', pay({ authorized_minor: 'amount_minor + 1' }));
      await refused('refunds above the capture', pay({ refund_reserved_minor: 'captured_minor' }));
      await refused('a fee above the capture', pay({ fee_minor: 'captured_minor + 1' }));
      await refused('a negative refund', pay({ refunded_minor: -1 }));
      await refused('a payment of nothing', pay({ amount_minor: 0 }));
      await refused('a refund of nothing', sql`update refunds set amount_minor = 0`.execute(db));
      await refused(
        'a refund fee above it',
        sql`update refunds set fee_minor = amount_minor + 1`.execute(db),
      );
      await refused(
        'a payout fee above it',
        sql`update payouts set fee_minor = amount_minor + 1`.execute(db),
      );
      await refused('a payout of nothing', sql`update payouts set amount_minor = 0`.execute(db));
      // what the engine does write stays allowed: a quoted fee on a payment with nothing captured
      await sql`update payments set fee_minor = amount_minor where captured_minor = 0`.execute(db);
      await sql`update payments set fee_minor = 0 where captured_minor = 0`.execute(db);
    });

    it('0006 on a database with rows keeps every row, index, foreign key and id counter', async () => {
      const { m, refunded } = await activity();
      const tables = Object.keys(amountChecks);
      const snapshot = async () => {
        const rows: Record<string, unknown[]> = {};
        for (const table of tables)
          rows[table] = (
            await sql`select * from ${sql.table(table)} order by id`.execute(gw.database.db)
          ).rows;
        return rows;
      };
      const shape = async () =>
        flavor === 'sqlite'
          ? {
              indexes: (
                await sql<{ name: string; sql: string | null }>`select name, sql from sqlite_master
                  where type = 'index' and tbl_name in ('payments', 'refunds', 'payouts') order by name`.execute(
                  gw.database.db,
                )
              ).rows,
              references: await Promise.all(
                ['payments', 'refunds', 'payouts', 'payment_events', 'invoices', 'ledger_entries'].map(
                  async (t) =>
                    (await sql`select * from pragma_foreign_key_list(${t})`.execute(gw.database.db)).rows,
                ),
              ),
              foreignKeysOn: (
                await sql<{ foreign_keys: bigint }>`pragma foreign_keys`.execute(gw.database.db)
              ).rows[0]?.foreign_keys,
            }
          : {
              constraints: (
                await sql<{ conname: string; def: string }>`select conname, pg_get_constraintdef(c.oid) as def
                  from pg_constraint c join pg_namespace n on n.oid = c.connamespace
                  where n.nspname = current_schema() order by conname`.execute(gw.database.db)
              ).rows,
              indexes: (
                await sql`select indexname, indexdef from pg_indexes where schemaname = current_schema()
                  order by indexname`.execute(gw.database.db)
              ).rows,
            };
      const rowsBefore = await snapshot();
      const shapeBefore = await shape();
      assert.ok(rowsBefore.payments!.length >= 7 && rowsBefore.refunds!.length >= 2);

      await amountCheckMigration(flavor).up(gw.database.db);

      assert.deepEqual(await snapshot(), rowsBefore);
      assert.deepEqual(await shape(), shapeBefore);
      if (flavor === 'sqlite') assert.equal((shapeBefore as { foreignKeysOn: bigint }).foreignKeysOn, 1n);
      // ids go on from where they were, and the engine works on the rebuilt tables
      const maxId = rowsBefore.payments!.reduce<bigint>((a, r) => {
        const id = (r as { id: bigint }).id;
        return id > a ? id : a;
      }, 0n);
      const next = await paid(gw.engine, m, { amountMinor: 10_00n });
      assert.ok(next.id > maxId, `payment id ${next.id} after ${maxId}`);
      const settled = unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: refunded.id }));
      assert.equal(settled.refund.status, 'succeeded');
      await assertLedgerBalanced(gw.engine);
    });
  });
}
