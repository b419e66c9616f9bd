import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../../src/log.ts';
import { type Gateway, openGateway } from '../../../src/runtime.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type PaymegaCreds, paymegaMerchant } from './helpers.ts';

/**
 * The public API's bounds (the public key is in shop pages: anyone can call as any shop), per
 * client address and per merchant, in counters kept in the database: two gateways on one
 * database share one bound.
 */
for (const flavor of await testFlavors()) {
  describe(`Paymega public API limits on ${flavor}`, () => {
    let gw: TestGateway;
    let twin: Gateway;
    let app: FastifyInstance;
    let twinApp: FastifyInstance;
    let shop: PaymegaCreds;
    let other: PaymegaCreds;

    before(async () => {
      gw = await testGateway(flavor, {
        config: { publicApiLimits: { perAddressPerMinute: 4, perMerchantPerMinute: 6 } },
      });
      // a second process on the same database
      twin = await openGateway(gw.config, {
        log: createLogger({ level: 'silent' }),
        now: gw.clock.now,
        database: gw.db,
      });
      app = await buildApp(gw);
      twinApp = await buildApp(twin);
      shop = await paymegaMerchant(gw.engine);
      other = await paymegaMerchant(gw.engine, 'Other');
    });
    after(async () => {
      await twinApp.close();
      await app.close();
      await twin.close();
      await gw.close();
    });

    const prerequest = (server: FastifyInstance, creds: PaymegaCreds, remoteAddress: string) =>
      server.inject({
        method: 'POST',
        url: '/public-api/payment-prerequest',
        remoteAddress,
        payload: { public_key: creds.public_key, currency: 'USD' },
      });

    it('per client address, across processes: 429 in Paymega’s shape with Retry-After, until the window ends', async () => {
      gw.clock.advance(60_000 - (gw.clock.ms % 60_000)); // the start of a window
      const codes = [];
      for (const server of [app, twinApp, app, twinApp])
        codes.push((await prerequest(server, shop, '198.51.100.7')).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 200]);
      for (const server of [app, twinApp]) {
        const refused = await prerequest(server, other, '198.51.100.7');
        assert.equal(refused.statusCode, 429, refused.body);
        assert.deepEqual(refused.json(), { errors: [{ status: 'Too Many Requests', code: '429' }] });
        assert.equal(refused.headers['retry-after'], '60');
      }
      // the invoice lookup too, without a key
      const lookup = await twinApp.inject({
        method: 'GET',
        url: '/public-api/payment-invoices/cpi_0000000000000000',
        remoteAddress: '198.51.100.7',
      });
      assert.equal(lookup.statusCode, 429);
      assert.equal(
        (await prerequest(app, shop, '198.51.100.8')).statusCode,
        200,
        'another address is not bound',
      );
      gw.clock.advance(30_000);
      assert.equal((await prerequest(app, shop, '198.51.100.7')).headers['retry-after'], '30');
      gw.clock.advance(30_000);
      assert.equal((await prerequest(app, shop, '198.51.100.7')).statusCode, 200, 'a new window');
    });

    it('per merchant, whatever the address, across processes', async () => {
      gw.clock.advance(60_000 - (gw.clock.ms % 60_000));
      const codes = [];
      for (let i = 0; i < 7; i++)
        codes.push((await prerequest(i % 2 ? twinApp : app, other, `203.0.113.${i + 1}`)).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 200, 429]);
      assert.equal(
        (await prerequest(app, shop, '203.0.113.50')).statusCode,
        200,
        'another merchant is not bound',
      );
    });
  });
}
