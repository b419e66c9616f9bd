import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { countWholeDays } from '../../src/engine/payments/registry-counts-store.ts';
import { buildApp } from '../../src/web/app.ts';
import { basic, type PkCreds, pkMerchant } from '../dialects/paykeeper/helpers.ts';
import { testFlavors } from '../helpers/databases.ts';
import { expectFail, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/**
 * `kopek demo`'s bulk data (engine/demo) obeys the rules the use cases keep: statistics equal a
 * recount from the payments, the ledger balances, amounts pass the database's checks, and a
 * demo payment reads, refunds and shows in the PayKeeper registry like any other.
 */

for (const flavor of await testFlavors()) {
  describe(`demo data on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    const seeded = { payments: 0, refunds: 0, invoices: 0 };

    const allStats = async () =>
      (
        await gw.engine.statistics({
          merchantId: shop.merchantId,
          fromDay: '2000-01-01',
          toDay: '2100-01-01',
        })
      ).map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Demo shop');
      const result = unwrap(
        await gw.engine.seedDemo({ merchantId: shop.merchantId, payments: 6000, months: 5, seed: 11 }),
      );
      Object.assign(seeded, result);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('writes the payments asked for, over the months asked for, in many states', async () => {
      assert.equal(seeded.payments, 6000);
      const rows = await gw.database.db
        .selectFrom('payments')
        .select(['status', sql<bigint>`count(*)`.as('n'), sql<bigint>`min(created_at)`.as('first')])
        .where('merchant_id', '=', shop.merchantId)
        .groupBy('status')
        .execute();
      const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      assert.equal(
        Object.values(byStatus).reduce((a, b) => a + b, 0),
        6000,
      );
      for (const status of ['captured', 'failed', 'expired', 'canceled', 'refunded', 'partially_refunded'])
        assert.ok((byStatus[status] ?? 0) > 0, `some payments are ${status}: ${JSON.stringify(byStatus)}`);
      assert.ok(byStatus.captured! > byStatus.failed!, 'most payments are paid');
      const first = Math.min(...rows.map((r) => Number(r.first)));
      const days = (gw.clock.ms - first) / 86_400_000;
      assert.ok(days > 140 && days <= 5 * 31, `the first payment is ~5 months old: ${days} days`);
      const refunds = await gw.database.db
        .selectFrom('refunds')
        .select(sql<bigint>`count(*)`.as('n'))
        .where('merchant_id', '=', shop.merchantId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(refunds.n), seeded.refunds);
      assert.ok(seeded.refunds > 0 && seeded.invoices > 0);
      // refunded amounts are the sums of the refunds, payment by payment
      const drift = await sql<{
        n: bigint;
      }>`select count(*) as n from payments p where p.merchant_id = ${shop.merchantId} and p.refunded_minor <> coalesce((select sum(r.amount_minor) from refunds r where r.payment_id = p.id and r.status = 'succeeded'), 0)`.execute(
        gw.database.db,
      );
      assert.equal(Number(drift.rows[0]!.n), 0);
    });

    it('keeps statistics that a rebuild from the payments leaves unchanged', async () => {
      const seededStats = await allStats();
      assert.ok(seededStats.length > 100, 'a chart of many days');
      await gw.engine.rebuildStats();
      assert.deepEqual(await allStats(), seededStats);
    });

    it('keeps a balanced ledger whose balances are the sums of their postings', async () => {
      const check = await gw.engine.verifyLedger();
      assert.equal(check.postingsSumMinor, 0n);
      assert.equal(check.unbalancedEntries, 0);
      assert.deepEqual(check.driftedAccounts, []);
      const rub = await gw.engine.balances(shop.merchantId, 'RUB');
      assert.ok((rub.available ?? 0n) > 0n);
      assert.equal(rub.refunds_pending ?? 0n, 0n);
    });

    it('a demo payment is refunded through the engine, and the books still agree', async () => {
      const row = await gw.database.db
        .selectFrom('payments')
        .select(['id', 'captured_minor'])
        .where('merchant_id', '=', shop.merchantId)
        .where('status', '=', 'captured')
        .where('system', '=', 'card')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      const done = unwrap(
        await gw.engine.refundPayment({ merchantId: shop.merchantId, paymentId: row.id, amountMinor: 100n }),
      );
      assert.equal(done.refund.status, 'succeeded');
      assert.equal(done.payment.status, 'partially_refunded');
      // more than remains: refused, as for any payment
      expectFail(
        await gw.engine.refundPayment({
          merchantId: shop.merchantId,
          paymentId: row.id,
          amountMinor: row.captured_minor,
        }),
        'refund_exceeds_captured',
      );
      const check = await gw.engine.verifyLedger();
      assert.equal(check.unbalancedEntries, 0);
      assert.deepEqual(check.driftedAccounts, []);
      const before = await allStats();
      await gw.engine.rebuildStats();
      assert.deepEqual(await allStats(), before);
    });

    it('shows demo payments in the PayKeeper registry and its counts', async () => {
      const [p] = await gw.database.db
        .selectFrom('payments')
        .select(['id', 'external_id'])
        .where('merchant_id', '=', shop.merchantId)
        .where('status', '=', 'captured')
        .limit(1)
        .execute();
      const res = await app.inject({
        method: 'GET',
        url: `/info/payments/byid/?id=${p!.id}`,
        headers: basic(shop),
      });
      assert.equal(res.statusCode, 200, res.body);
      const [doc] = res.json();
      assert.equal(doc.status, 'success');
      assert.equal(doc.orderid, p!.external_id);
      assert.match(doc.clientid, /^C\d{6}$/);
      const count = await app.inject({
        method: 'GET',
        url: '/info/payments/bydatecount/?start=2026-06-01&end=2026-11-23',
        headers: basic(shop),
      });
      const full = Number(count.json().fullcount[0].count);
      assert.equal(full, 6000);
    });

    it('counts whole days from the aggregates exactly as counting the payments does', async () => {
      const m = shop.merchantId;
      const channel = 'informer.paykeeper';
      // exceptions the aggregates cannot tell: a refund with the bank, unconfirmed notifications
      const paidRows = await gw.database.db
        .selectFrom('payments')
        .select(['id', 'captured_minor'])
        .where('merchant_id', '=', m)
        .where('status', 'in', ['captured', 'partially_refunded'])
        .where('refunded_minor', '=', 0n)
        .orderBy('id')
        .limit(3)
        .execute();
      const [flying, queued, stuck] = paidRows as [
        (typeof paidRows)[0],
        (typeof paidRows)[0],
        (typeof paidRows)[0],
      ];
      const now = gw.clock.ms;
      await gw.database.db
        .updateTable('payments')
        .set({ refund_reserved_minor: 100n })
        .where('id', '=', flying.id)
        .execute();
      await gw.database.db
        .insertInto('refunds')
        .values({
          payment_id: flying.id,
          merchant_id: m,
          amount_minor: 100n,
          fee_minor: 0n,
          currency: 'RUB',
          status: 'pending',
          reason: '',
          created_at: now,
          updated_at: now,
        })
        .execute();
      for (const [p, notice] of [
        [queued, 'queued'],
        [stuck, 'exhausted'],
        [flying, 'delivered'],
      ] as const)
        await gw.database.db
          .insertInto('outbox')
          .values({
            merchant_id: m,
            channel,
            event: 'payment.captured',
            ref_type: 'payment',
            ref_id: p.id,
            payload: '{}',
            notice,
            attempts: 1,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          })
          .execute();
      const moscowMidnight = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 3 * 3_600_000);
      const cardRub = (await gw.engine.listServices(m)).find((s) => s.code === 'card_rub')!.id;
      const key = (c: {
        status: string;
        refundInFlight: boolean;
        notice: string;
        serviceId: bigint | null;
        count: bigint;
      }) =>
        `${c.status}|${c.refundInFlight}|${c.notice === 'delivered' ? 'none' : c.notice}|${c.serviceId}|${c.count}`;
      const merged = (list: Parameters<typeof key>[0][]) => {
        const sums = new Map<string, bigint>();
        for (const c of list) {
          const k = key({ ...c, count: 0n }).replace(/\|0$/, '');
          sums.set(k, (sums.get(k) ?? 0n) + c.count);
        }
        return [...sums].map(([k, n]) => `${k}|${n}`).sort();
      };
      for (const [fromDay, toDay] of [
        ['2026-06-01', '2026-11-24'],
        ['2026-09-10', '2026-10-10'],
        ['2026-11-23', '2026-11-24'],
      ] as const)
        for (const filters of [
          { clauses: null, serviceIds: null },
          {
            clauses: [{ states: ['captured' as const], notices: ['none' as const, 'delivered' as const] }],
            serviceIds: [cardRub],
          },
          {
            clauses: [{ states: ['captured' as const, 'partially_refunded' as const], refundInFlight: true }],
            serviceIds: null,
          },
        ]) {
          const q = {
            merchantId: m,
            channel,
            from: moscowMidnight(fromDay),
            to: moscowMidnight(toDay),
            ...filters,
          };
          const fast = await gw.engine.countRegistry({ ...q, deliveredAsNone: true });
          const scanned = await gw.engine.countRegistry(q);
          assert.deepEqual(
            merged(fast),
            merged(scanned),
            `${fromDay}..${toDay} ${JSON.stringify(filters.clauses)}`,
          );
        }
      const all = await gw.engine.countRegistry({
        merchantId: m,
        channel,
        from: moscowMidnight('2026-06-01'),
        to: moscowMidnight('2026-11-24'),
        clauses: null,
        serviceIds: null,
        deliveredAsNone: true,
      });
      // the aggregates answered (not the payments), and a period not of whole days is refused
      const window = {
        merchantId: m,
        channel,
        from: moscowMidnight('2026-06-01'),
        to: moscowMidnight('2026-11-24'),
      };
      assert.ok(await countWholeDays(gw.engine.deps, window));
      assert.equal(
        await countWholeDays(gw.engine.deps, { ...window, to: new Date(window.to.getTime() + 1) }),
        null,
      );
      assert.ok(all.some((c) => c.refundInFlight && c.count === 1n));
      assert.ok(all.some((c) => c.notice === 'queued' && c.count === 1n));
      assert.ok(all.some((c) => c.notice === 'exhausted' && c.count === 1n));
    });

    it('refuses a count out of bounds and an unknown merchant', async () => {
      expectFail(await gw.engine.seedDemo({ merchantId: shop.merchantId, payments: 0 }), 'invalid_argument');
      expectFail(await gw.engine.seedDemo({ merchantId: 987654n, payments: 10 }), 'merchant_not_found');
    });
  });
}
