import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost, newExtid } from './helpers.ts';

/** Cards, pay-ins and holds through /v1, the payer's part done as the hosted page does it. */

for (const flavor of await testFlavors()) {
  describe(`ImPay cards, pay-ins and holds on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;
    let rival: ImpayCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await impayMerchant(gw.engine, 'Shop');
      rival = await impayMerchant(gw.engine, 'Rival');
    });
    after(async () => {
      await assertLedgerBalanced(gw.engine);
      await app.close();
      await gw.close();
    });

    const post = async (path: string, body: unknown, creds = shop) => {
      const res = await impayPost(app, creds, path, body);
      assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
      return res.json() as Record<string, unknown> & { status: number; message: string };
    };
    const payerPays = async (id: unknown, pan: string = cards.approved) =>
      gw.engine.payWithCard({ payment: { id: BigInt(id as number) }, card: card(pan) });

    /** The payer is declined on every attempt the page allows: the payment fails. */
    const payerFailsEveryAttempt = async (id: unknown) => {
      for (let i = 0; i < 20; i++) {
        const p = await gw.engine.getPayment({ id: BigInt(id as number) }, undefined);
        if (p?.status !== 'created') return;
        await payerPays(id, cards.declined);
      }
    };

    /** A kept card of type 0, registered through card/reg and the page. */
    const keptCard = async (creds = shop): Promise<number> => {
      const reg = await post('card/reg', { type: 0, extid: newExtid() }, creds);
      unwrap(await payerPays(reg.id));
      const got = await post('card/get', { id: reg.id }, creds);
      return (got.card as { id: number }).id;
    };

    describe('pay/lk and pay/state', () => {
      it('creates a page payment, answers its state 0 → 1 with rc, with numbers as clients send them', async () => {
        const extid = 4242_0000 + Math.floor(Math.random() * 9999);
        const lk = await post(
          'pay/lk',
          `{"amount":150.50,"extid":${extid},"document_id":77,"fullname":"Иванов Иван","timeout":15,"successurl":"https://shop.example/ok","benificphone":null}`,
        );
        assert.equal(lk.status, 1);
        assert.equal(lk.message, '');
        assert.ok(Number.isInteger(lk.id));
        assert.match(String(lk.url), /\/pay\/[\w-]+$/);
        const payment = await gw.engine.getPayment({ id: BigInt(lk.id as number) }, shop.merchantId);
        assert.equal(payment?.amountMinor, 15050n);
        assert.equal(payment?.externalId, String(extid));
        assert.deepEqual(payment?.metadata, { document_id: '77' });
        assert.equal(payment?.customer.name, 'Иванов Иван');
        assert.deepEqual(await post('pay/state', { id: lk.id }), { status: 0, message: '', rc: '' });
        unwrap(await payerPays(lk.id));
        const state = await post('pay/state', { id: String(lk.id) });
        assert.equal(state.status, 1);
        assert.notEqual(state.rc, '');
      });

      it('a declined payment is state 2 with the bank rc', async () => {
        const lk = await post('pay/lk', { amount: 10, extid: newExtid() });
        await payerFailsEveryAttempt(lk.id);
        const state = await post('pay/state', { id: lk.id });
        assert.equal(state.status, 2);
        assert.match(String(state.rc), /^\d{2}$/);
      });

      it('an unknown id, another merchant’s id or another dialect’s payment: "Счет не найден"', async () => {
        const lk = await post('pay/lk', { amount: 10 });
        const core = unwrap(
          await gw.engine.createPayment({
            merchantId: shop.merchantId,
            origin: 'core',
            amountMinor: 100n,
            currency: 'RUB',
          }),
        ).payment;
        for (const [id, creds] of [
          [2_000_000_000, shop],
          [lk.id, rival],
          [Number(core.id), shop],
        ] as const) {
          assert.deepEqual(await post('pay/state', { id }, creds), { status: 0, message: 'Счет не найден' });
        }
      });

      it('extid: the same request answers the original; another amount is refused; per kind of operation', async () => {
        const extid = newExtid();
        const first = await post('pay/lk', { amount: '100.50', extid });
        const again = await post('pay/lk', { amount: 100.5, extid });
        assert.deepEqual(again, first);
        assert.deepEqual(await post('pay/lk', { amount: 101, extid }), {
          status: 0,
          message: 'Нарушение уникальности запроса',
        });
        // a card registration may carry the same extid: unique per kind of operation
        const reg = await post('card/reg', { type: 0, extid });
        assert.equal(reg.status, 1);
      });

      it('concurrent duplicates of pay/lk create one payment', async () => {
        const extid = newExtid();
        const answers = await Promise.all(
          Array.from({ length: 6 }, () => post('pay/lk', { amount: 25, extid })),
        );
        assert.equal(new Set(answers.map((a) => a.id)).size, 1);
        assert.ok(answers.every((a) => a.status === 1));
      });
    });

    describe('cards', () => {
      it('card/reg: a random 1–10 RUB verification hold, given back; card/get then card/info', async () => {
        const reg = await post('card/reg', { type: 0, extid: newExtid(), timeout: 20 });
        assert.equal(reg.status, 1);
        const verification = await gw.engine.getPayment({ id: BigInt(reg.id as number) }, shop.merchantId);
        assert.ok(verification);
        assert.ok(verification.amountMinor >= 100n && verification.amountMinor <= 1000n);
        assert.equal(verification.flow, 'hold');
        assert.deepEqual(await post('card/get', { id: reg.id }), {
          status: 0,
          message: 'Регистрация карты не завершена',
        });
        unwrap(await payerPays(reg.id));
        const got = await post('card/get', { id: reg.id, type: 0 });
        assert.equal(got.status, 1);
        const doc = got.card as { id: number; num: string; exp: string; holder: string };
        assert.match(doc.num, /^411111\*+1111$/);
        assert.equal(doc.exp, '12/30');
        assert.equal(typeof doc.holder, 'string');
        const after = await gw.engine.getPayment({ id: BigInt(reg.id as number) }, shop.merchantId);
        assert.equal(after?.capturedMinor, 0n, 'the test charge is given back');
        assert.notEqual(after?.status, 'authorized');
        assert.deepEqual(await post('card/info', { card: doc.id }), { status: 1, message: '', card: doc });
        assert.deepEqual(await post('card/info', { card: doc.id }, rival), {
          status: 0,
          message: 'Карта не найдена',
        });
      });

      it('card/reg type 1 (payouts only): the number is taken without any charge; exp is ""; no autopay', async () => {
        const reg = await post('card/reg', { type: 1, extid: newExtid() });
        assert.equal(reg.status, 1);
        const paid = unwrap(await payerPays(reg.id, cards.mastercard));
        assert.equal(paid.payment.attempts, 0, 'no attempt reached the bank');
        assert.equal(paid.payment.authorizedMinor, 0n);
        const got = await post('card/get', { id: reg.id, type: 1 });
        assert.equal(got.status, 1, JSON.stringify(got));
        const doc = got.card as { id: number; num: string; exp: string; holder: string };
        assert.match(doc.num, /^555555\*+4444$/);
        assert.equal(doc.exp, '');
        assert.equal(doc.holder, 'IVAN IVANOV');
        assert.equal(
          (await post('pay/auto', { card: doc.id, amount: 5 })).status,
          0,
          'kept for payouts only',
        );
        const card = await gw.engine.getCard(shop.merchantId, { id: BigInt(doc.id) });
        assert.equal(card?.status, 'active');
        assert.equal(card?.expiry, '12/30', 'the expiry is kept for the payouts that need it');
      });

      it('the engine takes a number without a charge only for a card kept for payouts', async () => {
        const refused = await gw.engine.registerCard({
          merchantId: shop.merchantId,
          origin: 'impay',
          purpose: 'pay',
          verification: 'number_only',
        });
        assert.equal(refused.ok, false);
      });

      it('card/get of a failed registration: top-level status 2', async () => {
        const reg = await post('card/reg', { extid: newExtid() });
        await payerFailsEveryAttempt(reg.id);
        const got = await post('card/get', { id: reg.id });
        assert.equal(got.status, 2);
      });

      it('card/del: the card is gone for card/info and pay/auto', async () => {
        const id = await keptCard();
        assert.deepEqual(await post('card/del', { card: id }), { status: 1, message: '' });
        assert.deepEqual(await post('card/info', { card: id }), { status: 0, message: 'Карта не найдена' });
        const auto = await post('pay/auto', { card: id, amount: 5 });
        assert.equal(auto.status, 0);
        assert.deepEqual(await post('card/del', { card: 2_000_000_000 }), {
          status: 0,
          message: 'Карта не найдена',
        });
      });
    });

    describe('pay/auto', () => {
      it('charges a kept card without the payer; state 1', async () => {
        const cardId = await keptCard();
        const auto = await post('pay/auto', { card: cardId, amount: '99.90', extid: newExtid() });
        assert.equal(auto.status, 1, JSON.stringify(auto));
        assert.equal((await post('pay/state', { id: auto.id })).status, 1);
        const payment = await gw.engine.getPayment({ id: BigInt(auto.id as number) }, shop.merchantId);
        assert.equal(payment?.capturedMinor, 9990n);
      });

      it('another merchant’s card is not found', async () => {
        const cardId = await keptCard(rival);
        assert.deepEqual(await post('pay/auto', { card: cardId, amount: 5 }), {
          status: 0,
          message: 'Карта не найдена',
        });
      });

      it('extid: concurrent duplicates charge once; another amount is {status:0,id:0}', async () => {
        const cardId = await keptCard();
        const extid = newExtid();
        const answers = await Promise.all(
          Array.from({ length: 5 }, () => post('pay/auto', { card: cardId, amount: 12, extid })),
        );
        assert.equal(new Set(answers.map((a) => a.id)).size, 1, JSON.stringify(answers));
        assert.ok(answers.every((a) => a.status === 1));
        const conflict = await post('pay/auto', { card: cardId, amount: 13, extid });
        assert.deepEqual(conflict, { status: 0, id: 0, message: 'Нарушение уникальности запроса' });
        const charged = await gw.engine.listPayments({ merchantId: shop.merchantId, search: extid });
        assert.equal(charged.filter((p) => p.externalId === extid).length, 1);
      });
    });

    describe('holds', () => {
      it('hold/create → state 4 while held → hold/confirm for less releases the rest → state 1', async () => {
        const hold = await post('hold/create', { amount: 300, extid: newExtid() });
        assert.equal(hold.status, 1);
        unwrap(await payerPays(hold.id));
        assert.equal((await post('pay/state', { id: hold.id })).status, 4);
        assert.deepEqual(await post('hold/confirm', { id: hold.id, amount: '120.00' }), {
          status: 1,
          message: '',
        });
        const payment = await gw.engine.getPayment({ id: BigInt(hold.id as number) }, shop.merchantId);
        assert.equal(payment?.capturedMinor, 12000n);
        assert.equal((await post('pay/state', { id: hold.id })).status, 1);
        // a second confirm or a cancel now is refused in ImPay's words
        assert.equal((await post('hold/cancel', { id: hold.id })).status, 0);
      });

      it('hold/confirm above the held sum is refused; hold/cancel releases it (state 3)', async () => {
        const hold = await post('hold/create', { amount: 50 });
        unwrap(await payerPays(hold.id));
        assert.deepEqual(await post('hold/confirm', { id: hold.id, amount: 51 }), {
          status: 0,
          message: 'Сумма превышает холдированную сумму',
        });
        assert.deepEqual(await post('hold/cancel', { id: hold.id }), { status: 1, message: '' });
        assert.equal((await post('pay/state', { id: hold.id })).status, 3);
      });

      it('a charge is no hold: hold/confirm of a pay/lk id is not found', async () => {
        const lk = await post('pay/lk', { amount: 50 });
        unwrap(await payerPays(lk.id));
        assert.deepEqual(await post('hold/confirm', { id: lk.id }), { status: 0, message: 'Счет не найден' });
      });

      it('hold/confirm without amount captures it all', async () => {
        const hold = await post('hold/create', { amount: 70 });
        unwrap(await payerPays(hold.id));
        assert.deepEqual(await post('hold/confirm', { id: hold.id }), { status: 1, message: '' });
        const payment = await gw.engine.getPayment({ id: BigInt(hold.id as number) }, shop.merchantId);
        assert.equal(payment?.capturedMinor, 7000n);
      });
    });
  });
}
