import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** The built cabinet at /cabinet/ (cabinet contract): files, the SPA's fallback, caching, 503. */

const indexHtml =
  '<!doctype html><html><body><div id="root"></div><script type="module" src="/cabinet/assets/index-Ab12Cd34.js"></script></body></html>';
const script = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('cabinet static files', () => {
  let dir: string;
  let gw: TestGateway;
  let app: FastifyInstance;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopek-cabinet-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), indexHtml);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), script);
    writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js.br'), brotliCompressSync(script));
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    const [flavor] = await testFlavors();
    gw = await testGateway(flavor!, { config: { cabinetDist: dir } });
    app = await buildApp(gw);
  });
  after(async () => {
    await app.close();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers });

  it('serves index.html at /cabinet/, revalidated on every load, not frameable', async () => {
    const res = await get('/cabinet/');
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, indexHtml);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('redirects /cabinet to /cabinet/, keeping the query', async () => {
    const res = await get('/cabinet?lang=en');
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/cabinet/?lang=en');
  });

  it("answers the app's own routes (not files) with index.html", async () => {
    for (const url of [
      '/cabinet/payments',
      '/cabinet/payments/123?from=2026-01-01',
      '/cabinet/settings/users/',
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, indexHtml, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
  });

  it('serves hashed assets with a year-long immutable cache, brotli when accepted', async () => {
    const plain = await get('/cabinet/assets/index-Ab12Cd34.js');
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, script);
    assert.match(String(plain.headers['content-type']), /javascript/);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    const br = await get('/cabinet/assets/index-Ab12Cd34.js', { 'accept-encoding': 'br, gzip' });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.rawPayload.length < script.length);
    assert.match(String(br.headers.vary), /accept-encoding/i);
  });

  it('a missing asset is a 404, not the HTML of the app', async () => {
    const res = await get('/cabinet/assets/index-Old00000.js');
    assert.equal(res.statusCode, 404);
    assert.doesNotMatch(res.body, /<html/);
  });

  it('other build files are served, revalidated', async () => {
    const res = await get('/cabinet/favicon.svg');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<svg/);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  it('never serves a file outside the build, nor a dotfile', async () => {
    for (const url of [
      '/cabinet/%2e%2e/%2e%2e/package.json',
      '/cabinet/..%2f..%2fpackage.json',
      '/cabinet/.env',
      '/cabinet/assets/%2e%2e/.env',
    ]) {
      const res = await get(url);
      assert.doesNotMatch(res.body, /SECRET|"name": "kopek"/, url);
    }
  });

  it('/cabinet/api/ paths that are no endpoint are JSON 404s', async () => {
    const res = await get('/cabinet/api/nothing');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error, 'not_found');
  });

  it('leaves / as it was', async () => {
    const res = await get('/');
    assert.equal(res.statusCode, 404);
  });
});

describe('cabinet not built', () => {
  it('answers 503 with how to build it', async () => {
    const [flavor] = await testFlavors();
    const gw = await testGateway(flavor!, {
      config: { cabinetDist: join(tmpdir(), 'kopek-no-such-cabinet') },
    });
    const app = await buildApp(gw);
    try {
      for (const url of ['/cabinet/', '/cabinet/payments', '/cabinet/assets/index-Ab12Cd34.js']) {
        const res = await app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 503, url);
        assert.equal(res.body, 'cabinet not built: run npm run build');
        assert.match(String(res.headers['content-type']), /^text\/plain/);
      }
      // the API still works without the build
      const api = await app.inject({ method: 'GET', url: '/cabinet/api/session' });
      assert.equal(api.statusCode, 401);
    } finally {
      await app.close();
      await gw.close();
    }
  });
});
