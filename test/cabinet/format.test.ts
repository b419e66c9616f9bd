import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addDays, isDay } from '../../cabinet/src/ui/days.ts';
import {
  formatAmount,
  formatChartAmount,
  formatCount,
  parseAmountMinor,
  printAmountMinor,
} from '../../cabinet/src/ui/format.ts';

/** The cabinet's money as text (cabinet/src/ui/format.ts): never a float on the way. */
describe('cabinet amounts', () => {
  test('the wire amount regrouped for the reader, in both languages', () => {
    assert.equal(formatAmount('1205.98', 'en'), '1,205.98');
    assert.equal(formatAmount('1205.98', 'ru'), '1\u00a0205,98');
    assert.equal(formatAmount('1000000.00', 'en'), '1,000,000.00');
    assert.equal(formatAmount('0.00', 'ru'), '0,00');
    assert.equal(formatAmount('999.99', 'en'), '999.99');
    assert.equal(formatAmount(null, 'en'), '—');
    assert.equal(formatAmount('n/a', 'en'), 'n/a', 'anything else is shown as it came');
    // above 2^53, where a double would lose the kopecks
    assert.equal(formatAmount('9007199254740993.01', 'en'), '9,007,199,254,740,993.01');
  });

  test('counts and chart amounts', () => {
    assert.equal(formatCount('1000000', 'ru'), '1\u00a0000\u00a0000');
    assert.equal(formatCount(246, 'en'), '246');
    assert.equal(formatChartAmount(3200, 'en'), '3,200.00');
    assert.equal(formatChartAmount(101.5, 'ru'), '101,50');
    assert.equal(formatChartAmount(0, 'en'), '0.00');
  });

  test('a refund typed by a person: roubles with up to two decimals, a point or a comma', () => {
    assert.equal(parseAmountMinor('150'), 150_00n);
    assert.equal(parseAmountMinor('150.5'), 150_50n);
    assert.equal(parseAmountMinor('150,05'), 150_05n);
    assert.equal(parseAmountMinor(' 0.01 '), 1n);
    assert.equal(parseAmountMinor('9999999999999.99'), 999_999_999_999_999n);
    for (const bad of ['', '.5', '1.234', '1e3', '-1', '1 000', 'abc', '10000000000000', '1..2', '0x10'])
      assert.equal(parseAmountMinor(bad), null, bad);
  });

  test('parse and print are inverse over every two-decimal amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), (minor) => {
        assert.equal(parseAmountMinor(printAmountMinor(minor)), minor);
      }),
    );
    assert.equal(printAmountMinor(5n), '0.05');
    assert.equal(printAmountMinor(100_50n), '100.50');
  });
});

describe('cabinet periods', () => {
  test('calendar days, checked and moved', () => {
    assert.equal(isDay('2026-11-30'), true);
    assert.equal(isDay('2026-02-29'), false);
    assert.equal(isDay('2026-13-01'), false);
    assert.equal(isDay('20261130'), false);
    assert.equal(addDays('2026-11-30', 1), '2026-12-01');
    assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  });
});
