import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { InvoiceList, InvoiceListCount } from '../../../src/dialects/paykeeper/wire.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { basic, get, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/** 3.2 `list` and 3.3 `listcount`: every filter (status[] both ways, Moscow days, paging). */

const day = 24 * 3600_000;

for (const flavor of await testFlavors()) {
  describe(`PayKeeper invoice lists on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let rival: PkCreds;
    const ids: Record<string, string> = {};

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Lists');
      rival = await pkMerchant(gw.engine, 'Rival');
      let token = await tokenOf(app, shop);
      const make = async (name: string, amount: string) => {
        const res = await post(app, shop, '/change/invoice/preview/', {
          token,
          pay_amount: amount,
          orderid: name,
          client_email: `${name}@example.ru`,
          expiry: '2027-01-01',
        });
        ids[name] = res.json().invoice_id;
        gw.clock.advance(60_000); // a minute apart: the order of the list is the order of making
      };
      // 2026-11-23 12:00 Moscow: two sent, one kept as created
      await make('sent1', '10');
      await make('draft', '11');
      await make('sent2', '12');
      gw.clock.advance(2 * day); // 2026-11-25
      token = await tokenOf(app, shop); // a token lives a day or two
      await make('revoked', '13');
      await make('sent3', '14');
      for (const name of ['sent1', 'sent2', 'sent3'])
        assert.equal(
          (await post(app, shop, '/change/invoice/send/', { token, id: ids[name]! })).json().result,
          'success',
        );
      await post(app, shop, '/change/invoice/revoke/', { token, id: ids.revoked! });
      // another merchant's invoice is never seen
      const rivalToken = await tokenOf(app, rival);
      await post(app, rival, '/change/invoice/preview/', {
        token: rivalToken,
        pay_amount: '99',
        client_email: 'r@example.ru',
      });
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const list = async (query: string) => {
      const res = await get(app, shop, `/info/invoice/list/?${query}`);
      assert.equal(res.statusCode, 200);
      return res.json();
    };
    const orders = (rows: { orderid: string }[]) => rows.map((r) => r.orderid);

    it('lists newest first, never `created`, with the document of 3.2', async () => {
      const rows = await list('from=0&limit=100');
      assert.deepEqual(orders(rows), ['sent3', 'revoked', 'sent2', 'sent1']);
      assert.deepEqual(rows[0], {
        id: ids.sent3,
        status: 'sent',
        pay_amount: '14.00',
        clientid: null,
        orderid: 'sent3',
        service_name: null,
        client_email: 'sent3@example.ru',
        client_phone: null,
        expiry_datetime: '2027-01-01 00:00:00',
        created_datetime: '2026-11-25 12:04:00',
        paid_datetime: null,
      });
      assert.equal(rows[1].status, 'expired');
      assert.ok(TypeCompiler.Compile(InvoiceList).Check(rows), 'the list fits the wire schema');
      assert.match((await get(app, shop, '/info/invoice/list/?from=0&limit=100')).body, /"id":"[0-9]{19}"/);
    });

    it('filters by status[] and status[0], by Moscow days (both ends included), and pages', async () => {
      assert.deepEqual(orders(await list('status[]=expired&from=0&limit=10')), ['revoked']);
      assert.deepEqual(orders(await list('status[0]=sent&status[1]=expired&from=0&limit=10')), [
        'sent3',
        'revoked',
        'sent2',
        'sent1',
      ]);
      assert.deepEqual(orders(await list('status=sent&from=0&limit=10')), ['sent3', 'sent2', 'sent1']);
      assert.deepEqual(orders(await list('status[]=paid&from=0&limit=10')), []);
      assert.deepEqual(orders(await list('start_date=2026-11-23&end_date=2026-11-23&from=0&limit=10')), [
        'sent2',
        'sent1',
      ]);
      assert.deepEqual(orders(await list('start_date=2026-11-24&from=0&limit=10')), ['sent3', 'revoked']);
      assert.deepEqual(orders(await list('end_date=2026-11-24&from=0&limit=10')), ['sent2', 'sent1']);
      assert.deepEqual(orders(await list('from=1&limit=2')), ['revoked', 'sent2']);
      assert.deepEqual(orders(await list('from=10&limit=2')), []);
    });

    it('counts per status with the same filters', async () => {
      const count = async (query: string) =>
        (await get(app, shop, `/info/invoice/listcount/?${query}`)).json();
      const all = await count('');
      assert.deepEqual(
        [...all.statuses].sort((a: { status: string }, b: { status: string }) =>
          a.status.localeCompare(b.status),
        ),
        [
          { status: 'expired', count: '1' },
          { status: 'sent', count: '3' },
        ],
      );
      assert.deepEqual(all.fullcount, [{ count: '4' }]);
      assert.ok(TypeCompiler.Compile(InvoiceListCount).Check(all), 'the counts fit the wire schema');
      assert.deepEqual(await count('status[]=sent&start_date=2026-11-25'), {
        statuses: [{ status: 'sent', count: '1' }],
        fullcount: [{ count: '1' }],
      });
      assert.deepEqual(await count('status[]=paid'), { statuses: [], fullcount: [{ count: '0' }] });
    });

    it('refuses bad filters in PayKeeper format', async () => {
      for (const query of [
        'status[]=created&from=0&limit=10',
        'status[]=bogus&from=0&limit=10',
        'start_date=2026-13-01&from=0&limit=10',
        'end_date=yesterday&from=0&limit=10',
        'from=0',
        'limit=10',
        'from=-1&limit=10',
        'from=0&limit=1001',
      ]) {
        const res = await app.inject({
          method: 'GET',
          url: `/info/invoice/list/?${query}`,
          headers: basic(shop),
        });
        assert.equal(res.statusCode, 200, query);
        assert.equal(res.json().result, 'fail', query);
      }
      const count = await get(app, shop, '/info/invoice/listcount/?status[]=bogus');
      assert.equal(count.json().result, 'fail');
    });
  });
}
