import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { callbackKey, requestToken, tokenMatches } from '../../../src/dialects/impay/sign.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
// COMPAT.md's vector
const vectorBody = bytes('{"amount":100.5,"extid":"order-1"}');
const vectorToken = 'aa169145f39e23d7eb05fe187c60b025136b224b';

describe('ImPay X-Token', () => {
  it("matches COMPAT.md's vector", () => {
    assert.equal(requestToken('merchantkey', vectorBody), vectorToken);
    assert.equal(tokenMatches(vectorToken, 'merchantkey', vectorBody), true);
  });

  it('is over the raw bytes: the same JSON written otherwise is another token', () => {
    for (const other of [
      '{"amount":100.50,"extid":"order-1"}',
      '{"extid":"order-1","amount":100.5}',
      '{"amount": 100.5,"extid":"order-1"}',
    ])
      assert.equal(tokenMatches(vectorToken, 'merchantkey', bytes(other)), false, other);
  });

  it('hashes UTF-8 bytes, not characters', () => {
    const body = bytes('{"fullname":"Иванов Иван"}');
    const sha1 = (d: string | Buffer) => createHash('sha1').update(d).digest('hex');
    assert.equal(requestToken('k', body), sha1(sha1('k') + sha1(body)));
    assert.notEqual(
      requestToken('k', body),
      requestToken('k', Buffer.from('{"fullname":"Иванов Иван"}', 'latin1')),
    );
  });

  it('refuses an uppercase token, as ImPay does', () => {
    assert.equal(tokenMatches(vectorToken.toUpperCase(), 'merchantkey', vectorBody), false);
  });

  it('refuses another key, a truncated or padded token, and non-hex', () => {
    assert.equal(tokenMatches(vectorToken, 'merchantkey2', vectorBody), false);
    assert.equal(tokenMatches(vectorToken.slice(0, 39), 'merchantkey', vectorBody), false);
    assert.equal(tokenMatches(`${vectorToken}0`, 'merchantkey', vectorBody), false);
    assert.equal(tokenMatches(` ${vectorToken}`, 'merchantkey', vectorBody), false);
    assert.equal(tokenMatches('', 'merchantkey', vectorBody), false);
  });

  it('accepts exactly its own token for any key and body', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 256 }), (key, body) => {
        const token = requestToken(key, body);
        assert.match(token, /^[0-9a-f]{40}$/);
        assert.equal(tokenMatches(token, key, body), true);
        assert.equal(tokenMatches(token, `${key}x`, body), false);
      }),
    );
  });
});

describe('ImPay callback key', () => {
  it("matches COMPAT.md's vector", () => {
    assert.equal(
      callbackKey({ extid: 'order-1', id: '77', sum: '100.50', status: '1' }, 'cbkey'),
      'bb9f5159e3082af42f5f52ba28f2da3d',
    );
  });

  it('is over the strings as sent: 100.5 is not 100.50', () => {
    const fields = { extid: 'order-1', id: '77', sum: '100.5', status: '1' };
    assert.notEqual(callbackKey(fields, 'cbkey'), 'bb9f5159e3082af42f5f52ba28f2da3d');
  });

  it('depends on the callback key and each field', () => {
    const base = { extid: 'order-1', id: '77', sum: '100.50', status: '1' };
    const key = callbackKey(base, 'cbkey');
    assert.notEqual(callbackKey(base, 'cbkey2'), key);
    assert.notEqual(callbackKey({ ...base, status: '2' }, 'cbkey'), key);
    assert.notEqual(callbackKey({ ...base, id: '78' }, 'cbkey'), key);
  });
});
