import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { impayOperations } from '../../../src/dialects/impay/routes/index.ts';
import { requestToken } from '../../../src/dialects/impay/sign.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost } from './helpers.ts';

/** ImPay's transport: auth over the raw bytes, 400/401/403/404/405 in the framework's JSON, /check. */

const framework = (status: number) => (body: Record<string, unknown>) => {
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'name', 'status']);
  assert.equal(body.status, status);
  assert.equal(body.code, 0);
};

for (const flavor of await testFlavors()) {
  describe(`ImPay transport on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await impayMerchant(gw.engine);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('answers /check and /сheck (Cyrillic с) to a signed request', async () => {
      for (const path of ['check', 'сheck', encodeURI('сheck')]) {
        const res = await impayPost(app, shop, path, {});
        assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.deepEqual(res.json(), { status: 1, message: '' });
      }
    });

    it('X-Login is the merchant number that merchant create prints', async () => {
      assert.equal(shop.login, String(shop.merchantId));
    });

    it('signs the exact bytes: 100.50 with its trailing zero', async () => {
      const res = await impayPost(app, shop, 'check', '{"amount":100.50,"extid":"order-1"}');
      assert.equal(res.statusCode, 200, res.body);
    });

    it('400 without X-Login, X-Token or a body', async () => {
      const text = '{}';
      const token = requestToken(shop.key, Buffer.from(text));
      for (const headers of [{ 'x-token': token }, { 'x-login': shop.login }]) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/check',
          headers: { 'content-type': 'application/json', ...headers },
          payload: text,
        });
        assert.equal(res.statusCode, 400, res.body);
        framework(400)(res.json());
      }
      const empty = await app.inject({
        method: 'POST',
        url: '/v1/check',
        headers: { 'x-login': shop.login, 'x-token': requestToken(shop.key, Buffer.alloc(0)) },
      });
      assert.equal(empty.statusCode, 400, empty.body);
      framework(400)(empty.json());
    });

    it('401 for an unknown login, a wrong token, an uppercase token, a token of other bytes', async () => {
      const text = '{"amount":100.50}';
      const token = requestToken(shop.key, Buffer.from(text));
      const cases: Record<string, string>[] = [
        { 'x-login': '999999999', 'x-token': token },
        { 'x-login': 'abc\u0001', 'x-token': token },
        { 'x-login': shop.login, 'x-token': token.toUpperCase() },
        { 'x-login': shop.login, 'x-token': requestToken(shop.key, Buffer.from('{"amount":100.5}')) },
        { 'x-login': shop.login, 'x-token': requestToken('wrong', Buffer.from(text)) },
      ];
      for (const headers of cases) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/check',
          headers: { 'content-type': 'application/json', ...headers },
          payload: text,
        });
        assert.equal(res.statusCode, 401, JSON.stringify(headers));
        framework(401)(res.json());
      }
    });

    it('400 for a signed body that is not JSON', async () => {
      const res = await impayPost(app, shop, 'check', '{"amount":');
      assert.equal(res.statusCode, 400, res.body);
      framework(400)(res.json());
    });

    it('403 from an address outside the merchant IP allow-list; allowed inside it', async () => {
      const guarded = await impayMerchant(gw.engine, 'Guarded', {
        impayIpAllowList: ['10.1.0.0/16', '2001:db8::1'],
      });
      const outside = await impayPost(app, guarded, 'check', {}, { remoteAddress: '10.2.0.1' });
      assert.equal(outside.statusCode, 403, outside.body);
      framework(403)(outside.json());
      for (const ip of ['10.1.2.3', '::ffff:10.1.9.9', '2001:db8::1']) {
        const inside = await impayPost(app, guarded, 'check', {}, { remoteAddress: ip });
        assert.equal(inside.statusCode, 200, `${ip}: ${inside.body}`);
      }
    });

    it('403 for a disabled merchant', async () => {
      const off = await impayMerchant(gw.engine, 'Off');
      unwrap(await gw.engine.setMerchantStatus(off.merchantId, 'disabled'));
      const res = await impayPost(app, off, 'check', {});
      assert.equal(res.statusCode, 403, res.body);
    });

    it('404 for an unknown operation, 405 for another method, both in the framework format', async () => {
      const unknown = await impayPost(app, shop, 'pay/nothing', {});
      assert.equal(unknown.statusCode, 404);
      framework(404)(unknown.json());
      const get = await app.inject({ method: 'GET', url: '/v1/check' });
      assert.equal(get.statusCode, 405);
      assert.equal(get.headers.allow, 'POST');
      framework(405)(get.json());
      const badUrl = await app.inject({ method: 'POST', url: '/v1/%ZZ' });
      assert.ok(badUrl.statusCode >= 400 && badUrl.statusCode < 500);
      framework(badUrl.statusCode)(badUrl.json());
    });

    it('413 for a body over the limit, in the framework format', async () => {
      const res = await impayPost(app, shop, 'check', { pad: 'x'.repeat(300 << 10) });
      assert.equal(res.statusCode, 413);
      framework(413)(res.json());
    });
  });
}

describe('ImPay OpenAPI document', () => {
  it('is served at /v1/openapi.json without credentials, naming every operation the dialect answers', async () => {
    const gw = await testGateway('sqlite');
    const app = await buildApp(gw);
    try {
      const res = await app.inject({ method: 'GET', url: '/v1/openapi.json' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      const doc = res.json();
      assert.equal(doc.openapi, '3.1.0');
      assert.deepEqual(doc.servers, [{ url: 'http://kopek.test/v1' }]);
      for (const path of Object.keys(impayOperations)) assert.ok(doc.paths[`/${path}`], path);
    } finally {
      await app.close();
      await gw.close();
    }
  });
});
