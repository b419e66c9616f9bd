import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import {
  type Heard,
  type ImpayCreds,
  impayMerchant,
  impayPost,
  merchantServer,
  newExtid,
} from './helpers.ts';

/**
 * Callbacks and the check request against a local merchant back end: GET with the md5 key,
 * `sum` as %.2f, retried while the merchant answers ≥ 500 or not at all, delivered below 500;
 * a check request that refuses stops the payment before the bank.
 */

/** COMPAT.md's formula written out again: md5(extid + id + sum + status + callback key). */
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

{
  // the COMPAT.md vector, through the same formula the assertions below use
  assert.equal(md5('order-1' + '77' + '100.50' + '1' + 'cbkey'), 'bb9f5159e3082af42f5f52ba28f2da3d');
}

it('the COMPAT.md callback vector, through the formula the assertions below use', () => {
  assert.equal(md5('order-1' + '77' + '100.50' + '1' + 'cbkey'), 'bb9f5159e3082af42f5f52ba28f2da3d');
});

for (const flavor of await testFlavors()) {
  describe(`ImPay callbacks and check requests on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;
    let status = 200;
    let checkAnswer: { status: number; body?: string } = { status: 200, body: '{"success":true}' };
    let merchant: Awaited<ReturnType<typeof merchantServer>>;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      merchant = await merchantServer((h: Heard) =>
        h.url.pathname === '/check' ? checkAnswer : { status, body: 'OK' },
      );
      shop = await impayMerchant(gw.engine, 'Shop', { impayCallbackUrl: `${merchant.url}/cb?shop=7` });
      unwrap(await gw.engine.setDialectSecret(shop.merchantId, 'impay', 'cbkey'));
    });
    after(async () => {
      await app.close();
      await merchant.close();
      await gw.close();
    });
    afterEach(async () => {
      status = 200;
      checkAnswer = { status: 200, body: '{"success":true}' };
      merchant.heard.length = 0;
      await assertLedgerBalanced(gw.engine);
    });

    const post = async (path: string, body: unknown, creds = shop) => {
      const res = await impayPost(app, creds, path, body);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Record<string, unknown> & { status: number; message: string };
    };
    const deliverAll = async () => {
      for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce());
    };
    const callbacks = () => merchant.heard.filter((h) => h.url.pathname === '/cb');
    const checks = () => merchant.heard.filter((h) => h.url.pathname === '/check');
    const payerPays = (id: unknown, pan: string = cards.approved) =>
      gw.engine.payWithCard({ payment: { id: BigInt(id as number) }, card: card(pan) });

    it('a paid pay/lk: one GET with extid, id, sum %.2f, status 1 and the md5 key, after the URL’s own query', async () => {
      const extid = newExtid();
      const lk = await post('pay/lk', { amount: 100.5, extid });
      unwrap(await payerPays(lk.id));
      await deliverAll();
      const [cb, ...more] = callbacks();
      assert.ok(cb, 'a callback');
      assert.equal(more.length, 0);
      assert.equal(cb.method, 'GET');
      assert.deepEqual([...cb.url.searchParams.keys()], ['shop', 'extid', 'id', 'sum', 'status', 'key']);
      const q = Object.fromEntries(cb.url.searchParams);
      assert.deepEqual(
        { extid: q.extid, id: q.id, sum: q.sum, status: q.status },
        { extid, id: String(lk.id), sum: '100.50', status: '1' },
      );
      assert.equal(q.key, md5(`${extid}${lk.id}100.50` + '1' + 'cbkey'));
    });

    it('a hold: status 4 with the held sum, then 1 with the captured sum', async () => {
      const hold = await post('hold/create', { amount: 300 });
      unwrap(await payerPays(hold.id));
      await post('hold/confirm', { id: hold.id, amount: 120 });
      await deliverAll();
      const told = callbacks().map((h) => [h.url.searchParams.get('status'), h.url.searchParams.get('sum')]);
      assert.deepEqual(told, [
        ['4', '300.00'],
        ['1', '120.00'],
      ]);
      // no extid: "" in the query and in the key
      const last = callbacks().at(-1)!.url.searchParams;
      assert.equal(last.get('extid'), '');
      assert.equal(last.get('key'), md5(`${hold.id}120.00` + '1' + 'cbkey'));
    });

    it('a payout: one GET with its own extid, id, sum and status 1, keyed like a payment', async () => {
      unwrap(await payerPays((await post('pay/lk', { amount: 1000 })).id)); // the balance it pays from
      await deliverAll();
      merchant.heard.length = 0;
      const extid = newExtid();
      const out = await post('out/paycard', { cardnum: cards.approved, amount: '150.50', extid });
      assert.equal(out.status, 1, JSON.stringify(out));
      await deliverAll();
      const [cb, ...more] = callbacks();
      assert.ok(cb, 'a payout callback');
      assert.equal(more.length, 0);
      const q = Object.fromEntries(cb.url.searchParams);
      assert.deepEqual(
        { extid: q.extid, id: q.id, sum: q.sum, status: q.status },
        { extid, id: String(out.id), sum: '150.50', status: '1' },
      );
      assert.equal(q.key, md5(`${extid}${out.id}150.50` + '1' + 'cbkey'));
    });

    it('retried while the merchant answers 500, delivered once it answers 404', async () => {
      status = 500;
      const lk = await post('pay/lk', { amount: 10 });
      unwrap(await payerPays(lk.id));
      await deliverAll();
      assert.equal(callbacks().length, 1);
      for (let i = 0; i < 3; i++) {
        gw.clock.advance(2 * 60 * 60 * 1000);
        await deliverAll();
      }
      assert.equal(callbacks().length, 4, 'retried on each due attempt');
      status = 404;
      gw.clock.advance(2 * 60 * 60 * 1000);
      await deliverAll();
      assert.equal(callbacks().length, 5);
      gw.clock.advance(2 * 60 * 60 * 1000);
      await deliverAll();
      assert.equal(callbacks().length, 5, 'a 404 is delivered: no more tries');
    });

    it('retried at least ten times while nobody answers', async () => {
      const silent = await impayMerchant(gw.engine, 'Silent', { impayCallbackUrl: 'http://127.0.0.1:9/cb' });
      const lk = await post('pay/lk', { amount: 10 }, silent);
      unwrap(await payerPays(lk.id));
      for (let i = 0; i < 12; i++) {
        await deliverAll();
        gw.clock.advance(2 * 60 * 60 * 1000);
      }
      const attempts = await gw.db.db
        .selectFrom('outbox')
        .select(['attempts', 'notice'])
        .where('merchant_id', '=', silent.merchantId)
        .where('channel', '=', 'callback.impay')
        .execute();
      assert.equal(attempts.length, 1);
      assert.ok(
        Number(attempts[0]!.attempts) >= 10,
        `attempts ${attempts[0]!.attempts}, ${attempts[0]!.notice}`,
      );
      assert.notEqual(attempts[0]!.notice, 'delivered');
    });

    it('no callback URL: nothing is sent', async () => {
      const quiet = await impayMerchant(gw.engine, 'Quiet');
      const lk = await post('pay/lk', { amount: 10 }, quiet);
      unwrap(await payerPays(lk.id));
      await deliverAll();
      assert.equal(callbacks().length, 0);
    });

    describe('the check request', () => {
      let checked: ImpayCreds;
      before(async () => {
        checked = await impayMerchant(gw.engine, 'Checked', { impayCheckUrl: `${merchant.url}/check` });
      });

      it('asks GET ?extid=&sum= before the bank; {"success":true} lets the payment through', async () => {
        const extid = newExtid();
        const lk = await post('pay/lk', { amount: '99.90', extid }, checked);
        assert.equal(checks().length, 0, 'not asked at creation');
        unwrap(await payerPays(lk.id));
        const [check] = checks();
        assert.equal(check?.method, 'GET');
        assert.deepEqual(Object.fromEntries(check!.url.searchParams), { extid, sum: '99.90' });
        assert.equal((await post('pay/state', { id: lk.id }, checked)).status, 1);
      });

      it('{"success":false} refuses a pay/lk: the payment fails (state 2, rc 57) without the bank', async () => {
        checkAnswer = { status: 200, body: '{"success":false,"message":"Заказ уже оплачен"}' };
        const lk = await post('pay/lk', { amount: 10, extid: newExtid() }, checked);
        const paid = unwrap(await payerPays(lk.id));
        assert.equal(paid.payment.status, 'failed');
        assert.equal(paid.payment.decline?.message, 'Заказ уже оплачен');
        assert.equal(paid.payment.attempts, 0, 'no attempt reached the bank');
        assert.deepEqual(await post('pay/state', { id: lk.id }, checked), {
          status: 2,
          message: '',
          rc: '57',
        });
      });

      it('refuses pay/auto with status 2, the merchant’s message and the id; an error status or no JSON refuses too', async () => {
        const reg = await post('card/reg', { type: 0 }, checked);
        unwrap(await payerPays(reg.id));
        assert.equal(checks().length, 0, 'a card registration is not asked about');
        const cardId = ((await post('card/get', { id: reg.id }, checked)).card as { id: number }).id;
        checkAnswer = { status: 200, body: '{"success":false,"message":"Нет такого заказа"}' };
        const auto = await post('pay/auto', { card: cardId, amount: 5, extid: newExtid() }, checked);
        assert.equal(auto.status, 2);
        assert.equal(auto.message, 'Нет такого заказа');
        assert.ok(Number.isInteger(auto.id) && (auto.id as number) > 0);
        for (const answer of [
          { status: 500, body: '{"success":true}' },
          { status: 200, body: 'OK' },
        ]) {
          checkAnswer = answer;
          const refused = await post('pay/auto', { card: cardId, amount: 5 }, checked);
          assert.equal(refused.status, 2, JSON.stringify(answer));
        }
        checkAnswer = { status: 200, body: '{"success":true}' };
        assert.equal((await post('pay/auto', { card: cardId, amount: 5 }, checked)).status, 1);
      });

      it('a check URL that does not answer refuses the payment', async () => {
        const dead = await impayMerchant(gw.engine, 'Dead check', {
          impayCheckUrl: 'http://127.0.0.1:9/check',
        });
        const lk = await post('pay/lk', { amount: 10 }, dead);
        const paid = unwrap(await payerPays(lk.id));
        assert.equal(paid.payment.status, 'failed');
      });
    });
  });
}
