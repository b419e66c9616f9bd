import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { fieldFail, fieldProblemFail } from '../../../src/dialects/paykeeper/errors.ts';
import { exportColumns, sheetName } from '../../../src/dialects/paykeeper/xlsx.ts';
import type { Payment } from '../../../src/engine/payments/view.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, paid, payment, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { get, type PkCreds, pkMerchant } from './helpers.ts';

/** Export (spec 8.1) and the cabinet's streamed export, opened with exceljs and read cell by cell. */

const allStatuses = [
  'pending',
  'obtained',
  'canceled',
  'success',
  'failed',
  'stuck',
  'refunded',
  'refunding',
  'partially_refunded',
]
  .map((s) => `status[]=${s}`)
  .join('&');

async function sheetOf(body: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet(sheetName);
  assert.ok(sheet, 'the sheet is there');
  return sheet;
}

const dataRows = (sheet: ExcelJS.Worksheet) =>
  Array.from({ length: sheet.rowCount - 1 }, (_, i) => sheet.getRow(i + 2));

for (const flavor of await testFlavors()) {
  describe(`PayKeeper export on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let rival: PkCreds;
    let cardRub: string;
    let before23: Payment;
    let night: Payment;
    let big: Payment;
    let open: Payment;
    let partly: Payment;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'Shop');
      rival = await pkMerchant(gw.engine, 'Rival');
      const m = shop.merchantId;
      cardRub = (await gw.engine.listServices(m)).find((s) => s.code === 'card_rub')!.id.toString();
      gw.clock.ms = Date.UTC(2026, 10, 22, 20, 30, 0); // 23:30 in Moscow on the 22nd
      before23 = await paid(gw.engine, m, { externalId: 'o-0', amountMinor: 500_00n });
      gw.clock.ms = Date.UTC(2026, 10, 22, 21, 30, 15); // 00:30:15 in Moscow on the 23rd
      night = await paid(gw.engine, m, {
        origin: 'paykeeper',
        externalId: 'o-1',
        customer: { reference: 'Ivan' },
        amountMinor: 1205_98n,
      });
      gw.clock.ms = Date.UTC(2026, 10, 23, 9, 0, 0);
      big = await paid(gw.engine, m, { externalId: 'o-2', amountMinor: 99_999_999_999n });
      gw.clock.advance(60_000);
      open = await payment(gw.engine, m, { externalId: 'o-3', amountMinor: 10n });
      gw.clock.advance(60_000);
      partly = await paid(gw.engine, m, { externalId: 'o-4', amountMinor: 100_00n });
      unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: partly.id, amountMinor: 30_30n }));
      gw.clock.advance(60_000);
    });
    after(async () => {
      await assertLedgerBalanced(gw.engine);
      await app.close();
      await gw.close();
    });

    const page = (query: string, who: PkCreds = shop) =>
      get(app, who, `/export/payments/?type=xlsx&start=2026-11-23&end=2026-11-23&${query}`);

    it('8.1: a real workbook, newest first, cell by cell in Moscow time and exact amounts', async () => {
      const res = await page(`${allStatuses}&payment_system_id[]=${cardRub}&from=0&limit=1000`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(
        res.headers['content-type'],
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      );
      assert.equal(
        res.headers['content-disposition'],
        'attachment; filename="payments_2026-11-23_2026-11-23.xlsx"',
      );
      const sheet = await sheetOf(res.rawPayload);
      assert.deepEqual(
        exportColumns.map((_, i) => sheet.getRow(1).getCell(i + 1).value),
        exportColumns.map((c) => c.header),
      );
      const rows = dataRows(sheet);
      assert.deepEqual(
        rows.map((r) => r.getCell(1).value),
        [partly, open, big, night].map((p) => Number(p.id)),
        'the 22nd in Moscow is left out, newest first',
      );
      const [r4, r3, r2, r1] = rows as [ExcelJS.Row, ExcelJS.Row, ExcelJS.Row, ExcelJS.Row];
      // the payment made at 00:30:15 Moscow on the 23rd (21:30:15 UTC on the 22nd)
      const when = r1.getCell(2).value;
      assert.ok(when instanceof Date);
      assert.equal(when.toISOString(), '2026-11-23T00:30:15.000Z', 'Moscow wall time as the Excel date');
      assert.equal(r1.getCell(2).numFmt, 'yyyy-mm-dd hh:mm:ss');
      assert.equal(r1.getCell(3).value, 1205.98);
      assert.equal(r1.getCell(3).numFmt, '0.00');
      assert.equal(r1.getCell(4).value, 0);
      assert.equal(r1.getCell(4).numFmt, '0.00');
      assert.equal(r1.getCell(5).value, 'Ivan');
      assert.equal(r1.getCell(6).value, 'o-1');
      assert.equal(r1.getCell(7).value, 'Банковские карты');
      assert.equal(r1.getCell(8).value, 'obtained', 'a PayKeeper payment waits for its informer');
      assert.equal((r2.getCell(2).value as Date).toISOString(), '2026-11-23T12:00:00.000Z');
      assert.equal(r2.getCell(3).value, 999_999_999.99, 'the decimal text, not minor / 100');
      assert.equal(r3.getCell(3).value, 0.1);
      assert.equal(r3.getCell(8).value, 'pending');
      assert.equal(r4.getCell(3).value, 100);
      assert.equal(r4.getCell(4).value, 30.3);
      assert.equal(r4.getCell(8).value, 'partially_refunded');
      assert.equal(r4.getCell(5).value, null, 'no clientid: an empty cell');
    });

    it('8.1: filters and pages as 2.1 does', async () => {
      const second = await sheetOf(
        (await page(`${allStatuses}&payment_system_id[]=${cardRub}&from=1&limit=1`)).rawPayload,
      );
      assert.deepEqual(
        dataRows(second).map((r) => r.getCell(1).value),
        [Number(open.id)],
      );
      const pending = await sheetOf(
        (await page(`status[]=pending&payment_system_id[]=${cardRub}&from=0&limit=10`)).rawPayload,
      );
      assert.deepEqual(
        dataRows(pending).map((r) => r.getCell(1).value),
        [Number(open.id)],
      );
      // no status[] (the spec requires it): a sheet with the header only
      const none = await sheetOf((await page(`payment_system_id[]=${cardRub}&from=0&limit=10`)).rawPayload);
      assert.equal(none.rowCount, 1);
      // another merchant sees none of them
      const theirs = await sheetOf(
        (await page(`${allStatuses}&payment_system_id[]=${cardRub}&from=0&limit=10`, rival)).rawPayload,
      );
      assert.equal(theirs.rowCount, 1);
      assert.ok(before23.id < night.id);
    });

    it('8.1: bad input gets PayKeeper failures, never a file', async () => {
      const cases: [string, unknown][] = [
        [
          `${allStatuses}&payment_system_id[]=${cardRub}&from=0&limit=1001`,
          fieldProblemFail('limit', 'limit_too_large'),
        ],
        [`${allStatuses}&payment_system_id[]=${cardRub}&limit=10`, fieldProblemFail('from', 'required')],
        [
          `${allStatuses}&payment_system_id[]=abc&from=0&limit=10`,
          fieldProblemFail('payment_system_id', 'not_an_id'),
        ],
        [
          `status[]=paid&payment_system_id[]=${cardRub}&from=0&limit=10`,
          fieldProblemFail('status', 'not_a_status'),
        ],
      ];
      for (const [query, fail] of cases) {
        const res = await page(query);
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), fail, query);
      }
      const csv = await get(app, shop, `/export/payments/?type=csv&start=2026-11-23&end=2026-11-23&from=0`);
      assert.deepEqual(csv.json(), fieldFail('type', 'Доступный тип файла: xlsx.'));
      const noType = await get(app, shop, `/export/payments/?start=2026-11-23&end=2026-11-23&from=0`);
      assert.equal(noType.json().result, 'fail');
      const badDay = await get(
        app,
        shop,
        `/export/payments/?type=xlsx&start=2026-13-01&end=2026-11-23&from=0`,
      );
      assert.deepEqual(badDay.json(), fieldProblemFail('start', 'not_a_day'));
      const anonymous = await app.inject({ method: 'GET', url: '/export/payments/?type=xlsx' });
      assert.equal(anonymous.statusCode, 401);
    });

    it('the streamed export: every payment of the period, the count first, search', async () => {
      const res = await get(app, shop, '/export/payments/all/?type=xlsx&start=2026-11-22&end=2026-11-23');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-total-count'], '5');
      assert.match(
        String(res.headers['content-disposition']),
        /filename="payments_2026-11-22_2026-11-23\.xlsx"/,
      );
      const sheet = await sheetOf(res.rawPayload);
      assert.deepEqual(
        dataRows(sheet).map((r) => r.getCell(1).value),
        [partly, open, big, night, before23].map((p) => Number(p.id)),
      );
      assert.equal((dataRows(sheet)[4]!.getCell(2).value as Date).toISOString(), '2026-11-22T23:30:00.000Z');
      const found = await get(
        app,
        shop,
        '/export/payments/all/?type=xlsx&start=2026-11-22&end=2026-11-23&search=o-1',
      );
      assert.equal(found.headers['x-total-count'], '1');
      assert.deepEqual(
        dataRows(await sheetOf(found.rawPayload)).map((r) => r.getCell(6).value),
        ['o-1'],
      );
      const refunding = await get(
        app,
        shop,
        '/export/payments/all/?type=xlsx&start=2026-11-22&end=2026-11-23&status[]=partially_refunded',
      );
      assert.equal(refunding.headers['x-total-count'], '1');
      const bad = await get(app, shop, '/export/payments/all/?type=xlsx&start=2026-11-22');
      assert.deepEqual(bad.json(), fieldProblemFail('end', 'required'));
    });

    it('the streamed export reads page after page (keyset) and loses or repeats nothing', async () => {
      const demo = await pkMerchant(gw.engine, 'Demo');
      unwrap(await gw.engine.seedDemo({ merchantId: demo.merchantId, payments: 2600, months: 2, seed: 5 }));
      const res = await get(app, demo, '/export/payments/all/?type=xlsx&start=2026-09-01&end=2026-11-23');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-total-count'], '2600');
      const rows = dataRows(await sheetOf(res.rawPayload));
      assert.equal(rows.length, 2600);
      const keys = rows.map(
        (r) => [(r.getCell(2).value as Date).getTime(), Number(r.getCell(1).value)] as const,
      );
      assert.equal(new Set(keys.map((k) => k[1])).size, 2600, 'no payment twice');
      for (let i = 1; i < keys.length; i++) {
        const [t0, id0] = keys[i - 1]!;
        const [t1, id1] = keys[i]!;
        assert.ok(t0 > t1 || (t0 === t1 && id0 > id1) || Math.abs(t0 - t1) < 1000, 'newest first');
      }
    });
  });
}
