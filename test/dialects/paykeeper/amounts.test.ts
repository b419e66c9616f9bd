import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pkAmount } from '../../../src/dialects/paykeeper/amounts.ts';
import { limits } from '../../../src/domain/limits.ts';

const parsed = (text: string) => {
  const r = pkAmount.parse(text);
  if (!r.ok) assert.fail(`${text}: ${r.error}`);
  return r.value;
};

describe('PayKeeper amounts: pay_amount as it arrives', () => {
  it('reads every form COMPAT.md lists, exactly', () => {
    assert.equal(parsed('100'), 10000n);
    assert.equal(parsed('100.00'), 10000n);
    assert.equal(parsed('300.3'), 30030n);
    assert.equal(parsed('1205.98'), 120598n);
    assert.equal(parsed('0.01'), 1n);
    assert.equal(parsed(' 100.00\n'), 10000n, 'blanks around a form value');
  });

  it('refuses what is not a rouble sum with a dot', () => {
    assert.deepEqual(pkAmount.parse(undefined), { ok: false, error: 'missing' });
    assert.deepEqual(pkAmount.parse(''), { ok: false, error: 'missing' });
    assert.deepEqual(pkAmount.parse('   '), { ok: false, error: 'missing' });
    assert.deepEqual(pkAmount.parse('1 205,98'), { ok: false, error: 'not_a_sum' });
    assert.deepEqual(pkAmount.parse('1205,98'), { ok: false, error: 'not_a_sum' });
    assert.deepEqual(pkAmount.parse('-1'), { ok: false, error: 'not_a_sum' });
    assert.deepEqual(pkAmount.parse('1e3'), { ok: false, error: 'not_a_sum' });
    assert.deepEqual(pkAmount.parse('abc'), { ok: false, error: 'not_a_sum' });
    assert.deepEqual(pkAmount.parse('100.001'), { ok: false, error: 'too_many_decimals' });
    assert.deepEqual(pkAmount.parse('0'), { ok: false, error: 'zero' });
    assert.deepEqual(pkAmount.parse('0.00'), { ok: false, error: 'zero' });
  });

  it('stops at the gateway-wide largest amount, on both sides', () => {
    const max = limits.amountMinorMax;
    assert.equal(parsed(pkAmount.print(max)), max);
    assert.deepEqual(pkAmount.parse(pkAmount.print(max + 1n)), { ok: false, error: 'too_large' });
  });

  it('prints two decimals always', () => {
    assert.equal(pkAmount.print(10000n), '100.00');
    assert.equal(pkAmount.print(30030n), '300.30');
    assert.equal(pkAmount.print(1n), '0.01');
    assert.equal(pkAmount.print(0n), '0.00');
  });

  it('property: print then parse is the identity on every payable amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: limits.amountMinorMax }), (minor) => {
        const text = pkAmount.print(minor);
        assert.match(text, /^\d+\.\d{2}$/);
        assert.equal(parsed(text), minor);
      }),
    );
  });

  it('property: whole roubles and one-decimal forms read as the same kopecks as the two-decimal form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 9 }), (rub, tenth) => {
        assert.equal(parsed(String(rub)), rub * 100n);
        assert.equal(parsed(`${rub}.${tenth}`), rub * 100n + BigInt(tenth) * 10n);
        assert.equal(parsed(`${rub}.${tenth}0`), rub * 100n + BigInt(tenth) * 10n);
      }),
    );
  });
});
