import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  deriveTokenKey,
  informerAnswer,
  informerKey,
  isInformerAccepted,
  isLegacyFormSigned,
  isSecurityTokenValid,
  legacyFormSign,
  securityToken,
  tokenWindowMs,
} from '../../../src/dialects/paykeeper/sign.ts';

describe('PayKeeper informer signature (COMPAT.md vector)', () => {
  const facts = { id: '123', sum: '100.00', clientid: 'Ivan', orderid: '42' };

  it('key = md5(id + sum + clientid + orderid + seed)', () => {
    assert.equal(informerKey(facts, 'seed'), 'b5bd3b302db49ce049c8109719a0dbcc');
  });

  it('a missing clientid or orderid counts as the empty string', () => {
    const md5 = (t: string) => createHash('md5').update(t).digest('hex');
    assert.equal(informerKey({ ...facts, clientid: null, orderid: null }, 'seed'), md5('123100.00seed'));
    assert.equal(
      informerKey({ ...facts, orderid: null }, 'seed'),
      informerKey({ ...facts, orderid: '' }, 'seed'),
    );
  });

  it('the expected answer is OK md5(id + seed)', () => {
    assert.equal(informerAnswer('123', 'seed'), 'OK 6c8d99cff87d96fcaa8e67ef99d76275');
  });

  it('accepts the answer trimmed, nothing else', () => {
    const good = 'OK 6c8d99cff87d96fcaa8e67ef99d76275';
    assert.equal(isInformerAccepted(good, '123', 'seed'), true);
    assert.equal(isInformerAccepted(`\n ${good}\r\n`, '123', 'seed'), true);
    for (const bad of [
      'OK',
      'OK ',
      'ok 6c8d99cff87d96fcaa8e67ef99d76275',
      'OK  6c8d99cff87d96fcaa8e67ef99d76275',
      '',
      '<html>OK</html>',
    ])
      assert.equal(isInformerAccepted(bad, '123', 'seed'), false, JSON.stringify(bad));
    assert.equal(isInformerAccepted(good, '124', 'seed'), false, 'another payment');
    assert.equal(isInformerAccepted(good, '123', 'seed2'), false, 'another seed');
  });
});

describe('PayKeeper legacy form sign (POST /create/)', () => {
  const fields = {
    sum: '300.3',
    clientid: 'Ivan',
    orderid: '42',
    service_name: 'Доставка',
    client_email: 'ivan@example.com',
    client_phone: '+79000000000',
  };
  const sha256 = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

  it('sign = sha256 of the fields in order, then the secret', () => {
    assert.equal(
      legacyFormSign(fields, 'secret'),
      sha256('300.3Ivan42Доставкаivan@example.com+79000000000secret'),
    );
  });

  it('accepts a sign over the raw sum and over its two-decimal form, in either hex case', () => {
    const raw = legacyFormSign(fields, 'secret');
    const printed = legacyFormSign({ ...fields, sum: '300.30' }, 'secret');
    assert.notEqual(raw, printed);
    assert.equal(isLegacyFormSigned(fields, '300.30', raw, 'secret'), true);
    assert.equal(isLegacyFormSigned(fields, '300.30', printed, 'secret'), true);
    assert.equal(isLegacyFormSigned(fields, '300.30', printed.toUpperCase(), 'secret'), true);
  });

  it('refuses a sign over other fields, another secret or another sum', () => {
    const raw = legacyFormSign(fields, 'secret');
    assert.equal(isLegacyFormSigned({ ...fields, orderid: '43' }, '300.30', raw, 'secret'), false);
    assert.equal(isLegacyFormSigned(fields, '300.30', raw, 'secret2'), false);
    assert.equal(
      isLegacyFormSigned(fields, '300.31', legacyFormSign({ ...fields, sum: '300.31' }, 'x'), 'secret'),
      false,
    );
    assert.equal(isLegacyFormSigned(fields, '300.30', '', 'secret'), false);
  });
});

describe('PayKeeper security token', () => {
  const key = deriveTokenKey(Buffer.from('gateway secret'));
  const user = { userId: 7n, stamp: 'pw-1' };
  const t0 = Date.UTC(2026, 0, 10, 12, 0, 0);

  it('is 32 lowercase hex, stable across fetches in a window', () => {
    const token = securityToken(key, user, t0);
    assert.match(token, /^[0-9a-f]{32}$/);
    assert.equal(securityToken(key, user, t0 + 1000), token);
  });

  it('is per user, per credential stamp and per key', () => {
    const token = securityToken(key, user, t0);
    assert.notEqual(securityToken(key, { ...user, userId: 8n }, t0), token);
    assert.notEqual(securityToken(key, { ...user, stamp: 'pw-2' }, t0), token);
    assert.notEqual(securityToken(deriveTokenKey(Buffer.from('other')), user, t0), token);
    assert.equal(
      isSecurityTokenValid(key, { ...user, stamp: 'pw-2' }, token, t0),
      false,
      'a password change revokes it',
    );
  });

  it('changes once per window and stays valid at least 24 h after any fetch, never 48 h', () => {
    const windowStart = Math.floor(t0 / tokenWindowMs) * tokenWindowMs;
    const lastFetch = windowStart + tokenWindowMs - 1;
    const token = securityToken(key, user, lastFetch);
    assert.notEqual(
      securityToken(key, user, windowStart + tokenWindowMs),
      token,
      'a new window, a new token',
    );
    assert.equal(
      isSecurityTokenValid(key, user, token, lastFetch + tokenWindowMs),
      true,
      '24 h after the fetch',
    );
    assert.equal(
      isSecurityTokenValid(key, user, token, windowStart + 2 * tokenWindowMs),
      false,
      'two windows on',
    );
    assert.equal(isSecurityTokenValid(key, user, token, windowStart - 1), false, 'not before its window');
  });

  it('an empty, malformed or upper-case token is simply wrong', () => {
    const token = securityToken(key, user, t0);
    for (const bad of ['', ' ', token.toUpperCase(), `${token} `, token.slice(1), 'z'.repeat(32)])
      assert.equal(isSecurityTokenValid(key, user, bad, t0), false, JSON.stringify(bad));
  });

  it('property: a token fetched at any moment is valid for the next 24 h', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 0, max: tokenWindowMs }),
        (fetchedMs, laterMs) => {
          const token = securityToken(key, user, fetchedMs);
          assert.equal(isSecurityTokenValid(key, user, token, fetchedMs + laterMs), true);
        },
      ),
    );
  });
});
