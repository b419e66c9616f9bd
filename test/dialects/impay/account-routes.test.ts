import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { moscowStamp } from '../../../src/dialects/impay/routes/account.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, cards, paid } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost, newExtid } from './helpers.ts';
import { companyAccount } from './payouts-accounts.ts';

/** account/balance, account/operations and account/statements through the /v1 API. */

it('operation dates are Moscow time, YYYY-MM-DD HH:MM:SS', () => {
  assert.equal(moscowStamp(new Date(Date.UTC(2026, 10, 23, 21, 5, 9))), '2026-11-24 00:05:09');
});

for (const flavor of await testFlavors()) {
  describe(`ImPay account on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });
    afterEach(() => assertLedgerBalanced(gw.engine));

    const post = async (shop: ImpayCreds, path: string, body: unknown) => {
      const res = await impayPost(app, shop, path, body);
      assert.equal(res.statusCode, 200, res.body);
      return res;
    };
    const day = { datefrom: '2026-11-23', dateto: '2026-11-23' };

    /** A merchant with one pay-in of 100.50 and one payout of 10.00 today. */
    async function busy() {
      const shop = await impayMerchant(gw.engine);
      const payment = await paid(gw.engine, shop.merchantId, {
        amountMinor: 100_50n,
        externalId: newExtid(),
      });
      const extid = newExtid();
      gw.clock.advance(1000);
      const out = (
        await post(shop, 'out/paycard', { cardnum: cards.approved, amount: '10.00', extid })
      ).json();
      assert.equal(out.status, 1);
      return { shop, payment, out, extid };
    }

    it('account/balance: the available balance as a bare %.2f number', async () => {
      const shop = await impayMerchant(gw.engine);
      const empty = await post(shop, 'account/balance', {});
      assert.equal(empty.body, '{"status":1,"message":"","amount":0.00}');
      await paid(gw.engine, shop.merchantId, { amountMinor: 100_50n });
      const available = (await gw.engine.balances(shop.merchantId, 'RUB')).available ?? 0n;
      const res = await post(shop, 'account/balance', {});
      const printed = `${available / 100n}.${String(available % 100n).padStart(2, '0')}`;
      assert.equal(res.body, `{"status":1,"message":"","amount":${printed}}`);
    });

    it('account/operations lists pay-ins (type 0) and payouts (type 1), newest first', async () => {
      const { shop, payment, out, extid } = await busy();
      gw.clock.advance(1000);
      const all = (await post(shop, 'account/operations', day)).json();
      assert.equal(all.status, 1);
      assert.equal(all.list.length, 2);
      const [first, second] = all.list;
      assert.equal(first.type, 1, 'the payout came after the pay-in');
      assert.deepEqual(first, {
        id: out.id,
        type: 1,
        extid,
        amount: 10,
        status: 1,
        rc: '00',
        date: '2026-11-23 12:00:01',
      });
      assert.equal(second.id, Number(payment.id));
      assert.equal(second.type, 0);
      assert.equal(second.status, 1);
      const raw = (await post(shop, 'account/operations', day)).body;
      assert.match(raw, /"amount":100\.50/);
      assert.match(raw, /"amount":10\.00/);
      const payouts = (await post(shop, 'account/operations', { ...day, type: 1 })).json();
      assert.deepEqual(
        payouts.list.map((i: { type: number }) => i.type),
        [1],
      );
      const payIns = (await post(shop, 'account/operations', { ...day, type: 0 })).json();
      assert.deepEqual(
        payIns.list.map((i: { type: number }) => i.type),
        [0],
      );
      const before = (
        await post(shop, 'account/operations', { datefrom: '2026-11-01', dateto: '2026-11-22' })
      ).json();
      assert.deepEqual(before.list, []);
    });

    it('account/statements: each movement of the balance with the balance after it', async () => {
      const { shop, out } = await busy();
      const res = await post(shop, 'account/statements', { ...day, account: companyAccount });
      const { status, statements } = res.json();
      assert.equal(status, 1);
      assert.equal(statements.length, 2);
      const [credit, debit] = statements;
      assert.ok(credit.amount > 0);
      assert.ok(debit.amount < 0);
      assert.match(debit.description, new RegExp(`Выплата №${out.id}$`));
      assert.equal(debit.balance, Math.round((credit.balance + debit.amount) * 100) / 100);
      const available = (await gw.engine.balances(shop.merchantId, 'RUB')).available ?? 0n;
      assert.equal(Math.round(debit.balance * 100), Number(available));
      // a later period opens with the balance carried forward
      gw.clock.advance(24 * 3600_000);
      await paid(gw.engine, shop.merchantId, { amountMinor: 5_00n });
      const next = (
        await post(shop, 'account/statements', { datefrom: '2026-11-24', dateto: '2026-11-24' })
      ).json();
      assert.equal(next.statements.length, 1);
      assert.equal(
        Math.round(next.statements[0].balance * 100),
        Math.round(debit.balance * 100) + Math.round(next.statements[0].amount * 100),
      );
    });

    it('account/statements of an account that is not the merchant’s: "Счет не найден"', async () => {
      const shop = await impayMerchant(gw.engine, 'Nominal', { impayAccount: companyAccount });
      const other = `${companyAccount.slice(0, 19)}${(Number(companyAccount[19]) + 1) % 10}`;
      assert.deepEqual((await post(shop, 'account/statements', { ...day, account: other })).json(), {
        status: 0,
        message: 'Счет не найден',
      });
      assert.equal(
        (await post(shop, 'account/statements', { ...day, account: companyAccount })).json().status,
        1,
      );
    });

    it('bad periods and fields are refused naming the field', async () => {
      const shop = await impayMerchant(gw.engine);
      const cases: [string, unknown, RegExp][] = [
        ['account/operations', { dateto: '2026-11-23' }, /Дата начала/],
        ['account/operations', { datefrom: '2026-11-23', dateto: 'вчера' }, /Дата окончания/],
        ['account/operations', { datefrom: '2026-11-23', dateto: '2026-11-01' }, /Дата окончания/],
        ['account/operations', { ...day, type: 'x' }, /Тип/],
        ['account/statements', { ...day, account: '123' }, /Счет/],
        ['account/statements', { datefrom: '2026-13-40', dateto: '2026-11-23' }, /Дата начала/],
      ];
      for (const [path, body, field] of cases) {
        const answer = (await post(shop, path, body)).json();
        assert.equal(answer.status, 0, `${path} ${JSON.stringify(body)}`);
        assert.match(answer.message, field, `${path} ${JSON.stringify(body)}: ${answer.message}`);
      }
    });
  });
}
