import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import {
  basicAuth,
  createInvoiceViaApi,
  newReference,
  type PaymegaCreds,
  paymegaMerchant,
} from './helpers.ts';

/**
 * Amounts are read from the digits the client sent, never through a double: a JSON number
 * that a double would round to a valid amount is refused as what it is.
 */
for (const flavor of await testFlavors()) {
  describe(`Paymega exact JSON amounts on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PaymegaCreds;
    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await paymegaMerchant(gw.engine, 'Exact shop');
    });
    after(async () => {
      await assertLedgerBalanced(gw.engine);
      await app.close();
      await gw.close();
    });

    const invoiceJson = (amount: string, more = '') =>
      `{"data":{"type":"payment-invoices","attributes":{"reference_id":"${newReference()}","amount":${amount},"currency":"USD","service":"payment_card_usd_hpp"${more}}}}`;
    const create = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/api/payment-invoices',
        headers: { ...basicAuth(shop), 'content-type': 'application/json' },
        payload,
      });

    it('refuses 10.00999999999999999999 for a 2-decimal currency (a double reads 10.01)', async () => {
      const res = await create(invoiceJson('10.00999999999999999999'));
      assert.equal(res.statusCode, 422, res.body);
      assert.deepEqual(res.json(), { errors: { amount: 'This value is not valid.' } });
    });
    it('refuses the same through the public API', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/public-api/payment-invoices',
        headers: { 'content-type': 'application/json' },
        payload: `{"public_key":"${shop.public_key}","reference_id":"${newReference()}","amount":10.00999999999999999999,"currency":"USD","service":"payment_card_usd_hpp"}`,
      });
      assert.equal(res.statusCode, 422, res.body);
      assert.deepEqual(res.json(), { errors: { amount: 'This value is not valid.' } });
    });
    it('takes what the digits say: trailing zeros, and exact numbers beside lossy metadata', async () => {
      const res = await create(
        invoiceJson('10.0100000000000000000000', ',"metadata":{"n":0.30000000000000000001}'),
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.match(res.body, /"amount":10\.01[,}]/);
    });
    it('refuses lossy numbers in exponent form and negative ones', async () => {
      for (const [amount, message] of [
        ['1.00000000000000000001e1', 'This value is too large.'],
        ['1.00000000000000000001e-1', 'This value is not valid.'],
        ['-10.00999999999999999999', 'This value should be greater than 0.'],
        ['123456789012345678901234567890', 'This value is too large.'],
      ] as const) {
        const res = await create(invoiceJson(amount));
        assert.equal(res.statusCode, 422, `${amount}: ${res.body}`);
        assert.deepEqual(res.json(), { errors: { amount: message } }, amount);
      }
    });
    it('refuses a refund of 1.00999999999999999999 (a double reads 1.01)', async () => {
      const paid = await createInvoiceViaApi(app, shop, {
        service: 'test_usd_test',
        service_fields: { status: 'processed' },
      });
      const res = await app.inject({
        method: 'POST',
        url: `/api/payment-invoices/${paid.id}/refund`,
        headers: { ...basicAuth(shop), 'content-type': 'application/json' },
        payload: `{"data":{"type":"refund","attributes":{"reference_id":"${newReference()}","amount":1.00999999999999999999}}}`,
      });
      assert.equal(res.statusCode, 422, res.body);
      assert.deepEqual(res.json(), { errors: { amount: 'This value is not valid.' } });
    });
  });
}
