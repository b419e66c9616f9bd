import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  answerBytesMax,
  callbackUrlProblem,
  ForbiddenTargetError,
  isForbiddenTarget,
  sendCallback,
  setCallbackTargetPolicy,
} from '../../src/delivery/outgoing.ts';

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: string };

describe('delivery: the one outgoing callback', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        if (req.url === '/huge') res.writeHead(200).end('x'.repeat(4 << 20));
        else
          res.writeHead(req.url?.startsWith('/fail') ? 503 : 200).end('OK 6c8d99cff87d96fcaa8e67ef99d76275');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    setCallbackTargetPolicy({ allowPrivate: true }); // the receiver is on 127.0.0.1
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs JSON as given, signed over exactly the bytes sent', async () => {
    const json = '{"amount":100.50,"msg":"\\u0422"}';
    const answer = await sendCallback({
      url: `${base}/json`,
      body: { json },
      sign: (sent) => ({ 'x-signature': `sig(${sent.length})` }),
      headers: { 'user-agent': 'Kopek' },
    });
    assert.deepEqual(answer, { status: 200, body: 'OK 6c8d99cff87d96fcaa8e67ef99d76275' });
    const got = received.at(-1)!;
    assert.deepEqual([got.method, got.url, got.body], ['POST', '/json', json]);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-signature'], `sig(${json.length})`);
    assert.equal(got.headers['user-agent'], 'Kopek');
  });
  it('POSTs a form in the given order', async () => {
    await sendCallback({
      url: `${base}/informer`,
      body: {
        form: [
          ['id', '123'],
          ['sum', '100.00'],
          ['clientid', 'Иван И'],
          ['key', 'b5bd'],
        ],
      },
    });
    const got = received.at(-1)!;
    assert.equal(got.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(got.body, 'id=123&sum=100.00&clientid=%D0%98%D0%B2%D0%B0%D0%BD+%D0%98&key=b5bd');
  });
  it('GETs with the fields in the query, after the URL’s own and before its fragment', async () => {
    const signed: string[] = [];
    const answer = await sendCallback({
      url: `${base}/fail/cb?shop=1#top`,
      body: {
        query: [
          ['extid', 'order-1'],
          ['sum', '100.50'],
          ['key', 'bb9f'],
        ],
      },
      sign: (sent) => {
        signed.push(sent);
        return {};
      },
    });
    assert.equal(answer.status, 503);
    const got = received.at(-1)!;
    assert.deepEqual(
      [got.method, got.url, got.body],
      ['GET', '/fail/cb?shop=1&extid=order-1&sum=100.50&key=bb9f', ''],
    );
    assert.equal(got.headers['content-type'], undefined);
    assert.deepEqual(signed, ['extid=order-1&sum=100.50&key=bb9f']);
    await sendCallback({ url: `${base}/plain`, body: { query: [['a', '1']] } });
    assert.equal(received.at(-1)!.url, '/plain?a=1');
  });
  it('reads no more of an answer than it can use', async () => {
    const answer = await sendCallback({ url: `${base}/huge`, body: { json: '{}' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, answerBytesMax);
  });
  it('stops when the delivery is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(sendCallback({ url: `${base}/json`, body: { json: '{}' } }, controller.signal));
  });

  describe('with private targets refused (the default)', () => {
    before(() => setCallbackTargetPolicy({ allowPrivate: false }));
    after(() => setCallbackTargetPolicy({ allowPrivate: true }));

    it('refuses a literal private address before connecting', async () => {
      const before = received.length;
      await assert.rejects(
        sendCallback({ url: `${base}/json`, body: { json: '{}' } }),
        (error: unknown) => error instanceof ForbiddenTargetError && /127\.0\.0\.1/.test(error.message),
      );
      assert.equal(received.length, before, 'nothing reached the receiver');
      assert.ok(callbackUrlProblem(`${base}/json`), 'and says so when the URL is given');
    });

    it('refuses a name on the address it resolves to, when connecting', async () => {
      const port = new URL(base).port;
      const before = received.length;
      const refused = await sendCallback({
        url: `http://localhost:${port}/json`,
        body: { json: '{}' },
      }).then(
        () => null,
        (error: unknown) => error,
      );
      assert.ok(isForbiddenTarget(refused), String(refused));
      assert.equal(received.length, before, 'nothing reached the receiver');
      assert.equal(callbackUrlProblem(`http://localhost:${port}/json`), null, 'a name passes the URL check');
    });
  });
});
