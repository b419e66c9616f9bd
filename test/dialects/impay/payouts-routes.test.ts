import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, cards, paid } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost, newExtid } from './helpers.ts';
import { company, declinedAccount, personAccount } from './payouts-accounts.ts';

/** out/paycard, out/payul, out/payacc, out/ndfl and out/state through the /v1 API. */

for (const flavor of await testFlavors()) {
  describe(`ImPay payouts on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;

    before(async () => {
      gw = await testGateway(flavor, { poolSize: 30 });
      app = await buildApp(gw);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });
    afterEach(() => assertLedgerBalanced(gw.engine));

    /** A merchant with `rubles` of captured pay-ins on its balance. */
    async function funded(rubles: bigint): Promise<ImpayCreds> {
      const shop = await impayMerchant(gw.engine);
      if (rubles > 0n) await paid(gw.engine, shop.merchantId, { amountMinor: rubles * 100n });
      return shop;
    }
    const available = async (shop: ImpayCreds) =>
      (await gw.engine.balances(shop.merchantId, 'RUB')).available ?? 0n;
    const post = async (shop: ImpayCreds, path: string, body: unknown) => {
      const res = await impayPost(app, shop, path, body);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };

    it('out/paycard pays a card number and debits the balance; out/state says 1 with rc 00', async () => {
      const shop = await funded(1000n);
      const before = await available(shop);
      const made = await post(shop, 'out/paycard', { cardnum: cards.approved, amount: 150.5, extid: 7 });
      assert.equal(made.status, 1);
      assert.equal(made.message, '');
      assert.equal(typeof made.id, 'number');
      assert.deepEqual(await post(shop, 'out/state', { id: made.id }), { status: 1, message: '', rc: '00' });
      const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(made.id) });
      assert.equal(payout?.amountMinor, 150_50n);
      assert.equal(await available(shop), before - 150_50n - (payout?.feeMinor ?? 0n));
      assert.equal(payout?.origin, 'impay');
      assert.equal(payout?.destinationMask, '411111******1111');
      assert.doesNotMatch(
        JSON.stringify(payout, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
        /4111111111111111/,
      );
    });

    it('out/paycard ignores a card that is no card id ("сard", Cyrillic с) and pays cardnum', async () => {
      const shop = await funded(100n);
      const made = await post(shop, 'out/paycard', { card: 'сard', cardnum: cards.mir, amount: '10.00' });
      assert.equal(made.status, 1, JSON.stringify(made));
      const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(made.id) });
      assert.equal(payout?.destinationMask, '220000******0004');
    });

    it('out/paycard of an unknown card id: card not found', async () => {
      const shop = await funded(100n);
      const made = await post(shop, 'out/paycard', { card: 999999, amount: 1 });
      assert.deepEqual(made, { status: 0, message: 'Карта не найдена' });
    });

    it('a card the bank refuses: status 2 with the id, out/state 2 and the rc; the money comes back', async () => {
      const shop = await funded(100n);
      const before = await available(shop);
      const made = await post(shop, 'out/paycard', { cardnum: cards.declined, amount: 5 });
      assert.equal(made.status, 2);
      assert.equal(typeof made.id, 'number');
      const state = await post(shop, 'out/state', { id: made.id });
      assert.equal(state.status, 2);
      assert.notEqual(state.rc, '');
      assert.equal(await available(shop), before);
    });

    it('a short balance is refused, and nothing is debited', async () => {
      const shop = await funded(10n);
      const before = await available(shop);
      const made = await post(shop, 'out/paycard', { cardnum: cards.approved, amount: 10_000 });
      assert.deepEqual(made, { status: 0, message: 'Недостаточно средств на счете' });
      assert.equal(await available(shop), before);
    });

    it('bad fields are refused naming the field, never a 500', async () => {
      const shop = await funded(10n);
      const cases: [string, unknown, RegExp][] = [
        ['out/paycard', { cardnum: '4111111111111112', amount: 1 }, /Номер карты/],
        ['out/paycard', { amount: 1 }, /Номер карты/],
        ['out/paycard', { cardnum: cards.approved, amount: -1 }, /Сумма платежа/],
        [
          'out/paycard',
          { cardnum: cards.approved, amount: 1, extid: 'x'.repeat(41) },
          /Внешний идентификатор/,
        ],
        ['out/payul', { ...company, amount: 1, inn: '7707083894' }, /ИНН/],
        ['out/payul', { ...company, amount: 1, kpp: '77360100' }, /КПП/],
        ['out/payul', { ...company, amount: 1, bic: '144525225' }, /БИК/],
        ['out/payul', { ...company, amount: 1, account: '40702810000000012345' }, /Счет/],
        ['out/payul', { ...company, amount: 1, descript: 'я'.repeat(211) }, /Назначение платежа/],
        ['out/payacc', { account: personAccount, bic: company.bic, amount: 1 }, /ФИО получателя/],
        ['out/ndfl', { ...company, amount: 1, okato: '45000000' }, /КБК/],
        ['out/ndfl', { ...company, amount: 1, kbk: '18210102010011000110', okato: '4500' }, /ОКАТО/],
        ['out/state', {}, /Идентификатор запроса/],
        ['out/state', { id: [1] }, /Идентификатор запроса/],
      ];
      for (const [path, body, field] of cases) {
        const made = await post(shop, path, body);
        assert.equal(made.status, 0, `${path} ${JSON.stringify(body)}`);
        assert.match(made.message, field, `${path} ${JSON.stringify(body)}: ${made.message}`);
      }
    });

    it("out/payul pays a company's account, keeping INN, KPP and the purpose", async () => {
      const shop = await funded(100n);
      const made = await post(shop, 'out/payul', { ...company, amount: '20.00', descript: 'По договору 5' });
      assert.equal(made.status, 1, JSON.stringify(made));
      const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(made.id) });
      assert.equal(payout?.destinationKind, 'account');
      assert.equal(payout?.destination.inn, company.inn);
      assert.equal(payout?.destination.kpp, company.kpp);
      assert.equal(payout?.destination.purpose, 'По договору 5');
      assert.equal(payout?.destination.payee, 'company');
      assert.deepEqual(await post(shop, 'out/state', { id: made.id }), { status: 1, message: '', rc: '00' });
    });

    it("out/payacc pays a person's account; an account the bank refuses ends 2", async () => {
      const shop = await funded(100n);
      const made = await post(shop, 'out/payacc', {
        fio: 'Иванов Иван Иванович',
        account: personAccount,
        bic: company.bic,
        amount: 3,
      });
      assert.equal(made.status, 1, JSON.stringify(made));
      const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(made.id) });
      assert.equal(payout?.destination.payee, 'person');
      assert.equal(payout?.destination.name, 'Иванов Иван Иванович');
      const refused = await post(shop, 'out/payacc', {
        fio: 'Петров Пётр',
        account: declinedAccount,
        bic: company.bic,
        amount: 3,
      });
      assert.equal(refused.status, 2, JSON.stringify(refused));
      assert.equal((await post(shop, 'out/state', { id: refused.id })).status, 2);
    });

    it('out/ndfl transfers tax with the payment order fields kept', async () => {
      const shop = await funded(100n);
      const made = await post(shop, 'out/ndfl', {
        ...company,
        amount: 13,
        kbk: '18210102010011000110',
        okato: '45000000',
        paymentbase: 'ТП',
        taxperiod: 'МС.03.2024',
      });
      assert.equal(made.status, 1, JSON.stringify(made));
      const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(made.id) });
      assert.equal(payout?.destination['tax.kbk'], '18210102010011000110');
      assert.equal(payout?.destination['tax.taxPeriod'], 'МС.03.2024');
      assert.equal(payout?.amountMinor, 13_00n);
    });

    it('out/state of an unknown id, or of another merchant’s payout: "Счет не найден"', async () => {
      const shop = await funded(100n);
      const other = await funded(0n);
      const made = await post(shop, 'out/paycard', { cardnum: cards.approved, amount: 1 });
      const unknown = { status: 0, message: 'Счет не найден' };
      assert.deepEqual(await post(other, 'out/state', { id: made.id }), unknown);
      assert.deepEqual(await post(shop, 'out/state', { id: 2_000_000_000 }), unknown);
    });

    it('a core payout is not ImPay’s: out/state does not report it', async () => {
      const shop = await funded(100n);
      const core = await gw.engine.createPayout({
        merchantId: shop.merchantId,
        amountMinor: 100n,
        currency: 'RUB',
        destination: { kind: 'card_number', pan: { reveal: () => cards.approved } as never },
      });
      assert.equal(core.ok, true);
      if (core.ok)
        assert.deepEqual(await post(shop, 'out/state', { id: Number(core.value.id) }), {
          status: 0,
          message: 'Счет не найден',
        });
    });

    it('extid: a repeat answers the first payout, another amount is {status:0,id:0}', async () => {
      const shop = await funded(100n);
      const extid = newExtid();
      const body = { cardnum: cards.approved, amount: 10, extid };
      const first = await post(shop, 'out/paycard', body);
      const before = await available(shop);
      assert.deepEqual(await post(shop, 'out/paycard', body), first);
      assert.equal(await available(shop), before, 'a repeat debits nothing');
      const other = await post(shop, 'out/paycard', { ...body, amount: 11 });
      assert.deepEqual(other, { status: 0, id: 0, message: 'Нарушение уникальности запроса' });
      const elsewhere = await post(shop, 'out/payul', { ...company, amount: 10, extid });
      assert.deepEqual(elsewhere, { status: 0, id: 0, message: 'Нарушение уникальности запроса' });
      // a payment may share the extid of a payout (unique per kind of operation)
      const payment = await gw.engine.createPayment({
        merchantId: shop.merchantId,
        origin: 'impay',
        flow: 'charge',
        amountMinor: 100n,
        currency: 'RUB',
        externalId: extid,
      });
      assert.equal(payment.ok, true);
    });

    it('concurrent duplicates of one extid make one payout and one debit', async () => {
      const shop = await funded(100n);
      const before = await available(shop);
      const body = { cardnum: cards.approved, amount: 7, extid: newExtid() };
      const answers = await Promise.all(Array.from({ length: 8 }, () => post(shop, 'out/paycard', body)));
      const ids = new Set(answers.map((a) => a.id));
      assert.equal(ids.size, 1, JSON.stringify(answers));
      for (const a of answers) assert.equal(a.status, 1);
      const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(answers[0].id) });
      assert.equal(await available(shop), before - 7_00n - (payout?.feeMinor ?? 0n));
    });

    it('concurrent payouts against a small balance never overdraw it', async () => {
      const shop = await funded(0n);
      await paid(gw.engine, shop.merchantId, { amountMinor: 50_00n });
      const start = await available(shop);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          post(shop, i % 2 ? 'out/paycard' : 'out/payul', {
            ...(i % 2 ? { cardnum: cards.approved } : company),
            amount: '10.00',
          }),
        ),
      );
      const accepted = answers.filter((a) => a.status === 1);
      const refused = answers.filter((a) => a.message === 'Недостаточно средств на счете').length;
      assert.equal(accepted.length + refused, answers.length, JSON.stringify(answers));
      assert.ok(accepted.length > 0 && refused > 0, JSON.stringify(answers));
      let debited = 0n;
      let costliest = 0n;
      for (const a of accepted) {
        const payout = await gw.engine.getPayout(shop.merchantId, { id: BigInt(a.id) });
        const cost = (payout?.amountMinor ?? 0n) + (payout?.feeMinor ?? 0n);
        debited += cost;
        if (cost > costliest) costliest = cost;
      }
      const left = await available(shop);
      assert.ok(left >= 0n);
      assert.equal(left, start - debited);
      assert.ok(left < costliest, 'a refused payout could not have fitted');
    });
  });
}
