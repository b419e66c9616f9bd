import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callbackDelivered,
  callbackQuery,
  callbackUrl,
  checkQuery,
  checkVerdict,
} from '../../../src/dialects/impay/callbacks.ts';

describe('ImPay callback', () => {
  it("carries COMPAT.md's vector: sum %.2f and the md5 key over the strings sent", () => {
    const query = callbackQuery({ externalId: 'order-1', id: 77, amountMinor: 10050n, state: 1 }, 'cbkey');
    assert.equal(query, 'extid=order-1&id=77&sum=100.50&status=1&key=bb9f5159e3082af42f5f52ba28f2da3d');
  });

  it('an operation without extid sends it empty', () => {
    const params = new URLSearchParams(
      callbackQuery({ externalId: null, id: 5, amountMinor: 100n, state: 4 }, 'k'),
    );
    assert.equal(params.get('extid'), '');
    assert.equal(params.get('sum'), '1.00');
    assert.equal(params.get('status'), '4');
  });

  it('escapes an extid with query characters, and the merchant reads back what was signed', () => {
    const params = new URLSearchParams(
      callbackQuery({ externalId: 'a&b=c д', id: 1, amountMinor: 1n, state: 2 }, 'k'),
    );
    assert.equal(params.get('extid'), 'a&b=c д');
  });

  it("keeps the merchant's own query", () => {
    assert.equal(
      callbackUrl('https://shop.example/cb?shop=1', 'extid=x'),
      'https://shop.example/cb?shop=1&extid=x',
    );
    assert.equal(callbackUrl('https://shop.example/cb', 'extid=x'), 'https://shop.example/cb?extid=x');
  });

  it('is delivered below 500, retried from 500', () => {
    assert.equal(callbackDelivered(200), true);
    assert.equal(callbackDelivered(404), true);
    assert.equal(callbackDelivered(499), true);
    assert.equal(callbackDelivered(500), false);
    assert.equal(callbackDelivered(503), false);
  });
});

describe('ImPay check request', () => {
  it('asks with extid and sum', () => {
    assert.equal(checkQuery('order-1', 10050n), 'extid=order-1&sum=100.50');
  });

  it('only {"success":true} allows the payment', () => {
    assert.deepEqual(checkVerdict(200, '{"success":true,"message":""}'), { allowed: true });
    assert.deepEqual(checkVerdict(200, '{"success":false,"message":"Договор закрыт"}'), {
      allowed: false,
      message: 'Договор закрыт',
    });
    for (const body of ['{"success":"true"}', '{"success":1}', '{}', 'OK', 'null', '[true]'])
      assert.equal(checkVerdict(200, body).allowed, false, body);
  });

  it('an error status or no answer refuses', () => {
    assert.equal(checkVerdict(500, '{"success":true}').allowed, false);
    assert.equal(checkVerdict(404, '{"success":true}').allowed, false);
    assert.equal(checkVerdict(null, null).allowed, false);
  });

  it("bounds the merchant's message", () => {
    const verdict = checkVerdict(200, JSON.stringify({ success: false, message: 'я'.repeat(1000) }));
    assert.equal(verdict.allowed === false && verdict.message.length, 255);
  });
});
