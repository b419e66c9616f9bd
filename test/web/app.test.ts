import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { limits } from '../../src/domain/limits.ts';
import { buildApp, buildMetricsApp } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

const flavors = await testFlavors();

for (const flavor of flavors) {
  describe(`HTTP app on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let closed = false;
    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
    });
    after(async () => {
      await app?.close();
      if (gw && !closed) await gw.close();
    });

    test('/healthz answers 200 with the database flavor', async () => {
      const res = await app.inject('/healthz');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), { status: 'ok', database: flavor });
    });

    test('/metrics is Prometheus text with the gateway metrics, on its own listener only', async () => {
      await app.inject('/healthz');
      await app.inject('/no/such/page');
      const hidden = await app.inject('/metrics');
      assert.equal(hidden.statusCode, 404, 'the public listener does not show the figures');
      assert.deepEqual(hidden.json(), { error: 'not_found', path: '/metrics' });
      const metricsApp = await buildMetricsApp(gw);
      const res = await metricsApp.inject('/metrics');
      await metricsApp.close();
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const body = res.body;
      for (const [name, type] of [
        ['kopek_http_request_duration_seconds', 'histogram'],
        ['kopek_outbox_rows', 'gauge'],
        ['kopek_payments', 'gauge'],
        ['kopek_process_cpu_user_seconds_total', 'counter'],
        ['kopek_callbacks_unsignable_total', 'counter'],
      ]) {
        assert.ok(body.includes(`# TYPE ${name} ${type}\n`), `${name} ${type} missing`);
      }
      const count = (route: string, status: string) =>
        body
          .split('\n')
          .find(
            (l) =>
              l.startsWith('kopek_http_request_duration_seconds_count{') &&
              l.includes(`route="${route}"`) &&
              l.includes(`status="${status}"`),
          );
      assert.ok(count('/healthz', '200'), 'healthz requests are timed by route');
      assert.ok(count('unmatched', '404'), 'unknown paths are timed as one route, not one label per path');
      assert.ok(!body.includes('/no/such/page'));
    });

    test('an unknown path is a 404 JSON without the query string', async () => {
      const res = await app.inject('/nothing/here?token=abc');
      assert.equal(res.statusCode, 404);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), { error: 'not_found', path: '/nothing/here' });
      const post = await app.inject({ method: 'POST', url: '/healthz' });
      assert.equal(post.statusCode, 404);
      assert.equal(post.json().error, 'not_found');
    });

    test('errors: 4xx keep their message, 5xx hide it', async () => {
      const extra = await buildApp(gw);
      extra.get('/boom', async () => {
        throw new Error('internal detail: relation "secrets" does not exist');
      });
      extra.get('/teapot', async () => {
        throw Object.assign(new Error('short and stout'), { statusCode: 418 });
      });
      extra.post('/echo', async (req) => req.body);
      try {
        const boom = await extra.inject('/boom');
        assert.equal(boom.statusCode, 500);
        assert.deepEqual(boom.json(), { error: 'internal_error', message: 'internal error' });
        assert.ok(gw.logs.some((l) => l.includes('unhandled error') && l.includes('internal detail')));

        const teapot = await extra.inject('/teapot');
        assert.equal(teapot.statusCode, 418);
        assert.deepEqual(teapot.json(), { error: 'bad_request', message: 'short and stout' });

        const json = { 'content-type': 'application/json' };
        const bad = await extra.inject({ method: 'POST', url: '/echo', headers: json, payload: '{"a":' });
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().error, 'bad_request');

        const big = await extra.inject({
          method: 'POST',
          url: '/echo',
          headers: json,
          payload: JSON.stringify({ a: 'x'.repeat(limits.bodyBytesMax) }),
        });
        assert.equal(big.statusCode, 413);

        const fine = await extra.inject({ method: 'POST', url: '/echo', headers: json, payload: '{"a":1}' });
        assert.deepEqual(fine.json(), { a: 1 });
      } finally {
        await extra.close();
      }
    });

    // Last: closes the gateway (and its database) for good.
    test('/healthz answers 503 once the database is closed', async () => {
      await gw.close();
      closed = true;
      const res = await app.inject('/healthz');
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { status: 'unavailable', database: flavor });
    });
  });
}
