import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, buildMetricsApp, urlLengthMax } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** A raw connection, to behave as no well-mannered client does; `closed` settles when the server hangs up. */
async function rawConnection(
  port: number,
): Promise<{ socket: Socket; closed: Promise<string>; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {}); // a reset is one way of being closed
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed, received: () => data };
}

/** Without the bounds these tests would wait forever: fail them instead (not a timing assertion). */
const hangs = { timeout: 60_000 };

const portOf = (app: FastifyInstance) => {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

for (const flavor of await testFlavors()) {
  describe(`the public listener on ${flavor}: slow clients, surfaces' errors, metrics elsewhere`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let port = 0;
    before(async () => {
      gw = await testGateway(flavor, {
        config: {
          http: {
            requestTimeoutMs: 1000,
            headersTimeoutMs: 1000,
            keepAliveTimeoutMs: 300,
            connectionsPerAddressMax: 3,
          },
        },
      });
      app = await buildApp(gw);
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = portOf(app);
    });
    after(async () => {
      await app?.close();
      await gw?.close();
    });

    for (const [path, type] of [
      ['/api/payment-invoices', 'application/json'],
      ['/pay/some-payment-id', 'application/x-www-form-urlencoded'],
    ])
      test(
        `a request whose body trickles is closed at the request time bound (POST ${path})`,
        hangs,
        async () => {
          const { socket, closed } = await rawConnection(port);
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: kopek.test\r\nContent-Type: ${type}\r\nContent-Length: 100\r\n\r\n`,
          );
          socket.write('0123456789');
          // Without the bound this waits until the test's timeout. The route may answer before the
          // body is in (Paymega's 401); the connection stays open for the rest until Node's 408.
          const answer = await closed;
          assert.match(answer, /HTTP\/1\.1 408 Request Timeout/);
        },
      );

    test('an idle keep-alive connection is closed after its bound', hangs, async () => {
      const { socket, closed, received } = await rawConnection(port);
      socket.write('GET /healthz HTTP/1.1\r\nHost: kopek.test\r\nConnection: keep-alive\r\n\r\n');
      await closed;
      assert.match(received(), /^HTTP\/1\.1 200/);
    });

    test('one address holds at most the configured number of connections', async () => {
      const held = await Promise.all([1, 2, 3].map(() => rawConnection(port)));
      const extra = await rawConnection(port);
      assert.equal(await extra.closed, '', 'the fourth is closed unanswered');
      // the three held ones still work
      const first = held[0]!;
      first.socket.write('GET /healthz HTTP/1.1\r\nHost: kopek.test\r\nConnection: close\r\n\r\n');
      assert.match(await first.closed, /^HTTP\/1\.1 200/);
      for (const h of held) h.socket.destroy();
    });

    test('payers and banks get HTML error pages with the pages headers, never framework JSON', async () => {
      const reference = await app.inject('/pay/no-such-payment');
      assert.equal(reference.statusCode, 404);
      const pageHeaders = [
        'content-security-policy',
        'x-frame-options',
        'referrer-policy',
        'x-content-type-options',
        'cache-control',
        'permissions-policy',
      ];
      const long = 'a'.repeat(101);
      for (const [url, status] of [
        ['/pay/%ZZ', 400],
        ['/bill/%ZZ/', 400],
        ['/acs/%ZZ', 400],
        [`/pay/${long}`, 404],
        [`/bill/${long}/`, 404],
        [`/bill/${long}`, 404],
        [`/acs/${long}`, 404],
      ] as const) {
        const res = await app.inject(url);
        assert.equal(res.statusCode, status, url);
        assert.match(String(res.headers['content-type']), /^text\/html/, url);
        assert.match(res.body, /^<!doctype html>/i, url);
        assert.ok(!res.body.includes('FST_ERR'), url);
        for (const name of pageHeaders)
          assert.equal(res.headers[name], reference.headers[name], `${url} ${name}`);
      }
    });

    test("an over-long URL under a dialect answers 414 in the dialect's shape, not Node's bare 431", async () => {
      const res = await fetch(
        `http://127.0.0.1:${port}/api/payment-invoices?filter=${'x'.repeat(urlLengthMax + 12_000)}`,
      );
      assert.equal(res.status, 414);
      assert.match(res.headers.get('content-type') ?? '', /json/);
      const body = (await res.json()) as { errors: { code: string }[] };
      assert.equal(body.errors[0]?.code, '414');
      const page = await fetch(`http://127.0.0.1:${port}/pay/x?${'y'.repeat(urlLengthMax)}`);
      assert.equal(page.status, 414);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.ok(page.headers.get('content-security-policy'));
    });

    test('/metrics: 404 on the public listener, served by the metrics listener', async () => {
      const hidden = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(hidden.status, 404);
      assert.ok(!(await hidden.text()).includes('kopek_'));
      const metrics = await buildMetricsApp(gw);
      await metrics.listen({ port: 0, host: '127.0.0.1' });
      try {
        const res = await fetch(`http://127.0.0.1:${portOf(metrics)}/metrics`);
        assert.equal(res.status, 200);
        const text = await res.text();
        assert.ok(text.includes('kopek_outbox_rows'));
        assert.ok(text.includes('route="/healthz"'), 'the public listener records into the same registry');
      } finally {
        await metrics.close();
      }
    });
  });
}
