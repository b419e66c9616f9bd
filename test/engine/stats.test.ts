import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engine/engine.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, merchant, payment, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** A small seeded PRNG (mulberry32): the same "random" activity on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

type Row = Record<string, string>;

/** daily_stats as comparable text, without rows every payment has left (all zero). */
async function statsRows(gw: TestGateway): Promise<Row[]> {
  const rows = await gw.db.db.selectFrom('daily_stats').selectAll().execute();
  return rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])))
    .filter((r) =>
      ['count', 'amount_minor', 'captured_minor', 'refunded_minor', 'fee_minor'].some((k) => r[k] !== '0'),
    )
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** The recount written out independently of src/engine/stats.ts: what a rebuild must give. */
async function recount(gw: TestGateway, timeZone: string): Promise<Row[]> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const sums = new Map<string, Row>();
  for (const p of await gw.db.db.selectFrom('payments').selectAll().execute()) {
    const key = {
      merchant_id: String(p.merchant_id),
      day: format.format(new Date(Number(p.created_at))),
      system: p.system,
      status: p.status,
      currency: p.currency,
      shard: String(BigInt(p.id) % 8n),
    };
    const id = JSON.stringify(key);
    const sum = sums.get(id) ?? {
      ...key,
      count: '0',
      amount_minor: '0',
      captured_minor: '0',
      refunded_minor: '0',
      fee_minor: '0',
    };
    const add = (k: string, v: bigint) => {
      sum[k] = String(BigInt(sum[k]!) + v);
    };
    add('count', 1n);
    add('amount_minor', BigInt(p.amount_minor));
    add('captured_minor', BigInt(p.captured_minor));
    add('refunded_minor', BigInt(p.refunded_minor));
    add('fee_minor', BigInt(p.fee_minor));
    sums.set(id, sum);
  }
  return [...sums.values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** One random step on one payment: create, pay, decline, hold, capture, void, refund, cancel. */
async function randomStep(engine: Engine, r: ReturnType<typeof rng>, merchants: bigint[], known: bigint[]) {
  const m = r.pick(merchants);
  const choice = r.int(10);
  if (choice < 4 || known.length === 0) {
    const p = await payment(engine, m, {
      amountMinor: BigInt(1 + r.int(500_00)),
      currency: r.pick(['RUB', 'RUB', 'USD', 'EUR'] as const),
      flow: r.next() < 0.3 ? 'hold' : 'charge',
    });
    known.push(p.id);
    if (r.next() < 0.7)
      await engine.payWithCard({
        payment: { id: p.id },
        card: card(r.next() < 0.8 ? cards.approved : cards.declined),
      });
    return;
  }
  const id = r.pick(known);
  const p = await engine.getPayment({ id });
  if (!p) return;
  const merchantId = p.merchantId;
  switch (p.status) {
    case 'created':
      if (r.next() < 0.5) await engine.cancelPayment({ id }, merchantId);
      else await engine.payWithCard({ payment: { id }, card: card(cards.approved) });
      return;
    case 'authorized':
      if (r.next() < 0.6)
        await engine.capturePayment({
          merchantId,
          paymentId: id,
          amountMinor: r.next() < 0.5 ? undefined : BigInt(1 + r.int(Number(p.amountMinor))),
        });
      else await engine.voidPayment({ merchantId, paymentId: id });
      return;
    default: {
      const left = p.capturedMinor - p.refundedMinor;
      if (left > 0n)
        await engine.refundPayment({
          merchantId,
          paymentId: id,
          amountMinor: r.next() < 0.4 ? undefined : BigInt(1 + r.int(Number(left))),
        });
    }
  }
}

async function activity(gw: TestGateway, seed: number, steps: number, merchants: bigint[], known: bigint[]) {
  const r = rng(seed);
  for (let i = 0; i < steps; i++) {
    gw.clock.advance(r.int(5 * 60 * 60 * 1000)); // up to 5 h: payments spread over days
    await randomStep(gw.engine, r, merchants, known);
  }
}

for (const flavor of await testFlavors()) {
  describe(`stats rebuild on ${flavor}`, () => {
    let gw: TestGateway;
    let merchants: bigint[];
    const known: bigint[] = [];
    before(async () => {
      gw = await testGateway(flavor);
      merchants = [await merchant(gw.engine, 'A'), await merchant(gw.engine, 'B')];
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    it('gives exactly the stats the live path kept, after random activity', async () => {
      await activity(gw, 1, 150, merchants, known);
      const live = await statsRows(gw);
      assert.ok(live.length > 10, `activity spread over buckets (${live.length})`);
      assert.ok(new Set(live.map((r) => r.status)).size >= 4, 'several statuses');
      assert.ok(new Set(live.map((r) => r.day)).size >= 5, 'several days');
      const period = { merchantId: merchants[0]!, fromDay: '2026-01-01', toDay: '2027-12-31' };
      const figures = await gw.engine.statistics(period);
      const totals = await gw.engine.statistics(period, false);

      const done = await gw.engine.rebuildStats({ batchSize: 7 }); // many batches, one partial
      assert.equal(done.paymentsRead, known.length);
      assert.equal(done.timeZone, 'Europe/Moscow');
      assert.equal(done.bucketsWritten, live.length);
      assert.ok(done.rowsDeleted >= live.length);
      assert.ok(done.ms >= 0);

      assert.deepEqual(await statsRows(gw), live);
      assert.deepEqual(await statsRows(gw), await recount(gw, 'Europe/Moscow'));
      assert.deepEqual(await gw.engine.statistics(period), figures);
      assert.deepEqual(await gw.engine.statistics(period, false), totals);

      // and again: a rebuild of a rebuilt table changes nothing
      const again = await gw.engine.rebuildStats();
      assert.equal(again.rowsDeleted, live.length);
      assert.deepEqual(await statsRows(gw), live);

      // the live path goes on from the rebuilt table
      await activity(gw, 2, 40, merchants, known);
      assert.deepEqual(await statsRows(gw), await recount(gw, 'Europe/Moscow'));
    });

    it('restores a recount after rows were deleted or changed', async () => {
      const before = await statsRows(gw);
      const victim = before[0]!;
      await gw.db.db
        .deleteFrom('daily_stats')
        .where('merchant_id', '=', BigInt(victim.merchant_id!))
        .where('day', '=', victim.day!)
        .execute();
      await gw.db.db
        .updateTable('daily_stats')
        .set({ count: 1000n, amount_minor: 1n })
        .where('day', '=', before.at(-1)!.day!)
        .execute();
      await gw.db.db
        .insertInto('daily_stats')
        .values({
          merchant_id: merchants[1]!,
          day: '1999-01-01',
          system: 'card',
          status: 'captured',
          currency: 'RUB',
          shard: 0n,
          count: 5n,
          amount_minor: 5n,
          captured_minor: 5n,
          refunded_minor: 0n,
          fee_minor: 0n,
        })
        .execute();
      assert.notDeepEqual(await statsRows(gw), before);
      await gw.engine.rebuildStats();
      assert.deepEqual(await statsRows(gw), before);
      assert.deepEqual(await statsRows(gw), await recount(gw, 'Europe/Moscow'));
    });

    it('moves every payment to the new zone after STATS_TIME_ZONE changed on a live database', async () => {
      const config = gw.engine.deps.config;
      // 22:30 UTC: the next day in Moscow, the same day in New York
      gw.clock.ms = Date.UTC(2027, 2, 10, 22, 30);
      const late = await payment(gw.engine, merchants[0]!, { amountMinor: 700_00n });
      known.push(late.id);
      unwrap(await gw.engine.payWithCard({ payment: { id: late.id }, card: card(cards.approved) }));
      const figures = (day: string) => ({ merchantId: merchants[0]!, fromDay: day, toDay: day });
      assert.equal(
        (await gw.engine.statistics(figures('2027-03-11'))).some((s) => s.amountMinor === 700_00n),
        true,
      );

      config.statsTimeZone = 'America/New_York';
      try {
        // changes after the switch subtract from the New York day what was added to Moscow's
        unwrap(
          await gw.engine.refundPayment({
            merchantId: merchants[0]!,
            paymentId: late.id,
            amountMinor: 100_00n,
          }),
        );
        await activity(gw, 3, 40, merchants, known);
        const mixed = await statsRows(gw);
        assert.notDeepEqual(mixed, await recount(gw, 'America/New_York'), 'drifted into mixed days');
        assert.ok(
          mixed.some((r) => BigInt(r.count!) < 0n),
          'some bucket went negative',
        );

        const done = await gw.engine.rebuildStats();
        assert.equal(done.timeZone, 'America/New_York');
        assert.equal(done.paymentsRead, known.length);
        const rebuilt = await statsRows(gw);
        assert.deepEqual(rebuilt, await recount(gw, 'America/New_York'));
        assert.ok(rebuilt.every((r) => BigInt(r.count!) > 0n));
        const nyDay = await gw.engine.statistics(figures('2027-03-10'));
        assert.ok(nyDay.some((s) => s.amountMinor === 700_00n && s.refundedMinor === 100_00n));
        assert.equal(
          (await gw.engine.statistics(figures('2027-03-11'))).some((s) => s.amountMinor === 700_00n),
          false,
        );
      } finally {
        config.statsTimeZone = 'Europe/Moscow';
        await gw.engine.rebuildStats();
      }
      assert.deepEqual(await statsRows(gw), await recount(gw, 'Europe/Moscow'));
    });

    it('counts payment changes made during a rebuild exactly once', async () => {
      // in flight: changes to payments made before, and new payments, while a slow rebuild runs
      const r = rng(4);
      const work: Promise<unknown>[] = [];
      for (let round = 0; round < 3; round++) {
        work.push(gw.engine.rebuildStats({ batchSize: 2 }));
        for (let i = 0; i < 12; i++) {
          const id = r.pick(known);
          const m = r.pick(merchants);
          work.push(
            i % 3 === 0
              ? payment(gw.engine, m, { amountMinor: BigInt(1 + r.int(1000_00)) }).then((p) => {
                  known.push(p.id);
                  return gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) });
                })
              : gw.engine.getPayment({ id }).then(async (p) => {
                  if (!p) return;
                  const left = p.capturedMinor - p.refundedMinor;
                  if (left > 0n)
                    await gw.engine.refundPayment({
                      merchantId: p.merchantId,
                      paymentId: id,
                      amountMinor: 1n,
                    });
                  else if (p.status === 'created') await gw.engine.cancelPayment({ id }, p.merchantId);
                }),
          );
        }
      }
      const results = await Promise.allSettled(work);
      const failed = results.filter((x) => x.status === 'rejected');
      assert.deepEqual(failed, [], 'nothing threw');
      const settled = await statsRows(gw);
      assert.deepEqual(settled, await recount(gw, 'Europe/Moscow'));
      await gw.engine.rebuildStats();
      assert.deepEqual(await statsRows(gw), settled);
    });
  });
}
