import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyRequest } from 'fastify';
import {
  accountSlot,
  digest,
  headerToken,
  hmac,
  parseBasic,
  safeEqual,
} from '../../../src/dialects/kit/auth.ts';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('kit: authentication helpers', () => {
  it('reads Basic credentials, with their edge cases', () => {
    assert.deepEqual(parseBasic(basic('shop:secret')), { login: 'shop', password: 'secret' });
    assert.deepEqual(parseBasic(basic('shop:se:cr:et')), { login: 'shop', password: 'se:cr:et' });
    assert.deepEqual(parseBasic(basic('shop:')), { login: 'shop', password: '' });
    assert.deepEqual(parseBasic(basic(':pw')), { login: '', password: 'pw' });
    assert.deepEqual(parseBasic(basic('логин:пароль')), { login: 'логин', password: 'пароль' });
    assert.deepEqual(parseBasic(`basic   ${Buffer.from('a:b').toString('base64')}  `), {
      login: 'a',
      password: 'b',
    });
    assert.equal(parseBasic(basic('no-colon')), null);
    assert.equal(parseBasic(undefined), null);
    assert.equal(parseBasic(''), null);
    assert.equal(parseBasic('Basic'), null);
    assert.equal(parseBasic('Bearer abc'), null);
    assert.equal(parseBasic('Basic a!b'), null);
    assert.equal(parseBasic(`Basic ${Buffer.from('a:b').toString('base64')} extra`), null);
  });
  it('compares secrets whole, whatever their lengths', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('', 'a'), false);
    assert.equal(safeEqual(Buffer.from('tok'), 'tok'), true);
  });
  it("computes COMPAT.md's signature vectors", () => {
    // ImPay: X-Token = sha1hex(sha1hex(key) + sha1hex(raw body))
    const body = '{"amount":100.5,"extid":"order-1"}';
    assert.equal(
      digest('sha1', digest('sha1', 'merchantkey') + digest('sha1', body)),
      'aa169145f39e23d7eb05fe187c60b025136b224b',
    );
    // ImPay callback key = md5(extid + id + sum + status + callback key)
    assert.equal(
      digest('md5', `${'order-1'}${'77'}${'100.50'}${'1'}${'cbkey'}`),
      'bb9f5159e3082af42f5f52ba28f2da3d',
    );
    // PayKeeper informer: key and the expected answer
    assert.equal(digest('md5', '123100.00Ivan42seed'), 'b5bd3b302db49ce049c8109719a0dbcc');
    assert.equal(`OK ${digest('md5', '123seed')}`, 'OK 6c8d99cff87d96fcaa8e67ef99d76275');
    assert.equal(
      hmac('sha256', 'key', 'data'),
      '5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0',
    );
    assert.equal(digest('sha1', 'x', 'base64'), Buffer.from(digest('sha1', 'x'), 'hex').toString('base64'));
  });
  it('reads a header token only when sent once', async () => {
    const app = Fastify();
    app.get('/', async (req) => ({ login: headerToken(req, 'X-Login') ?? null }));
    const once = await app.inject({ url: '/', headers: { 'x-login': '42' } });
    assert.deepEqual(once.json(), { login: '42' });
    const none = await app.inject({ url: '/' });
    assert.deepEqual(none.json(), { login: null });
    await app.close();
  });
  it('keeps the account of each request apart, and refuses a route without an auth hook', async () => {
    const slot = accountSlot<{ merchant: string }>();
    const app = Fastify();
    const auth = async (req: FastifyRequest) => {
      const login = headerToken(req, 'x-login');
      if (login) slot.set(req, { merchant: login });
    };
    app.get('/me', { onRequest: auth }, async (req) => slot.get(req));
    const [a, b] = await Promise.all([
      app.inject({ url: '/me', headers: { 'x-login': 'a' } }),
      app.inject({ url: '/me', headers: { 'x-login': 'b' } }),
    ]);
    assert.deepEqual([a.json(), b.json()], [{ merchant: 'a' }, { merchant: 'b' }]);
    const anonymous = await app.inject({ url: '/me' });
    assert.equal(anonymous.statusCode, 500);
    await app.close();
  });
});
