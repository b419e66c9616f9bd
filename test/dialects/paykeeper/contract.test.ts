import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { basic, get, type Login, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/**
 * Every example of the spec's sections 1, 2 and 7 (shared/specs/paykeeper-cabinet-api-2.5.txt)
 * replayed: the request as the spec writes it (payment system ids replaced by the merchant's,
 * since they are per merchant), the answer compared with the spec's example field by field —
 * the same keys, the same JSON types, and the same values where the facts are the spec's
 * (the clock is set to the example's moment). 2.9 (repeatcnt) belongs to the informer.
 */

const examples = {
  '1.1': [{ id: '2', system_description: 'Qiwi', site_description: 'Visa Qiwi Wallet' }],
  '1.2': [
    {
      id: '1',
      system_description: 'WebMoney',
      site_description: ' WebMoney Transfer',
      success: '566.00',
      account: '566.00',
      stuck: '0.00',
      currency: 'RUR',
    },
  ],
  '1.3': [
    {
      payment_system_id: '6',
      label: 'Russian Standart Bank',
      data: [
        [1394380800000, 120],
        [1394467200000, 101],
      ],
    },
  ],
  '1.4': { success: '10932.00', account: '10932.00', stuck: '0.00' },
  '2.1': [
    {
      id: '97452',
      pay_amount: '1.00',
      refund_amount: '0.00',
      clientid: 'Ivan Ivonov',
      orderid: null,
      payment_system_id: '3',
      unique_id: null,
      status: 'success',
      repeat_counter: '0',
      pending_datetime: '2014-05-14 15:59:00',
      obtain_datetime: '2014-05-14 15:59:01',
      success_datetime: '2014-05-14 15:59:01',
    },
  ],
  '2.2': {
    statuses: [
      { status: 'canceled', count: '14' },
      { status: 'success', count: '71' },
    ],
    payment_systems: [{ payment_system_id: '1', count: '47' }],
    fullcount: [{ count: '88' }],
  },
  '2.3': {
    id: '97452',
    pay_amount: '10000.00',
    refund_amount: '0.00',
    clientid: 'Konstantin Semenov',
    orderid: null,
    payment_system_id: '3',
    unique_id: null,
    status: 'success',
    repeat_counter: '0',
    pending_datetime: '2014-05-14 15:59:00',
    obtain_datetime: '2014-05-14 15:59:01',
    success_datetime: '2014-05-14 15:59:01',
  },
  '2.4': {
    client_ip: '81.5.119.7',
    orderid: '140514-74-9',
    service_name: 'Uslugi po perevodu',
    client_email: 'info@example.com',
    client_phone: '+79112511000',
    msgtype: 'Visa',
    RRN: '413415326998',
    APPROVAL_CODE: '356884',
    CARD_NUMBER: '5***********8624',
    RESULT: 'OK',
    RESULT_CODE: '000',
  },
  '2.5': [{ id: '189445', payment_id: '97445', field: 'RESULT', value: 'OK' }],
  '2.6': [
    {
      id: '32',
      payment_id: '5',
      request_method: 'GET',
      request_uri: '/external/',
      ip: '62.76.178.170',
      body: '',
      datetime: '2012-08-30 15:42:58',
    },
  ],
  '2.7': [
    {
      id: '1',
      payment_id: '436',
      refund_number: '1',
      user: 'admin',
      amount: '22570.00',
      reminder: '0.00',
      datetime: '2014-06-11 16:09:13',
      status: 'done',
    },
  ],
  '2.8': { result: 'success' },
  '7': { result: 'fail', msg: 'Error description' },
} as const;

/** Fields the spec's tables allow to be absent facts: null on the wire (wire.ts). */
const nullable = new Set([
  'clientid',
  'orderid',
  'unique_id',
  'obtain_datetime',
  'success_datetime',
  'value',
]);

/** Same keys, and each value of the same JSON type (null where the spec shows null, or a string). */
function assertLike(actual: unknown, example: unknown, where: string, extraKeys: string[] = []) {
  if (Array.isArray(example)) {
    assert.ok(Array.isArray(actual), `${where}: an array`);
    assert.ok(actual.length > 0, `${where}: not empty`);
    for (const [i, item] of actual.entries()) assertLike(item, example[0], `${where}[${i}]`, extraKeys);
    return;
  }
  if (example !== null && typeof example === 'object') {
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${where}: an object`);
    assert.deepEqual(
      Object.keys(actual as object).sort(),
      [...Object.keys(example), ...extraKeys].sort(),
      `${where}: the spec's keys`,
    );
    for (const [key, value] of Object.entries(example))
      assertLike((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    return;
  }
  if (example === null) assert.ok(actual === null || typeof actual === 'string', `${where}: null or text`);
  else if (actual === null && nullable.has(where.split('.').pop() ?? '')) return;
  else assert.equal(typeof actual, typeof example, `${where}: a ${typeof example}`);
}

/** The example's values, but for the fields named (ids the database gives). */
function assertValues(actual: Record<string, unknown>, example: Record<string, unknown>, except: string[]) {
  for (const [key, value] of Object.entries(example))
    if (!except.includes(key)) assert.deepEqual(actual[key], value, key);
}

for (const flavor of await testFlavors()) {
  describe(`PayKeeper spec examples (sections 1, 2, 7) on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let admin: Login;
    let cardSys: string;
    const ids: Record<string, bigint> = {};

    const informAll = async () => {
      for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce());
    };

    /** A payment created at the example's minute and paid a second later. */
    const examplePayment = async (
      amountMinor: bigint,
      clientid: string,
      more: Record<string, unknown> = {},
    ) => {
      const created = unwrap(
        await gw.engine.createPayment({
          merchantId: shop.merchantId,
          origin: 'paykeeper',
          amountMinor,
          currency: 'RUB',
          customer: { id: clientid, ...more },
        }),
      ).payment;
      gw.clock.advance(1000);
      const result = unwrap(
        await gw.engine.payWithCard({ payment: { id: created.id }, card: card(cards.mastercard) }),
      );
      await informAll(); // a shop without an informer URL is informed at once: `success`
      gw.clock.advance(-1000);
      return result.payment;
    };

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Example shop');
      admin = { login: 'admin', password: 'admin-password' };
      unwrap(
        await gw.engine.createUser({
          merchantId: shop.merchantId,
          role: 'admin',
          refunds: { allowed: true, perDay: null },
          ...admin,
        }),
      );
      cardSys = (await gw.engine.listServices(shop.merchantId))
        .find((s) => s.code === 'card_rub')!
        .id.toString();
      gw.clock.ms = Date.UTC(2014, 4, 14, 11, 59, 0); // 2014-05-14 15:59:00 in Moscow (UTC+4 then)
      ids['2.1'] = (await examplePayment(1_00n, 'Ivan Ivonov')).id;
      ids['2.3'] = (await examplePayment(10000_00n, 'Konstantin Semenov')).id;
      const optioned = unwrap(
        await gw.engine.createPayment({
          merchantId: shop.merchantId,
          origin: 'paykeeper',
          amountMinor: 10_00n,
          currency: 'RUB',
          externalId: '140514-74-9',
          description: 'Uslugi po perevodu',
          customer: { email: 'info@example.com', phone: '+79112511000' },
        }),
      ).payment;
      ids['2.4'] = unwrap(
        await gw.engine.payWithCard({ payment: { id: optioned.id }, card: card(cards.mastercard) }),
      ).payment.id;
      await informAll();
      gw.clock.ms = Date.UTC(2014, 5, 11, 12, 9, 13); // 2014-06-11 16:09:13 Moscow
      ids['2.7'] = (await examplePayment(22570_00n, 'refund example')).id;
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('1.1 /info/systems/list/', async () => {
      const body = (await get(app, shop, '/info/systems/list/')).json();
      assertLike(body, examples['1.1'], '1.1');
    });

    it('1.2 /info/systems/sums/?start=2014-04-12&end=2014-05-12 and 1.4 allsum', async () => {
      const sums = (await get(app, shop, '/info/systems/sums/?start=2014-04-12&end=2014-05-14')).json();
      assertLike(sums, examples['1.2'], '1.2');
      const cardRow = sums.find((s: { id: string }) => s.id === cardSys);
      assert.deepEqual(
        [cardRow.success, cardRow.account, cardRow.stuck, cardRow.currency],
        ['10011.00', '10011.00', '0.00', 'RUR'],
      );
      const exact = (await get(app, shop, '/info/systems/sums/?start=2014-04-12&end=2014-05-12')).json();
      assertLike(exact, examples['1.2'], '1.2 as written');
      const all = (await get(app, shop, '/info/systems/allsum/?start=2014-04-12&end=2014-05-12')).json();
      assertLike(all, examples['1.4'], '1.4');
      assert.deepEqual(all, { success: '0.00', account: '0.00', stuck: '0.00' });
    });

    it('1.3 /info/systems/sums/details/?start=2014-04-12&end=2014-05-12', async () => {
      const res = await get(app, shop, '/info/systems/sums/details/?start=2014-04-12&end=2014-05-12');
      const body = res.json();
      assertLike(body, examples['1.3'], '1.3');
      for (const series of body) {
        assert.equal(series.data.length, 30); // 31 days: averaged into 30 points
        for (const point of series.data) assertLike(point, examples['1.3'][0].data[0], '1.3 point');
      }
      // the example's moment: a point a day, at Moscow midnight, in milliseconds
      const mid = (
        await get(app, shop, '/info/systems/sums/details/?start=2014-05-13&end=2014-05-14')
      ).json();
      const cardSeries = mid.find((s: { payment_system_id: string }) => s.payment_system_id === cardSys);
      assert.deepEqual(cardSeries.data, [
        [Date.UTC(2014, 4, 12, 20), 0],
        [Date.UTC(2014, 4, 13, 20), 10011],
      ]);
    });

    it('2.1 /info/payments/bydate/ as the spec writes it', async () => {
      const url = `/info/payments/bydate/?limit=100&from=0&start=2014-04-14&end=2014-06-14&status[]=success&status[]=canceled&status[]=failed&payment_system_id[]=${cardSys}&payment_system_id[]=1`;
      const body = (await get(app, shop, url)).json();
      assertLike(body, examples['2.1'], '2.1');
      const row = body.find((r: { id: string }) => r.id === String(ids['2.1']));
      assertValues(row, examples['2.1'][0], ['id', 'payment_system_id', 'unique_id']);
      assert.equal(row.payment_system_id, cardSys);
    });

    it('2.2 /info/payments/bydatecount/ as the spec writes it', async () => {
      const url = `/info/payments/bydatecount/?start=2014-04-14&end=2014-05-14&status[]=success&status[]=canceled&status[]=failed&payment_system_id[]=${cardSys}&payment_system_id[]=1`;
      const body = (await get(app, shop, url)).json();
      assertLike(body, examples['2.2'], '2.2');
      assert.deepEqual(body.statuses, [{ status: 'success', count: '3' }]);
      assert.deepEqual(body.payment_systems, [{ payment_system_id: cardSys, count: '3' }]);
      assert.deepEqual(body.fullcount, [{ count: '3' }]);
    });

    it('2.3 /info/payments/byid/ (an array of one, COMPAT.md)', async () => {
      const body = (await get(app, shop, `/info/payments/byid/?id=${ids['2.3']}`)).json();
      assertLike(body, [examples['2.3']], '2.3', ['site_description', 'system_description']);
      assertValues(body[0], examples['2.3'], ['id', 'payment_system_id', 'unique_id']);
      assert.match(body[0].unique_id, /^[0-9]+$/); // the bank's RRN
    });

    it('2.4 /info/options/byid/ and 2.5 /info/params/byid/', async () => {
      const options = (await get(app, shop, `/info/options/byid/?id=${ids['2.4']}`)).json();
      for (const key of ['orderid', 'service_name', 'client_email', 'client_phone', 'msgtype', 'RRN'])
        assert.equal(typeof options[key], 'string', key);
      assert.equal(options.orderid, examples['2.4'].orderid);
      assert.equal(options.service_name, examples['2.4'].service_name);
      assert.equal(options.client_phone, examples['2.4'].client_phone);
      assert.equal(options.RESULT, 'OK');
      assert.match(options.CARD_NUMBER, /^555555\*+4444$|^5555.*4444$/);
      const params = (await get(app, shop, `/info/params/byid/?id=${ids['2.4']}`)).json();
      assertLike(params, examples['2.5'], '2.5');
      assert.ok(
        params.some((p: { field: string; value: string }) => p.field === 'RESULT' && p.value === 'OK'),
      );
    });

    it('2.6 /info/httplog/byid/', async () => {
      const publicId = (await gw.engine.getPayment({ id: ids['2.1']! }, shop.merchantId))!.publicId;
      await app.inject({ method: 'GET', url: `/pay/${publicId}`, remoteAddress: '62.76.178.170' });
      // written after the answer has gone (onResponse): wait for it, a bounded while
      let log = (await get(app, shop, `/info/httplog/byid/?id=${ids['2.1']}`)).json();
      for (let tries = 0; log.length < 1 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log = (await get(app, shop, `/info/httplog/byid/?id=${ids['2.1']}`)).json();
      }
      assertLike(log, examples['2.6'], '2.6');
      assertValues(log[0], examples['2.6'][0], ['id', 'payment_id', 'request_uri', 'datetime']);
      assert.equal(log[0].request_uri, `/pay/${publicId}`);
    });

    it('2.8 /change/payment/reverse/ then 2.7 /info/refunds/bypaymentid/', async () => {
      const token = await tokenOf(app, admin);
      const res = await post(app, admin, '/change/payment/reverse/', {
        id: String(ids['2.7']),
        amount: '22570.00',
        partial: 'false',
        token,
      });
      assert.deepEqual(res.json(), examples['2.8']);
      const refunds = (await get(app, admin, `/info/refunds/bypaymentid/?id=${ids['2.7']}`)).json();
      assertLike(refunds, examples['2.7'], '2.7');
      assertValues(refunds[0], examples['2.7'][0], ['id', 'payment_id']);
      assert.equal(refunds[0].payment_id, String(ids['2.7']));
    });

    it('7: a logical error is HTTP 200 {result: fail, msg}', async () => {
      const token = await tokenOf(app, admin);
      const res = await post(app, admin, '/change/payment/reverse/', { id: '999999999', token });
      assert.equal(res.statusCode, 200);
      assertLike(res.json(), examples['7'], '7');
      const unauthorized = await app.inject({
        method: 'GET',
        url: '/info/systems/list/',
        headers: basic({ login: 'admin', password: 'no' }),
      });
      assert.equal(unauthorized.statusCode, 401);
    });
  });
}
