import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/**
 * The cabinet's script marks its calls (X-Requested-With: XMLHttpRequest): with no cookie left
 * (a logout in another tab took it) the answer is 401 without a Basic challenge, so the
 * browser shows the app's login screen, not its own dialog. Other clients keep the challenge.
 */
for (const flavor of await testFlavors()) {
  describe(`the cabinet script's calls without a session (${flavor})`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('get 401 and no challenge; a client without the mark still gets it', async () => {
      const script = await app.inject({
        method: 'GET',
        url: '/info/systems/list/',
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      assert.equal(script.statusCode, 401);
      assert.equal(script.json().result, 'fail');
      assert.equal(script.headers['www-authenticate'], undefined);
      const post = await app.inject({
        method: 'POST',
        url: '/change/payment/reverse/',
        headers: {
          'x-requested-with': 'XMLHttpRequest',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: 'id=1&token=x',
      });
      assert.equal(post.statusCode, 401);
      assert.equal(post.headers['www-authenticate'], undefined);

      const other = await app.inject({ method: 'GET', url: '/info/systems/list/' });
      assert.equal(other.statusCode, 401);
      assert.equal(other.headers['www-authenticate'], 'Basic realm="PayKeeper"');
      // Basic credentials that fail are challenged, marked or not
      const wrong = await app.inject({
        method: 'GET',
        url: '/info/systems/list/',
        headers: { 'x-requested-with': 'XMLHttpRequest', authorization: 'Basic bm86bm8=' },
      });
      assert.equal(wrong.headers['www-authenticate'], 'Basic realm="PayKeeper"');
    });
  });
}
