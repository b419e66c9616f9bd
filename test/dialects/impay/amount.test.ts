import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type AmountError, impayAmount } from '../../../src/dialects/impay/amount.ts';
import { limits } from '../../../src/domain/limits.ts';

const parsed = (text: string) => {
  const result = impayAmount.parse(text);
  if (!result.ok) assert.fail(`${text}: ${result.error}`);
  return result.value;
};
const refused = (text: string, error: AmountError) =>
  assert.deepEqual(impayAmount.parse(text), { ok: false, error }, text);

describe('ImPay amount codec', () => {
  it('reads the texts real clients send, trailing zero or not', () => {
    assert.equal(parsed('100.50'), 10050n);
    assert.equal(parsed('100.5'), 10050n);
    assert.equal(parsed('150.5'), 15050n);
    assert.equal(parsed('100'), 10000n);
    assert.equal(parsed('0.01'), 1n);
    assert.equal(parsed('1.500'), 150n); // exactly 1.50
  });

  it('refuses a third significant decimal, both sides of the boundary', () => {
    assert.equal(parsed('1.01'), 101n);
    refused('1.005', 'too_many_decimals');
    refused('0.001', 'too_many_decimals');
  });

  it('refuses zero and negatives', () => {
    refused('0', 'not_positive');
    refused('0.00', 'not_positive');
    refused('-1', 'not_positive');
    refused('-0.01', 'not_positive');
  });

  it('refuses what is not plain decimal text', () => {
    for (const text of [
      '',
      'abc',
      '1e3',
      '1E2',
      '+5',
      ' 5',
      '5 ',
      '1,5',
      '.5',
      '5.',
      'NaN',
      'Infinity',
      '0x10',
    ])
      refused(text, 'not_a_sum');
  });

  it('refuses absurd sizes, both sides of the limit', () => {
    const maxRubles = (limits.amountMinorMax / 100n).toString();
    assert.equal(parsed(maxRubles), limits.amountMinorMax);
    refused(`${maxRubles}.01`, 'too_large');
    refused('9'.repeat(40), 'too_large');
  });

  it('prints %.2f', () => {
    assert.equal(impayAmount.print(10050n), '100.50');
    assert.equal(impayAmount.print(1n), '0.01');
    assert.equal(impayAmount.print(10000n), '100.00');
  });

  it('reads back what it prints', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: limits.amountMinorMax }), (minor) => {
        assert.equal(parsed(impayAmount.print(minor)), minor);
      }),
    );
  });
});
