import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { pkDialectFail, pkEngineFail } from '../../../src/dialects/paykeeper/errors.ts';
import {
  HttpLog,
  PaymentById,
  PaymentList,
  PaymentOptions,
  PaymentParams,
  PaymentsByDateCount,
  RefundsOfPayment,
} from '../../../src/dialects/paykeeper/wire.ts';
import type { Payment } from '../../../src/engine/payments/view.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, paid, payment, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { goodCard, PageClient } from '../../web/pages-helpers.ts';
import { get, type Login, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/** Payments over HTTP (spec 2.1–2.8, COMPAT.md search, capture, receipt/print) on both databases. */

const checkers = new Map<TSchema, ReturnType<typeof TypeCompiler.Compile>>();
function assertShape(schema: TSchema, body: unknown) {
  let check = checkers.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checkers.set(schema, check);
  }
  assert.ok(check.Check(body), JSON.stringify([...check.Errors(body)].slice(0, 3)));
}

const today = '2026-11-23'; // the test clock's Moscow day

for (const flavor of await testFlavors()) {
  describe(`PayKeeper payments on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let rival: PkCreds;
    let refunder: Login;
    let limited: Login;
    let viewer: Login;

    const informer = async (
      p: Payment,
      notice: string,
      attempts: number,
      deliveredAt: number | null = null,
    ) => {
      const now = gw.clock.ms;
      await gw.database.db
        .insertInto('outbox')
        .values({
          merchant_id: p.merchantId,
          channel: 'callback.paykeeper',
          event: 'payment.captured',
          ref_type: 'payment',
          ref_id: p.id,
          payload: '{}',
          notice,
          attempts,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
          delivered_at: deliveredAt,
        })
        .execute();
    };
    const sys = async (code: string) =>
      (await gw.engine.listServices(shop.merchantId)).find((s) => s.code === code)!.id.toString();

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Shop');
      rival = await pkMerchant(gw.engine, 'Rival');
      refunder = { login: `refunder-${flavor}`, password: 'refunder-pass' };
      limited = { login: `limited-${flavor}`, password: 'limited-pass' };
      viewer = { login: `viewer-${flavor}`, password: 'viewer-pass' };
      const m = shop.merchantId;
      unwrap(
        await gw.engine.createUser({
          merchantId: m,
          role: 'operator',
          refunds: { allowed: true, perDay: null },
          ...refunder,
        }),
      );
      unwrap(
        await gw.engine.createUser({
          merchantId: m,
          role: 'operator',
          refunds: { allowed: true, perDay: 2 },
          ...limited,
        }),
      );
      unwrap(await gw.engine.createUser({ merchantId: m, role: 'operator', ...viewer }));
    });
    after(async () => {
      await assertLedgerBalanced(gw.engine);
      await app.close();
      await gw.close();
    });

    it('shows a payment by id as an array of one, with every field of the spec', async () => {
      const p = await paid(gw.engine, shop.merchantId, {
        origin: 'paymega',
        externalId: 'order-1',
        customer: { id: 'Ivan', email: 'ivan@example.com', phone: '+79110000000' },
        description: 'Заказ 1',
        amountMinor: 1205_98n,
      });
      const res = await get(app, shop, `/info/payments/byid/?id=${p.id}`);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assertShape(PaymentById, body);
      assert.equal(body.length, 1);
      const [row] = body;
      assert.equal(row.id, p.id.toString());
      assert.equal(row.pay_amount, '1205.98');
      assert.equal(row.refund_amount, '0.00');
      assert.equal(row.clientid, 'Ivan');
      assert.equal(row.orderid, 'order-1');
      assert.equal(row.status, 'success'); // no informer: success at once
      assert.equal(row.repeat_counter, '0');
      assert.equal(row.payment_system_id, await sys('card_rub'));
      assert.equal(row.system_description, 'card_rub');
      assert.equal(row.pending_datetime, '2026-11-23 12:00:00');
      assert.equal(row.obtain_datetime, '2026-11-23 12:00:00');
      // another merchant does not see it, and junk ids are refused in PayKeeper's words
      assert.deepEqual(
        (await get(app, rival, `/info/payments/byid/?id=${p.id}`)).json(),
        pkEngineFail.payment_not_found,
      );
      for (const id of ['', 'abc', '-1', '0', '9223372036854775808', '1e3']) {
        const bad = await get(app, shop, `/info/payments/byid/?id=${id}`);
        assert.equal(bad.statusCode, 200);
        assert.equal(bad.json().result, 'fail', id);
      }
    });

    it('maps the informer state: obtained, success, stuck, with its counter and time', async () => {
      const queued = await paid(gw.engine, shop.merchantId);
      const delivered = await paid(gw.engine, shop.merchantId);
      const stuck = await paid(gw.engine, shop.merchantId);
      await informer(queued, 'queued', 2);
      await informer(delivered, 'delivered', 1, gw.clock.ms + 5_000);
      await informer(stuck, 'exhausted', 15);
      const rowOf = async (p: Payment) => (await get(app, shop, `/info/payments/byid/?id=${p.id}`)).json()[0];
      const q = await rowOf(queued);
      assert.deepEqual([q.status, q.repeat_counter, q.success_datetime], ['obtained', '2', null]);
      const d = await rowOf(delivered);
      assert.deepEqual(
        [d.status, d.repeat_counter, d.success_datetime],
        ['success', '1', '2026-11-23 12:00:05'],
      );
      const s = await rowOf(stuck);
      assert.deepEqual([s.status, s.repeat_counter], ['stuck', '15']);
    });

    it('lists by date with status[] and payment_system_id[] filters and from/limit paging', async () => {
      const other = await pkMerchant(gw.engine, 'Listing shop');
      const m = other.merchantId;
      const a = await paid(gw.engine, m, { amountMinor: 1_00n });
      const b = await paid(gw.engine, m, { amountMinor: 2_00n });
      const pending = await payment(gw.engine, m, { amountMinor: 3_00n });
      const test = await paid(gw.engine, m, { amountMinor: 4_00n, serviceCode: 'test_rub' });
      const services = await gw.engine.listServices(m);
      const card = services.find((s) => s.code === 'card_rub')!.id.toString();
      const testSys = services.find((s) => s.code === 'test_rub')!.id.toString();
      const url = (q: string) => `/info/payments/bydate/?start=${today}&end=${today}&${q}`;
      const ids = async (q: string) => {
        const res = await get(app, other, url(q));
        assert.equal(res.statusCode, 200, res.body);
        assertShape(PaymentList, res.json());
        return res.json().map((r: { id: string }) => r.id);
      };
      const all = `status[]=success&status[]=pending&payment_system_id[]=${card}&payment_system_id[]=${testSys}`;
      assert.deepEqual(await ids(`${all}&from=0&limit=10`), [test.id, pending.id, b.id, a.id].map(String));
      assert.deepEqual(await ids(`${all}&from=1&limit=2`), [pending.id, b.id].map(String));
      assert.deepEqual(await ids(`status[0]=pending&payment_system_id[0]=${card}&from=0&limit=10`), [
        String(pending.id),
      ]);
      assert.deepEqual(await ids(`status[]=success&payment_system_id[]=${testSys}&from=0&limit=10`), [
        String(test.id),
      ]);
      // no status[] or no payment_system_id[]: an empty array (spec 2.1)
      assert.deepEqual(await ids(`payment_system_id[]=${card}&from=0&limit=10`), []);
      assert.deepEqual(await ids(`status[]=success&from=0&limit=10`), []);
      // another day: nothing
      const res = await get(
        app,
        other,
        `/info/payments/bydate/?start=2026-11-24&end=2026-11-30&${all}&from=0&limit=10`,
      );
      assert.deepEqual(res.json(), []);
      // from and limit are required, limit at most 1000, status values from Appendix 1
      for (const q of [
        all,
        `${all}&from=0`,
        `${all}&from=0&limit=1001`,
        `${all}&from=x&limit=1`,
        'status[]=paid&from=0&limit=1',
      ]) {
        const bad = await get(app, other, url(q));
        assert.equal(bad.statusCode, 200);
        assert.equal(bad.json().result, 'fail', q);
      }
      // counts by status and system (2.2)
      const count = await get(app, other, `/info/payments/bydatecount/?start=${today}&end=${today}`);
      assertShape(PaymentsByDateCount, count.json());
      const body = count.json();
      assert.deepEqual(body.fullcount, [{ count: '4' }]);
      const byStatus = Object.fromEntries(
        body.statuses.map((s: { status: string; count: string }) => [s.status, s.count]),
      );
      assert.deepEqual(byStatus, { success: '3', pending: '1' });
      const bySystem = Object.fromEntries(
        body.payment_systems.map((s: { payment_system_id: string; count: string }) => [
          s.payment_system_id,
          s.count,
        ]),
      );
      assert.deepEqual(bySystem, { [card]: '3', [testSys]: '1' });
      const filtered = await get(
        app,
        other,
        `/info/payments/bydatecount/?start=${today}&end=${today}&status[]=pending`,
      );
      assert.deepEqual(filtered.json().fullcount, [{ count: '1' }]);
    });

    it("logs the payer's requests at the payment's pages, never the card (2.6)", async () => {
      const p = await payment(gw.engine, shop.merchantId, { amountMinor: 12_00n });
      const payer = new PageClient(app);
      const res = await payer.pay(p.publicId, { pan: '4111 1111 1111 1111', ...goodCard });
      assert.ok(res.statusCode < 500, res.body);
      // written after the answer has gone (onResponse): wait for the two lines, a bounded while
      let log = (await get(app, shop, `/info/httplog/byid/?id=${p.id}`)).json();
      for (let tries = 0; log.length < 2 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log = (await get(app, shop, `/info/httplog/byid/?id=${p.id}`)).json();
      }
      assertShape(HttpLog, log);
      assert.deepEqual(
        log.map((r: { request_method: string; request_uri: string }) => [r.request_method, r.request_uri]),
        [
          ['GET', `/pay/${p.publicId}`],
          ['POST', `/pay/${p.publicId}`],
        ],
      );
      assert.equal(log[1].ip, payer.ip);
      assert.equal(log[1].datetime, '2026-11-23 12:00:00');
      const raw = JSON.stringify(log);
      for (const body of log.map((r: { body: string }) => r.body))
        for (const secret of ['4111', 'cvc', 'holder', 'IVAN', 'exp', 'csrf', 'pan'])
          assert.ok(!body.includes(secret), secret);
      assert.ok(!raw.includes('4111'));
      assert.deepEqual(
        (await get(app, rival, `/info/httplog/byid/?id=${p.id}`)).json(),
        pkEngineFail.payment_not_found,
      );
    });

    it('gives options and params of a payment', async () => {
      const p = await paid(gw.engine, shop.merchantId, {
        externalId: 'opt-1',
        customer: { email: 'a@b.ru' },
      });
      const options = (await get(app, shop, `/info/options/byid/?id=${p.id}`)).json();
      assertShape(PaymentOptions, options);
      assert.equal(options.orderid, 'opt-1');
      assert.equal(options.client_email, 'a@b.ru');
      assert.match(options.CARD_NUMBER, /^411111\*+1111$|^411111.*1111$/);
      assert.equal(options.RESULT, 'OK');
      const params = (await get(app, shop, `/info/params/byid/?id=${p.id}`)).json();
      assertShape(PaymentParams, params);
      assert.ok(
        params.some((r: { field: string; value: string }) => r.field === 'orderid' && r.value === 'opt-1'),
      );
      assert.ok(params.every((r: { payment_id: string }) => r.payment_id === p.id.toString()));
    });

    it('reverses in full and in part, with partial in every form, and lists the refunds with who did them', async () => {
      const p = await paid(gw.engine, shop.merchantId, { amountMinor: 100_00n });
      const token = await tokenOf(app, refunder);
      const reverse = (fields: Record<string, string>, who: Login = refunder, t = token) =>
        post(app, who, '/change/payment/reverse/', { id: String(p.id), token: t, ...fields });
      // partial=True needs an amount; partial=false with another amount than what remains is refused
      assert.equal((await reverse({ partial: 'True' })).json().result, 'fail');
      assert.equal((await reverse({ partial: 'false', amount: '10.00' })).json().result, 'fail');
      assert.equal((await reverse({ partial: 'maybe', amount: '1' })).json().result, 'fail');
      assert.deepEqual((await reverse({ partial: 'true', amount: '10' })).json(), { result: 'success' });
      assert.deepEqual((await reverse({ partial: '1', amount: '20.5' })).json(), { result: 'success' });
      assert.deepEqual((await reverse({ amount: '9.50' })).json(), { result: 'success' }); // no flag: partial
      assert.equal((await reverse({ amount: '60.01' })).json().result, 'fail'); // more than remains
      // the admin credential refunds too; partial=False takes what remains
      const adminToken = await tokenOf(app, shop);
      assert.deepEqual((await reverse({ partial: 'False' }, shop, adminToken)).json(), { result: 'success' });
      assert.equal((await reverse({ partial: 'false' }, shop, adminToken)).json().result, 'fail'); // nothing left
      const refunds = (await get(app, shop, `/info/refunds/bypaymentid/?id=${p.id}`)).json();
      assertShape(RefundsOfPayment, refunds);
      assert.deepEqual(
        refunds.map((r: Record<string, string>) => [r.refund_number, r.user, r.amount, r.reminder, r.status]),
        [
          ['1', refunder.login, '10.00', '90.00', 'done'],
          ['2', refunder.login, '20.50', '69.50', 'done'],
          ['3', refunder.login, '9.50', '60.00', 'done'],
          ['4', shop.login, '60.00', '0.00', 'done'],
        ],
      );
      const row = (await get(app, shop, `/info/payments/byid/?id=${p.id}`)).json()[0];
      assert.deepEqual([row.status, row.refund_amount], ['refunded', '100.00']);
    });

    it('takes a refund_cart that adds up to the refund, and keeps it as a receipt', async () => {
      const p = await paid(gw.engine, shop.merchantId, { amountMinor: 30_00n });
      const token = await tokenOf(app, refunder);
      const line = (sum: string) =>
        JSON.stringify([{ name: 'Товар', price: sum, quantity: 1, sum, tax: 'none' }]);
      const wrong = await post(app, refunder, '/change/payment/reverse/', {
        id: String(p.id),
        amount: '10.00',
        refund_cart: line('9.00'),
        token,
      });
      assert.equal(wrong.json().result, 'fail');
      assert.match(wrong.json().msg, /Корзина/);
      const fullWrong = await post(app, refunder, '/change/payment/reverse/', {
        id: String(p.id),
        partial: 'false',
        refund_cart: line('10.00'),
        token,
      });
      assert.equal(fullWrong.json().result, 'fail');
      const right = await post(app, refunder, '/change/payment/reverse/', {
        id: String(p.id),
        amount: '10.00',
        refund_cart: line('10.00'),
        token,
      });
      assert.deepEqual(right.json(), { result: 'success' });
      const receipts = await gw.database.db
        .selectFrom('receipts')
        .selectAll()
        .where('payment_id', '=', p.id)
        .execute();
      assert.deepEqual(
        receipts.map((r) => [r.kind, JSON.parse(r.cart)[0].name]),
        [['refund', 'Товар']],
      );
    });

    it('refuses refunds to users without the right, past their daily count, and without a token', async () => {
      const p = await paid(gw.engine, shop.merchantId, { amountMinor: 50_00n });
      const viewerToken = await tokenOf(app, viewer);
      const refused = await post(app, viewer, '/change/payment/reverse/', {
        id: String(p.id),
        amount: '1',
        token: viewerToken,
      });
      assert.deepEqual(refused.json(), pkDialectFail.refund_not_allowed);
      const noToken = await post(app, refunder, '/change/payment/reverse/', {
        id: String(p.id),
        amount: '1',
      });
      assert.equal(noToken.json().error_code, 67);
      const token = await tokenOf(app, limited);
      const one = () =>
        post(app, limited, '/change/payment/reverse/', { id: String(p.id), amount: '1', token });
      // a refused refund (too much) uses up nothing of the day's count
      const tooMuch = await post(app, limited, '/change/payment/reverse/', {
        id: String(p.id),
        amount: '51',
        token,
      });
      assert.equal(tooMuch.json().result, 'fail');
      assert.deepEqual((await one()).json(), { result: 'success' });
      assert.deepEqual((await one()).json(), { result: 'success' });
      assert.deepEqual((await one()).json(), pkEngineFail.refund_limit_reached);
      // the next Moscow day counts afresh
      gw.clock.advance(24 * 60 * 60 * 1000);
      const next = await post(app, limited, '/change/payment/reverse/', {
        id: String(p.id),
        amount: '1',
        token: await tokenOf(app, limited),
      });
      assert.deepEqual(next.json(), { result: 'success' });
      gw.clock.advance(-24 * 60 * 60 * 1000);
    });

    it('never refunds more than remains, nor past a daily count, under concurrent requests', async () => {
      const p = await paid(gw.engine, shop.merchantId, { amountMinor: 10_00n });
      const token = await tokenOf(app, refunder);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          post(app, refunder, '/change/payment/reverse/', { id: String(p.id), amount: '3.00', token }),
        ),
      );
      const ok = answers.filter((r) => r.json().result === 'success').length;
      assert.equal(ok, 3);
      for (const r of answers) assert.equal(r.statusCode, 200);
      const after = unwrap({ ok: true, value: await gw.engine.getPayment({ id: p.id }, shop.merchantId) })!;
      assert.equal(after.refundedMinor, 9_00n);
      // a daily count of 2 holds under 6 concurrent refunds by one user
      const q = await paid(gw.engine, shop.merchantId, { amountMinor: 10_00n });
      const capped: Login = { login: `capped-${flavor}`, password: 'capped-pass' };
      unwrap(
        await gw.engine.createUser({
          merchantId: shop.merchantId,
          role: 'operator',
          refunds: { allowed: true, perDay: 2 },
          ...capped,
        }),
      );
      const cappedToken = await tokenOf(app, capped);
      const raced = await Promise.all(
        Array.from({ length: 6 }, () =>
          post(app, capped, '/change/payment/reverse/', {
            id: String(q.id),
            amount: '1.00',
            token: cappedToken,
          }),
        ),
      );
      assert.equal(raced.filter((r) => r.json().result === 'success').length, 2);
    });

    it('narrows a search by status[] and payment_system_id[]; without them it finds as before', async () => {
      const other = await pkMerchant(gw.engine, 'Search filters shop');
      const m = other.merchantId;
      const customer = { id: 'Анна', email: 'anna@example.com' };
      const a = await paid(gw.engine, m, { amountMinor: 1_00n, customer });
      const pending = await payment(gw.engine, m, { amountMinor: 2_00n, customer });
      const test = await paid(gw.engine, m, { amountMinor: 3_00n, serviceCode: 'test_rub', customer });
      await paid(gw.engine, m, { amountMinor: 4_00n, customer: { id: 'Борис', email: 'boris@example.com' } });
      const services = await gw.engine.listServices(m);
      const card = services.find((s) => s.code === 'card_rub')!.id.toString();
      const testSys = services.find((s) => s.code === 'test_rub')!.id.toString();
      const ids = async (q: string) => {
        const res = await get(app, other, `/info/payments/search/?query=anna@example.com${q}`);
        assert.equal(res.statusCode, 200, res.body);
        assertShape(PaymentList, res.json());
        return res.json().map((r: { id: string }) => r.id);
      };
      // COMPAT's wire: no filter, every match
      assert.deepEqual(await ids(''), [test.id, pending.id, a.id].map(String));
      assert.deepEqual(await ids('&status[]=success'), [test.id, a.id].map(String));
      assert.deepEqual(await ids('&status[0]=pending'), [String(pending.id)]);
      assert.deepEqual(await ids(`&payment_system_id[]=${card}`), [pending.id, a.id].map(String));
      assert.deepEqual(await ids(`&status[]=success&payment_system_id[]=${testSys}`), [String(test.id)]);
      assert.deepEqual(await ids(`&status[]=pending&payment_system_id[]=${testSys}`), []);
      assert.deepEqual(
        await ids(
          `&status[]=success&status[]=pending&payment_system_id[]=${card}&payment_system_id[]=${testSys}`,
        ),
        [test.id, pending.id, a.id].map(String),
      );
      // a bad filter is named, as 2.1 names it
      const bad = (await get(app, other, '/info/payments/search/?query=anna&status[]=nonsense')).json();
      assert.equal(bad.result, 'fail');
      const badSystem = (
        await get(app, other, '/info/payments/search/?query=anna&payment_system_id[]=x')
      ).json();
      assert.equal(badSystem.result, 'fail');
    });

    it('searches, captures a two-stage payment, prints a receipt', async () => {
      const p = await paid(gw.engine, shop.merchantId, {
        externalId: 'search-me-42',
        customer: { id: 'Пётр', email: 'petr@example.com' },
      });
      const found = (await get(app, shop, '/info/payments/search/?query=search-me-42')).json();
      assertShape(PaymentList, found);
      assert.deepEqual(
        found.map((r: { id: string }) => r.id),
        [String(p.id)],
      );
      const byMail = (await get(app, shop, '/info/payments/search/?query=petr@example.com')).json();
      assert.deepEqual(
        byMail.map((r: { id: string }) => r.id),
        [String(p.id)],
      );
      const dated = await get(
        app,
        shop,
        `/info/payments/search/?query=${p.id}&beg_date=2026-11-24&end_date=2026-11-25`,
      );
      assert.deepEqual(dated.json(), []);
      // two-stage
      const hold = await paid(gw.engine, shop.merchantId, { flow: 'hold', amountMinor: 30_00n });
      const token = await tokenOf(app, shop);
      const notHold = await post(app, shop, '/change/payment/capture/', { id: String(p.id), token });
      assert.deepEqual(notHold.json(), pkDialectFail.payment_not_two_stage);
      const captured = await post(app, shop, '/change/payment/capture/', {
        id: String(hold.id),
        amount: '25',
        token,
      });
      assert.deepEqual(captured.json(), { result: 'success', total: '30.00', captured: '25.00' });
      const receipt = await post(app, shop, '/change/receipt/print/', { id: String(p.id), token });
      assert.match(receipt.json().receipt_id, /^[0-9]+$/);
    });
  });
}
