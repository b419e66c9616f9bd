import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import {
  AllSum,
  ErrorsTotal,
  SystemsList,
  SystemsSums,
  SystemsSumsDetails,
} from '../../../src/dialects/paykeeper/wire.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { card, cards, paid, payment, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { get, type PkCreds, pkMerchant } from './helpers.ts';

/** Statistics (spec 1.1–1.4, COMPAT.md errors/total) over HTTP, from the daily aggregates. */

function assertShape(schema: TSchema, body: unknown) {
  const check = TypeCompiler.Compile(schema);
  assert.ok(check.Check(body), JSON.stringify([...check.Errors(body)].slice(0, 3)));
}

const dayMs = 24 * 60 * 60 * 1000;

for (const flavor of await testFlavors()) {
  describe(`PayKeeper statistics on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let cardSys: string;
    let testSys: string;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Stats shop');
      const m = shop.merchantId;
      const services = await gw.engine.listServices(m);
      cardSys = services.find((s) => s.code === 'card_rub')!.id.toString();
      testSys = services.find((s) => s.code === 'test_rub')!.id.toString();
      // 2026-11-23 (Moscow): 100.00 and 50.00 by card, 20.00 refunded of the first; a stuck one of 7.00
      const first = await paid(gw.engine, m, { amountMinor: 100_00n });
      await paid(gw.engine, m, { amountMinor: 50_00n });
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: first.id, amountMinor: 20_00n }));
      const stuck = await paid(gw.engine, m, { amountMinor: 7_00n });
      const waiting = await paid(gw.engine, m, { amountMinor: 3_00n });
      for (const [p, notice] of [
        [stuck, 'exhausted'],
        [waiting, 'queued'],
      ] as const) {
        await gw.database.db
          .insertInto('outbox')
          .values({
            merchant_id: m,
            channel: 'callback.paykeeper',
            event: 'payment.captured',
            ref_type: 'payment',
            ref_id: p.id,
            payload: '{}',
            notice,
            attempts: 3,
            next_attempt_at: gw.clock.ms,
            created_at: gw.clock.ms,
            updated_at: gw.clock.ms,
          })
          .execute();
      }
      // a declined attempt, and an unpaid payment: neither is money
      const declined = await payment(gw.engine, m, { amountMinor: 9_00n });
      await gw.engine.payWithCard({ payment: { id: declined.id }, card: card(cards.insufficientFunds) });
      await payment(gw.engine, m, { amountMinor: 11_00n });
      // 2026-11-25: 30.00 through the test service
      gw.clock.advance(2 * dayMs);
      await paid(gw.engine, m, { amountMinor: 30_00n, serviceCode: 'test_rub' });
      gw.clock.advance(-2 * dayMs);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('lists the payment systems (1.1)', async () => {
      const body = (await get(app, shop, '/info/systems/list/')).json();
      assertShape(SystemsList, body);
      assert.deepEqual(
        body.find((s: { id: string }) => s.id === cardSys),
        { id: cardSys, system_description: 'card_rub', site_description: 'Банковские карты' },
      );
      assert.ok(
        body.every((s: { system_description: string }) => !s.system_description.startsWith('payout')),
      );
    });

    it('sums per system: account, stuck, success (1.2) and all of them (1.4)', async () => {
      const res = await get(app, shop, '/info/systems/sums/?start=2026-11-23&end=2026-11-25');
      const body = res.json();
      assertShape(SystemsSums, body);
      const byId = (id: string) => body.find((s: { id: string }) => s.id === id);
      assert.deepEqual(byId(cardSys), {
        id: cardSys,
        system_description: 'card_rub',
        site_description: 'Банковские карты',
        success: '130.00', // 80 + 50; neither the stuck 7 nor the unconfirmed 3
        account: '140.00',
        stuck: '7.00',
        currency: 'RUR',
      });
      assert.equal(byId(testSys).account, '30.00');
      const oneDay = (await get(app, shop, '/info/systems/sums/?start=2026-11-25&end=2026-11-25')).json();
      assert.equal(oneDay.find((s: { id: string }) => s.id === cardSys).account, '0.00');
      const all = (await get(app, shop, '/info/systems/allsum/?start=2026-11-23&end=2026-11-25')).json();
      assertShape(AllSum, all);
      assert.deepEqual(all, { success: '160.00', account: '170.00', stuck: '7.00' });
    });

    it('charts a point per day up to 30 days, 30 points beyond (1.3)', async () => {
      const res = await get(app, shop, '/info/systems/sums/details/?start=2026-11-22&end=2026-11-25');
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assertShape(SystemsSumsDetails, body);
      const cardSeries = body.find((s: { payment_system_id: string }) => s.payment_system_id === cardSys);
      assert.equal(cardSeries.label, 'Банковские карты');
      assert.deepEqual(
        cardSeries.data.map(([, amount]: [number, number]) => amount),
        [0, 160, 0, 0],
      );
      assert.equal(cardSeries.data[1][0], Date.UTC(2026, 10, 22, 21, 0, 0)); // Moscow midnight, in ms
      // amounts are raw numbers, digit for digit
      assert.match(res.body, /\[\d+,160\]/);
      const long = (
        await get(app, shop, '/info/systems/sums/details/?start=2026-01-01&end=2026-12-31')
      ).json();
      const longCard = long.find((s: { payment_system_id: string }) => s.payment_system_id === cardSys);
      assert.equal(longCard.data.length, 30);
      assert.equal(
        longCard.data.reduce((sum: number, [, amount]: [number, number]) => sum + amount, 0),
        160,
      );
    });

    it('counts declines by reason (COMPAT errors/total)', async () => {
      const body = (await get(app, shop, '/info/errors/total/?start=2026-11-23&end=2026-11-23')).json();
      assertShape(ErrorsTotal, body);
      assert.equal(body.total, '1');
      assert.equal(body.totalWithGroup[0].error_code, 'insufficient_funds');
      assert.equal(body.totalWithGroup[0].total, '1');
    });

    it('refuses bad periods in PayKeeper format', async () => {
      for (const q of [
        '',
        'start=2026-11-23',
        'start=2026-13-01&end=2026-12-01',
        'start=2026-11-23&end=2026-11-22',
        'start=1990-01-01&end=2026-01-01',
        'start[]=1&end=2',
      ]) {
        for (const path of ['sums', 'allsum', 'sums/details']) {
          const res = await get(app, shop, `/info/systems/${path}/?${q}`);
          assert.equal(res.statusCode, 200, `${path} ${q}`);
          assert.equal(res.json().result, 'fail', `${path} ${q}`);
        }
      }
    });
  });
}
