import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { informerChannel } from '../../../src/dialects/paykeeper/channels.ts';
import { informerForm } from '../../../src/dialects/paykeeper/documents.ts';
import { factsOfPayload, informerStateOf } from '../../../src/dialects/paykeeper/informer.ts';
import { informerAnswer } from '../../../src/dialects/paykeeper/sign.ts';
import type { CreatePaymentCmd } from '../../../src/engine/payments/create-store.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, paid, payment, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/**
 * The informer in POST mode against a merchant back end on 127.0.0.1 that checks the `key`
 * as a PHP shop does and answers as the test says: delivered only on `OK md5(id + seed)`,
 * retried on anything else (a bare `OK` too) until the limit, then `stuck`; `repeatcnt`
 * sends again; a changed seed signs the next attempt.
 */

/** COMPAT.md's formulas, written out here rather than imported. */
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const keyOf = (f: URLSearchParams, seed: string) =>
  md5(`${f.get('id')}${f.get('sum')}${f.get('clientid')}${f.get('orderid')}${seed}`);

describe('informer form: the COMPAT.md vector', () => {
  it('id=123, sum=100.00, clientid=Ivan, orderid=42, seed=seed', () => {
    const facts = factsOfPayload({
      id: '123',
      amountMinor: '10000',
      clientid: 'Ivan',
      orderid: '42',
      serviceName: 'Заказ',
      paidAt: Date.UTC(2026, 10, 23, 9, 0, 0),
    });
    const form = informerForm(facts, 'seed');
    assert.equal(form.sum, '100.00');
    assert.equal(form.key, 'b5bd3b302db49ce049c8109719a0dbcc');
    assert.equal(informerAnswer(form.id, 'seed'), 'OK 6c8d99cff87d96fcaa8e67ef99d76275');
  });

  it('a malformed outbox payload is refused, not sent half-filled', () => {
    assert.throws(() => factsOfPayload({ id: '12a', amountMinor: '1', paidAt: 0 }), /bad id/);
    assert.throws(() => factsOfPayload({ id: '1', amountMinor: 1, paidAt: 0 }), /bad amountMinor/);
    assert.throws(() => factsOfPayload({ id: '1', amountMinor: '1' }), /bad paidAt/);
  });
});

type Received = { fields: URLSearchParams; headers: IncomingHttpHeaders };

