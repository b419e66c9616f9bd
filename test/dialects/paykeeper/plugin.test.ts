import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { pkDialectFail } from '../../../src/dialects/paykeeper/errors.ts';
import { registerPkRoutes } from '../../../src/dialects/paykeeper/plugin.ts';
import { failWith, type PkRoute } from '../../../src/dialects/paykeeper/route.ts';
import { tokenRoutes } from '../../../src/dialects/paykeeper/routes/token.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { basic, form, get, type Login, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/** The skeleton every PayKeeper route stands on: auth, token, $_REQUEST, rendering. */

const badToken =
  '{"result":"fail","msg":"\\u0422\\u043e\\u043a\\u0435\\u043d \\u0431\\u0435\\u0437\\u043e\\u043f\\u0430\\u0441\\u043d\\u043e\\u0441\\u0442\\u0438 \\u043d\\u0435 \\u0432\\u0435\\u0440\\u0435\\u043d.","error_code":67}';

/** Routes of the shape other files add, to test what the plugin does around them. */
const probeRoutes: readonly PkRoute[] = [
  {
    method: 'POST',
    path: '/change/probe/',
    handler: async ({ params, user }) => ({ params, login: user.login }),
  },
  {
    method: 'GET',
    path: '/info/probe/',
    handler: async ({ params }) => ({ params, path: 'a/b', text: 'Тест' }),
  },
  {
    method: 'GET',
    path: '/info/probe/admin/',
    adminOnly: true,
    handler: async () => ({ result: 'success' }),
  },
  {
    method: 'GET',
    path: '/info/probe/fail/',
    handler: async () => failWith(pkDialectFail.payment_not_two_stage),
  },
  {
    method: 'GET',
    path: '/info/probe/bug/',
    handler: async () => {
      throw new Error('boom');
    },
  },
  { method: 'POST', path: '/create/', auth: 'none', handler: async ({ params }) => ({ params }) },
];

