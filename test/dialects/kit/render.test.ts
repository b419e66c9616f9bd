import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { ExactNumber } from '../../../src/dialects/kit/json.ts';
import { type Renderer, sendJson, useRenderer } from '../../../src/dialects/kit/render.ts';

class Refusal extends Error {
  constructor(readonly msg: string) {
    super(msg);
  }
}

/** A PayKeeper-shaped renderer: business refusals are HTTP 200, written as PHP writes JSON. */
const failIn200: Renderer = {
  json: { php: true },
  failure: (error) =>
    error instanceof Refusal
      ? { http: 200, body: { result: 'fail', msg: error.msg } }
      : { http: 500, body: { result: 'fail', msg: 'internal' } },
  notFound: () => ({
    http: 404,
    body: { result: 'fail', msg: 'no such method' },
    headers: { 'x-why': 'path' },
  }),
};

describe('kit: renderers', () => {
  it("answers every failure and unknown URL of a plugin in the dialect's shape and JSON", async () => {
    const app = Fastify();
    await app.register(
      async (api) => {
        useRenderer(api, failIn200);
        api.post('/change/invoice/revoke/', async () => {
          throw new Refusal('Счёт не найден.');
        });
        api.get('/boom', async () => {
          throw new Error('bug');
        });
      },
      { prefix: '/pk' },
    );
    const refused = await app.inject({ method: 'POST', url: '/pk/change/invoice/revoke/' });
    assert.equal(refused.statusCode, 200);
    assert.equal(refused.headers['content-type'], 'application/json');
    assert.equal(
      refused.body,
      '{"result":"fail","msg":"\\u0421\\u0447\\u0451\\u0442 \\u043d\\u0435 \\u043d\\u0430\\u0439\\u0434\\u0435\\u043d."}',
    );
    const boom = await app.inject({ url: '/pk/boom' });
    assert.deepEqual([boom.statusCode, boom.json()], [500, { result: 'fail', msg: 'internal' }]);
    const unknown = await app.inject({ url: '/pk/nothing' });
    assert.deepEqual(
      [unknown.statusCode, unknown.headers['x-why'], unknown.json().msg],
      [404, 'path', 'no such method'],
    );
    await app.close();
  });
  it('sends exact decimals with the bare JSON content type', async () => {
    const app = Fastify();
    app.get('/', async (_req, reply) =>
      sendJson(reply, 201, { amount: new ExactNumber('100.50'), path: 'a/b' }),
    );
    const res = await app.inject({ url: '/' });
    assert.deepEqual(
      [res.statusCode, res.headers['content-type'], res.body],
      [201, 'application/json', '{"amount":100.50,"path":"a/b"}'],
    );
    await app.close();
  });
});