/** The merchant's back end: records each form and answers with `answer(fields)`. */
async function merchantBackEnd(answer: (fields: URLSearchParams) => string) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const fields = new URLSearchParams(body);
      received.push({ fields, headers: req.headers });
      res.end(answer(fields));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/paykeeper/callback.php`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const minutes = (n: number) => n * 60_000;

for (const flavor of await testFlavors()) {
  describe(`PayKeeper informer (POST) on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    /** The seed the back end knows (the shop's config), and how it answers. */
    let seed: string;
    let mode: 'proper' | 'bare-ok' | 'error' = 'proper';
    let backEnd: Awaited<ReturnType<typeof merchantBackEnd>>;
    const savedEnv = { ...process.env };
    async function deliverAll() {
      let total = 0;
      for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce()) total += n;
      return total;
    }
    /** PayKeeper's datetime of the clock's now: Moscow, UTC+3 all year. */
    const moscowNow = () =>
      new Date(gw.clock.ms + 3 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

    before(async () => {
      // Three attempts make the limit reachable; the receiver is on 127.0.0.1.
      process.env.PAYKEEPER_INFORMER_ATTEMPTS = '3';
      process.env.CALLBACKS_ALLOW_PRIVATE = 'true';
      backEnd = await merchantBackEnd((f) => {
        if (mode === 'error') return '<html>Fatal error</html>';
        if (f.get('key') !== keyOf(f, seed)) return 'Hash mismatch';
        return mode === 'bare-ok' ? 'OK' : `OK ${md5(`${f.get('id')}${seed}`)}\n`;
      });
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Informed shop', { informerUrl: backEnd.url, informerType: 'post' });
      seed = shop.informer_seed;
    });
    after(async () => {
      process.env = savedEnv;
      await app.close();
      await backEnd.close();
      await gw.close();
    });
    /** Each test starts on a quiet outbox: what earlier tests left due is sent first. */
    beforeEach(async () => {
      mode = 'proper';
      gw.clock.advance(minutes(120));
      await deliverAll();
      backEnd.received.length = 0;
    });
    afterEach(() => assertLedgerBalanced(gw.engine));

    const pkPaid = (more: Partial<CreatePaymentCmd> = {}) =>
      paid(gw.engine, shop.merchantId, {
        origin: 'paykeeper',
        amountMinor: 1_205_98n,
        externalId: `order-${Math.random().toString(36).slice(2, 8)}`,
        customer: { reference: 'Иван Петров', email: 'ivan@example.ru', phone: '+79001234567' },
        description: 'Заказ в магазине',
        ...more,
      });
    const stateOf = async (id: bigint) => (await informerStateOf(gw.engine, shop.merchantId, [id])).get(id);
    const attemptsOf = (id: bigint) =>
      gw.database.db
        .selectFrom('delivery_attempts as a')
        .innerJoin('outbox as o', 'o.id', 'a.outbox_id')
        .select(['a.attempt_no', 'a.delivered', 'a.response_status', 'a.response_body', 'a.error'])
        .where('o.ref_id', '=', id)
        .where('o.channel', '=', informerChannel)
        .orderBy('a.id')
        .execute();
    const repeatcnt = async (id: string, who = shop) =>
      (await post(app, who, '/change/payment/repeatcnt/', { id, token: await tokenOf(app, who) })).json();

    it('a paid payment is POSTed once as a signed form; `OK md5(id + seed)` delivers it', async () => {
      const p = await pkPaid();
      assert.deepEqual(await stateOf(p.id), { notice: 'queued', attempts: 0, deliveredAt: null });
      assert.equal(await deliverAll(), 1);
      assert.equal(backEnd.received.length, 1);
      const { fields, headers } = backEnd.received[0]!;
      assert.equal(headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(fields.get('id'), p.id.toString());
      assert.equal(fields.get('sum'), '1205.98');
      assert.equal(fields.get('clientid'), 'Иван Петров');
      assert.equal(fields.get('orderid'), p.externalId);
      assert.equal(fields.get('key'), keyOf(fields, seed));
      assert.equal(fields.get('service_name'), 'Заказ в магазине');
      assert.equal(fields.get('client_email'), 'ivan@example.ru');
      assert.equal(fields.get('client_phone'), '+79001234567');
      assert.match(fields.get('card_number') ?? '', /^\d{6}\*+\d{4}$|^\d{6}X+\d{4}$|^\d{4}\D+\d{4}$/);
      assert.equal(fields.get('ps_id'), p.serviceId?.toString() ?? '0');
      assert.equal(fields.get('obtain_datetime'), moscowNow(), 'Moscow time of payment');
      assert.equal(fields.has('batch_date'), false, 'one-stage');
      assert.deepEqual(await stateOf(p.id), {
        notice: 'delivered',
        attempts: 1,
        deliveredAt: gw.clock.now(),
      });
      gw.clock.advance(minutes(120));
      assert.equal(await deliverAll(), 0, 'once per payment');
      const [attempt] = await attemptsOf(p.id);
      assert.equal(attempt?.delivered, 1n);
      assert.equal(attempt?.response_body, `OK ${md5(`${p.id}${seed}`)}\n`, 'the answer as given');
    });

    it('a bare `OK` is a failed delivery, logged as answered, retried with backoff; the limit makes it stuck', async () => {
      mode = 'bare-ok';
      const p = await pkPaid();
      assert.equal(await deliverAll(), 1);
      assert.deepEqual(await stateOf(p.id), { notice: 'queued', attempts: 1, deliveredAt: null });
      assert.equal(await deliverAll(), 0, 'not before the backoff');
      gw.clock.advance(minutes(1));
      assert.equal(await deliverAll(), 1, 'after one minute');
      gw.clock.advance(minutes(1));
      assert.equal(await deliverAll(), 0, 'the second wait is two minutes');
      gw.clock.advance(minutes(1));
      assert.equal(await deliverAll(), 1);
      assert.deepEqual(await stateOf(p.id), { notice: 'exhausted', attempts: 3, deliveredAt: null });
      gw.clock.advance(minutes(600));
      assert.equal(await deliverAll(), 0, 'stuck: no more attempts');
      const attempts = await attemptsOf(p.id);
      assert.deepEqual(
        attempts.map((a) => [Number(a.attempt_no), a.delivered, a.response_status, a.response_body]),
        [
          [1, 0n, 200n, 'OK'],
          [2, 0n, 200n, 'OK'],
          [3, 0n, 200n, 'OK'],
        ],
      );
      assert.match(attempts[0]?.error ?? '', /OK <md5/);
      assert.equal(backEnd.received.length, 3);
    });

    it('repeatcnt resets the counter of a stuck payment and delivers again', async () => {
      mode = 'error';
      const p = await pkPaid();
      for (const wait of [0, 1, 2]) {
        gw.clock.advance(minutes(wait));
        await deliverAll();
      }
      assert.equal((await stateOf(p.id))?.notice, 'exhausted');
      assert.equal((await attemptsOf(p.id))[0]?.response_body, '<html>Fatal error</html>');

      mode = 'proper';
      assert.deepEqual(await repeatcnt(p.id.toString()), { result: 'success' });
      assert.deepEqual(await stateOf(p.id), { notice: 'queued', attempts: 0, deliveredAt: null });
      assert.equal(await deliverAll(), 1, 'sent again at once');
      assert.deepEqual(await stateOf(p.id), {
        notice: 'delivered',
        attempts: 1,
        deliveredAt: gw.clock.now(),
      });
      assert.equal(backEnd.received.at(-1)?.fields.get('key'), keyOf(backEnd.received.at(-1)!.fields, seed));

      // a delivered one may be sent again too (the cabinet's "resend")
      gw.clock.advance(minutes(5));
      assert.deepEqual(await repeatcnt(p.id.toString()), { result: 'success' });
      assert.equal(await deliverAll(), 1);
      assert.equal((await stateOf(p.id))?.notice, 'delivered');
    });

    it('repeatcnt refuses in PayKeeper format: no id, not an id, unknown, another merchant’s, not yet paid', async () => {
      const other = await pkMerchant(gw.engine, 'Other shop');
      const theirs = await paid(gw.engine, other.merchantId, { origin: 'paykeeper' });
      const unpaid = await payment(gw.engine, shop.merchantId, { origin: 'paykeeper' });
      const cases: [string, string][] = [
        ['', 'Обязательный параметр не указан. (id)'],
        ['12a', 'Идентификатор должен состоять из цифр. (id)'],
        ['99999999', 'Платёж не найден.'],
        [theirs.id.toString(), 'Платёж не найден.'],
        [unpaid.id.toString(), 'Платёж ещё не получен.'],
      ];
      for (const [id, msg] of cases)
        assert.deepEqual(await repeatcnt(id), { result: 'fail', msg }, `id ${id}`);
      const noId = await post(app, shop, '/change/payment/repeatcnt/', { token: await tokenOf(app, shop) });
      assert.deepEqual(noId.json(), { result: 'fail', msg: 'Обязательный параметр не указан. (id)' });
      assert.equal((await stateOf(unpaid.id))?.notice, 'none');
    });

    it('a changed seed signs the next attempt', async () => {
      const old = seed;
      seed = 'a-new-seed-the-shop-was-given';
      const p = await pkPaid();
      assert.equal(await deliverAll(), 1);
      const first = backEnd.received[0]!.fields;
      assert.equal(first.get('key'), keyOf(first, old), 'signed with the seed of the time');
      assert.equal((await stateOf(p.id))?.notice, 'queued', 'the shop refused the old key');

      unwrap(await gw.engine.setInformerSeed(shop.merchantId, seed));
      gw.clock.advance(minutes(1));
      assert.equal(await deliverAll(), 1);
      const second = backEnd.received[1]!.fields;
      assert.equal(second.get('key'), keyOf(second, seed));
      assert.notEqual(second.get('key'), first.get('key'));
      assert.equal((await stateOf(p.id))?.notice, 'delivered', 'OK md5(id + new seed) accepted');
    });

    it('a two-stage payment is announced once, when held, with its batch_date', async () => {
      const p = await pkPaid({ flow: 'hold' });
      assert.equal(p.status, 'authorized');
      assert.equal(await deliverAll(), 1);
      const fields = backEnd.received[0]!.fields;
      assert.equal(fields.get('sum'), '1205.98');
      assert.equal(fields.get('batch_date'), moscowNow());
      assert.equal(fields.get('obtain_datetime'), moscowNow());
      unwrap(await gw.engine.capturePayment({ merchantId: shop.merchantId, paymentId: p.id }));
      gw.clock.advance(minutes(60));
      assert.equal(await deliverAll(), 0, 'the capture is no second notification');
      assert.equal((await stateOf(p.id))?.notice, 'delivered');
    });

    it('payments of other dialects are not announced; the informer state says none', async () => {
      const p = await paid(gw.engine, shop.merchantId, { origin: 'paymega' });
      const q = await paid(gw.engine, shop.merchantId, { origin: 'impay' });
      await deliverAll(); // their own dialects' callbacks may go out; PayKeeper's informer stays silent
      assert.equal(backEnd.received.length, 0);
      const states = await informerStateOf(gw.engine, shop.merchantId, [p.id, q.id]);
      assert.deepEqual(
        [...states.values()].map((s) => s.notice),
        ['none', 'none'],
      );
    });

    it('without an informer URL nothing is sent, and the delivery log says so', async () => {
      const bare = await pkMerchant(gw.engine, 'No informer');
      const p = await paid(gw.engine, bare.merchantId, { origin: 'paykeeper' });
      assert.equal(await deliverAll(), 1);
      assert.equal(backEnd.received.length, 0);
      const [attempt] = await attemptsOf(p.id);
      assert.equal(attempt?.delivered, 1n);
      assert.match(attempt?.error ?? '', /no informer_url set: nothing sent/);
      // the state is another merchant's to read only
      const mine = await informerStateOf(gw.engine, shop.merchantId, [p.id]);
      assert.equal(mine.get(p.id)?.notice, 'none');
      const theirs = await informerStateOf(gw.engine, bare.merchantId, [p.id]);
      assert.equal(theirs.get(p.id)?.notice, 'delivered');
    });
  });
}