for (const flavor of await testFlavors()) {
  describe(`PayKeeper plugin on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let probe: FastifyInstance;
    let shop: PkCreds;
    let operator: Login;
    let rival: PkCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      probe = Fastify();
      await registerPkRoutes(probe, gw, [...tokenRoutes, ...probeRoutes]);
      shop = await pkMerchant(gw.engine, 'Shop');
      rival = await pkMerchant(gw.engine, 'Rival');
      operator = { login: `op-${flavor}`, password: 'operator-pass' };
      unwrap(await gw.engine.createUser({ merchantId: shop.merchantId, role: 'operator', ...operator }));
    });
    after(async () => {
      await probe.close();
      await app.close();
      await gw.close();
    });

    it('gives a token by GET and POST, the same all day, another per user', async () => {
      const first = await tokenOf(app, shop);
      assert.match(first, /^[0-9a-f]{32}$/);
      assert.equal(await tokenOf(app, shop), first);
      const posted = await app.inject({ method: 'POST', url: '/info/settings/token/', headers: basic(shop) });
      assert.equal(posted.statusCode, 200);
      assert.deepEqual(posted.json(), { token: first });
      assert.notEqual(await tokenOf(app, operator), first);
      assert.notEqual(await tokenOf(app, rival), first);
      const bare = await app.inject({ method: 'GET', url: '/info/settings/token', headers: basic(shop) });
      assert.deepEqual(bare.json(), { token: first });
    });

    it('answers 401 in PayKeeper shape for missing or wrong credentials', async () => {
      for (const headers of [
        {},
        basic({ login: shop.login, password: 'wrong' }),
        basic({ login: 'nobody', password: 'x' }),
        basic({ login: operator.login, password: 'wrong-pass' }),
        { authorization: 'Basic !!!' },
        basic({ login: 'a\u0000b', password: 'x' }),
      ]) {
        const res = await app.inject({ method: 'GET', url: '/info/settings/token/', headers });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().result, 'fail');
        assert.match(String(res.headers['www-authenticate']), /^Basic/);
      }
    });

    it('refuses a POST without, with an empty or with a wrong token: error 67, HTTP 200, exact bytes', async () => {
      const good = await tokenOf(probe, shop);
      const refused: Record<string, string>[] = [
        {},
        { token: '' },
        { token: 'x' },
        { token: '0'.repeat(32) },
      ];
      for (const fields of refused) {
        const res = await post(probe, shop, '/change/probe/', fields);
        assert.equal(res.statusCode, 200);
        assert.equal(res.body, badToken);
      }
      // another user's token is wrong for this one
      const res = await post(probe, operator, '/change/probe/', { token: good });
      assert.equal(res.body, badToken);
      // a bare `token` key is empty, not an error of its own
      const bare = await probe.inject({
        method: 'POST',
        url: '/change/probe/',
        headers: { ...basic(shop), 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'id=1&token',
      });
      assert.equal(bare.body, badToken);
    });

    it('takes the last of repeated keys, the query of a POST, multipart, and PHP arrays', async () => {
      const token = await tokenOf(probe, shop);
      const repeated = await probe.inject({
        method: 'POST',
        url: '/change/probe/?id=7&from=q',
        headers: { ...basic(shop), 'content-type': 'application/x-www-form-urlencoded' },
        payload: form([
          ['token', ''],
          ['token', token],
          ['from', 'body'],
          ['status[]', 'a'],
          ['status[]', 'b'],
        ]),
      });
      assert.equal(repeated.statusCode, 200, repeated.body);
      assert.deepEqual(repeated.json().params, { id: '7', from: 'body', token, status: ['a', 'b'] });
      const inQuery = await probe.inject({
        method: 'POST',
        url: `/change/probe/?token=${token}`,
        headers: basic(shop),
      });
      assert.equal(inQuery.json().login, shop.login);
      const boundary = 'XyZ';
      const multipart = await probe.inject({
        method: 'POST',
        url: '/change/probe',
        headers: { ...basic(shop), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: `--${boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\n${token}\r\n--${boundary}\r\nContent-Disposition: form-data; name="status[0]"\r\n\r\nsuccess\r\n--${boundary}--\r\n`,
      });
      assert.deepEqual(multipart.json().params, { token, status: ['success'] });
      const query = await get(probe, shop, '/info/probe/?status[0]=a&status[1]=b&query&id=1&id=2');
      assert.deepEqual(query.json().params, { status: ['a', 'b'], query: '', id: '2' });
    });

    it('writes JSON as PHP does: lowercase \\u escapes and \\/', async () => {
      const res = await get(probe, shop, '/info/probe/');
      assert.equal(res.headers['content-type'], 'application/json');
      assert.ok(res.body.includes('"path":"a\\/b","text":"\\u0422\\u0435\\u0441\\u0442"'), res.body);
    });

    it('answers failures as HTTP 200 fail, unknown URLs and our bugs in the same shape', async () => {
      const failed = await get(probe, shop, '/info/probe/fail/');
      assert.equal(failed.statusCode, 200);
      assert.deepEqual(failed.json(), pkDialectFail.payment_not_two_stage);
      const admin = await get(probe, operator, '/info/probe/admin/');
      assert.deepEqual(admin.json(), pkDialectFail.admin_only);
      assert.deepEqual((await get(probe, shop, '/info/probe/admin/')).json(), { result: 'success' });
      const unknown = await get(app, shop, '/info/no/such/');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().result, 'fail');
      const bug = await get(probe, shop, '/info/probe/bug/');
      assert.equal(bug.statusCode, 500);
      assert.equal(bug.json().result, 'fail');
      const badJson = await probe.inject({
        method: 'POST',
        url: '/change/probe/',
        headers: { ...basic(shop), 'content-type': 'application/json' },
        payload: '{nope',
      });
      assert.equal(badJson.statusCode, 200);
      assert.equal(badJson.json().result, 'fail');
      const badUrl = await get(app, shop, '/info/settings/token/%zz');
      assert.ok(badUrl.statusCode < 500);
      assert.equal(badUrl.json().result, 'fail');
    });

    it('serves its OpenAPI document, listing the operations answered', async () => {
      const res = await app.inject({ method: 'GET', url: '/info/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/info/settings/token/'].get);
      assert.ok(doc.paths['/change/payment/reverse/'].post.requestBody);
      assert.ok(
        doc.paths['/info/payments/bydate/'].get.parameters.some(
          (p: { name: string }) => p.name === 'status[]',
        ),
      );
      assert.ok(doc.paths['/export/payments/'].get); // 8.1, answered since the export landed
    });

    it('serves public routes without auth or token', async () => {
      const res = await probe.inject({
        method: 'POST',
        url: '/create/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'sum=100',
      });
      assert.deepEqual(res.json(), { params: { sum: '100' } });
    });
  });
}
