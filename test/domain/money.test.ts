import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Currency, currencies, exponentOf } from '../../src/domain/currency.ts';
import { limits } from '../../src/domain/limits.ts';
import {
  divRoundHalfUp,
  formatMajor,
  type MoneyParseError,
  parseMajor,
  sumMinor,
} from '../../src/domain/money.ts';

const allCurrencies = Object.keys(currencies) as Currency[];
const max = limits.amountMinorMax;

function parsed(input: unknown, currency: Currency): bigint {
  const result = parseMajor(input, currency);
  if (!result.ok) assert.fail(`parseMajor(${String(input)}, ${currency}) failed: ${result.error}`);
  return result.value;
}

function rejected(input: unknown, currency: Currency, error: MoneyParseError): void {
  const result = parseMajor(input, currency);
  assert.deepEqual(result, { ok: false, error }, `parseMajor(${String(input)}, ${currency})`);
}

/** The largest amount as major-unit text, written without formatMajor. */
function maxText(currency: Currency): string {
  const exponent = exponentOf(currency);
  const whole = (max / 10n ** BigInt(exponent)).toString();
  return exponent === 0 ? whole : `${whole}.${'0'.repeat(exponent)}`;
}

describe('parseMajor: exact parsing', () => {
  it('parses decimal strings exactly', () => {
    assert.equal(parsed('100', 'RUB'), 10000n);
    assert.equal(parsed('100.5', 'RUB'), 10050n);
    assert.equal(parsed('1205.98', 'RUB'), 120598n);
    assert.equal(parsed('300.3', 'RUB'), 30030n);
    assert.equal(parsed('0', 'RUB'), 0n);
    assert.equal(parsed('0.01', 'RUB'), 1n);
    assert.equal(parsed('0.1', 'RUB'), 10n);
  });

  it('parses JSON numbers exactly', () => {
    assert.equal(parsed(100.55, 'RUB'), 10055n);
    assert.equal(parsed(0.1, 'RUB'), 10n);
    assert.equal(parsed(300.3, 'RUB'), 30030n);
    assert.equal(parsed(1205.98, 'RUB'), 120598n);
    assert.equal(parsed(100, 'RUB'), 10000n);
    assert.equal(parsed(0, 'RUB'), 0n);
    assert.equal(parsed(JSON.parse('{"a":100.55}').a, 'RUB'), 10055n);
    assert.equal(parsed(1.005, 'KWD'), 1005n);
    assert.equal(parsed(1.1, 'RUB'), 110n);
  });

  it('uses the exponent of the currency', () => {
    assert.equal(parsed('1', 'JPY'), 1n);
    assert.equal(parsed('1', 'RUB'), 100n);
    assert.equal(parsed('1', 'KWD'), 1000n);
    assert.equal(parsed('1.5', 'RUB'), 150n);
    assert.equal(parsed('1.001', 'KWD'), 1001n);
    assert.equal(parsed('1.25', 'KWD'), 1250n);
  });

  it('accepts trailing zeros beyond the exponent, which are exact', () => {
    assert.equal(parsed('1.500', 'RUB'), 150n);
    assert.equal(parsed('1.0', 'JPY'), 1n);
    assert.equal(parsed('1.000', 'JPY'), 1n);
    assert.equal(parsed('1.0010', 'KWD'), 1001n);
  });

  it('accepts leading zeros', () => {
    assert.equal(parsed('007', 'RUB'), 700n);
    assert.equal(parsed('00.50', 'RUB'), 50n);
  });
});

describe('parseMajor: rejections', () => {
  it('rejects negatives as negative', () => {
    rejected('-1', 'RUB', 'negative');
    rejected('-0.01', 'RUB', 'negative');
    rejected('-0', 'RUB', 'negative');
    rejected(-1, 'RUB', 'negative');
    rejected(-0.01, 'RUB', 'negative');
    rejected(-0, 'RUB', 'negative');
    rejected(-1e25, 'RUB', 'negative');
  });

  it('rejects a minus sign before junk as not a number', () => {
    rejected('-', 'RUB', 'not_a_number');
    rejected('--1', 'RUB', 'not_a_number');
    rejected('-abc', 'RUB', 'not_a_number');
    rejected('-1e5', 'RUB', 'not_a_number');
  });

  it('rejects NaN and infinities as not a number', () => {
    rejected(Number.NaN, 'RUB', 'not_a_number');
    rejected(Number.POSITIVE_INFINITY, 'RUB', 'not_a_number');
    rejected(Number.NEGATIVE_INFINITY, 'RUB', 'not_a_number');
    rejected('NaN', 'RUB', 'not_a_number');
    rejected('Infinity', 'RUB', 'not_a_number');
  });

  it('rejects values that are neither strings nor numbers', () => {
    for (const input of [
      null,
      undefined,
      true,
      false,
      {},
      [],
      ['1'],
      1n,
      { valueOf: () => 1 },
      Symbol('1'),
    ]) {
      rejected(input, 'RUB', 'not_a_number');
    }
  });

  it('rejects text that is not plain decimal', () => {
    for (const text of [
      '1e5',
      '1E5',
      ' 1',
      '1 ',
      '1\n',
      '1,5',
      '',
      '.5',
      '5.',
      '.',
      '+1',
      '0x10',
      '1.2.3',
      '1_000',
      'abc',
      '١',
      '１',
    ]) {
      rejected(text, 'RUB', 'not_a_number');
    }
  });

  it('rejects more decimals than the currency has, and accepts exactly as many', () => {
    rejected('1.001', 'RUB', 'too_many_decimals');
    assert.equal(parsed('1.01', 'RUB'), 101n);
    rejected('1.5', 'JPY', 'too_many_decimals');
    rejected('0.1', 'JPY', 'too_many_decimals');
    assert.equal(parsed('1', 'JPY'), 1n);
    rejected('1.0001', 'KWD', 'too_many_decimals');
    assert.equal(parsed('1.001', 'KWD'), 1001n);
    rejected(1.001, 'RUB', 'too_many_decimals');
    rejected(1.5, 'JPY', 'too_many_decimals');
    rejected(1.0001, 'KWD', 'too_many_decimals');
  });

  it('rejects float artefacts rather than rounding them', () => {
    rejected(0.1 + 0.2, 'RUB', 'too_many_decimals');
    rejected(100.30000000000001, 'RUB', 'too_many_decimals');
    rejected(1.1 * 3, 'RUB', 'too_many_decimals');
    rejected(1e-7, 'RUB', 'too_many_decimals');
    rejected(Number.MIN_VALUE, 'RUB', 'too_many_decimals');
  });

  it('accepts exactly amountMinorMax and rejects one minor unit more, for every currency', () => {
    for (const currency of allCurrencies) {
      const text = maxText(currency);
      assert.equal(parsed(text, currency), max, currency);
      assert.equal(formatMajor(max, currency), text, currency);
      rejected(formatMajor(max + 1n, currency), currency, 'too_large');
      assert.equal(parsed(formatMajor(max - 1n, currency), currency), max - 1n, currency);
    }
  });

  it('applies the same bound to JSON numbers', () => {
    assert.equal(parsed(1e13, 'RUB'), max);
    rejected(10000000000000.01, 'RUB', 'too_large');
    assert.equal(parsed(9999999999999.99, 'RUB'), max - 1n);
    assert.equal(parsed(1e15, 'JPY'), max);
    rejected(1e15 + 1, 'JPY', 'too_large');
    rejected(1e21, 'RUB', 'too_large');
    rejected(Number.MAX_VALUE, 'RUB', 'too_large');
    rejected(Number.MAX_SAFE_INTEGER, 'RUB', 'too_large');
  });

  it('bounds the length of the text: amountTextLengthMax characters parse, one more does not', () => {
    const longest = '1'.padStart(limits.amountTextLengthMax, '0');
    assert.equal(longest.length, limits.amountTextLengthMax);
    assert.equal(parsed(longest, 'RUB'), 100n);
    rejected(`0${longest}`, 'RUB', 'too_large');
    rejected('9'.repeat(limits.amountTextLengthMax), 'RUB', 'too_large');
    rejected('1'.repeat(10_000), 'RUB', 'too_large');
    rejected(`1.${'0'.repeat(1_000_000)}`, 'RUB', 'too_large');
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom(...allCurrencies), (input, currency) => {
        const result = parseMajor(input, currency);
        if (result.ok) {
          assert.ok(result.value >= 0n && result.value <= max);
        }
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...allCurrencies), (t, c) => {
        const result = parseMajor(t, c);
        if (result.ok) assert.match(t, /^\d+(\.\d+)?$/);
      }),
    );
    fc.assert(
      fc.property(fc.double(), fc.constantFrom(...allCurrencies), (n, c) => {
        const result = parseMajor(n, c);
        if (result.ok) assert.equal(Number(formatMajor(result.value, c)), n);
      }),
    );
  });
});

describe('formatMajor', () => {
  it('prints exponent 0 without a point', () => {
    assert.equal(formatMajor(0n, 'JPY'), '0');
    assert.equal(formatMajor(1n, 'JPY'), '1');
    assert.equal(formatMajor(1500n, 'JPY'), '1500');
    assert.equal(formatMajor(-7n, 'JPY'), '-7');
  });

  it('prints exponent 2 with exactly two decimals', () => {
    assert.equal(formatMajor(0n, 'RUB'), '0.00');
    assert.equal(formatMajor(1n, 'RUB'), '0.01');
    assert.equal(formatMajor(10n, 'RUB'), '0.10');
    assert.equal(formatMajor(99n, 'RUB'), '0.99');
    assert.equal(formatMajor(100n, 'RUB'), '1.00');
    assert.equal(formatMajor(120598n, 'RUB'), '1205.98');
    assert.equal(formatMajor(30030n, 'USD'), '300.30');
  });

  it('prints exponent 3 with exactly three decimals', () => {
    assert.equal(formatMajor(0n, 'KWD'), '0.000');
    assert.equal(formatMajor(1n, 'KWD'), '0.001');
    assert.equal(formatMajor(999n, 'KWD'), '0.999');
    assert.equal(formatMajor(1000n, 'KWD'), '1.000');
    assert.equal(formatMajor(1234567n, 'BHD'), '1234.567');
  });

  it('prints negatives with a leading minus', () => {
    assert.equal(formatMajor(-1n, 'RUB'), '-0.01');
    assert.equal(formatMajor(-100n, 'RUB'), '-1.00');
    assert.equal(formatMajor(-120598n, 'RUB'), '-1205.98');
    assert.equal(formatMajor(-1n, 'KWD'), '-0.001');
    assert.equal(formatMajor(-1001n, 'KWD'), '-1.001');
  });

  it('round-trips through parseMajor for every currency and every amount in range', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allCurrencies), fc.bigInt({ min: 0n, max }), (currency, minor) => {
        const text = formatMajor(minor, currency);
        const exponent = exponentOf(currency);
        const shape = exponent === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${exponent}}$`);
        assert.match(text, shape);
        assert.equal(parsed(text, currency), minor);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips as a JSON number for every amount in range', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allCurrencies), fc.bigInt({ min: 0n, max }), (currency, minor) => {
        const asNumber = JSON.parse(JSON.stringify({ v: Number(formatMajor(minor, currency)) })).v;
        assert.equal(parsed(asNumber, currency), minor);
      }),
      { numRuns: 2000 },
    );
  });

  it('prints negatives as the positive with a minus', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allCurrencies), fc.bigInt({ min: 1n, max }), (currency, minor) => {
        assert.equal(formatMajor(-minor, currency), `-${formatMajor(minor, currency)}`);
      }),
    );
  });
});

/** Half away from zero, computed from the remainder instead of by adding half the divisor. */
function referenceRound(numerator: bigint, denominator: bigint): bigint {
  const magnitude = numerator < 0n ? -numerator : numerator;
  const quotient = magnitude / denominator;
  const remainder = magnitude % denominator;
  const rounded = remainder * 2n >= denominator ? quotient + 1n : quotient;
  return numerator < 0n ? -rounded : rounded;
}

describe('divRoundHalfUp', () => {
  it('rounds exact halves away from zero and just-below halves toward zero', () => {
    assert.equal(divRoundHalfUp(5n, 10n), 1n);
    assert.equal(divRoundHalfUp(4n, 10n), 0n);
    assert.equal(divRoundHalfUp(15n, 10n), 2n);
    assert.equal(divRoundHalfUp(14n, 10n), 1n);
    assert.equal(divRoundHalfUp(-5n, 10n), -1n);
    assert.equal(divRoundHalfUp(-4n, 10n), 0n);
    assert.equal(divRoundHalfUp(-15n, 10n), -2n);
    assert.equal(divRoundHalfUp(1n, 2n), 1n);
    assert.equal(divRoundHalfUp(1n, 3n), 0n);
    assert.equal(divRoundHalfUp(2n, 3n), 1n);
    assert.equal(divRoundHalfUp(500_000n, 1_000_000n), 1n);
    assert.equal(divRoundHalfUp(499_999n, 1_000_000n), 0n);
    assert.equal(divRoundHalfUp(0n, 7n), 0n);
    assert.equal(divRoundHalfUp(7n, 1n), 7n);
  });

  it('rejects a zero or negative denominator', () => {
    assert.throws(() => divRoundHalfUp(1n, 0n), RangeError);
    assert.throws(() => divRoundHalfUp(1n, -1n), RangeError);
    assert.equal(divRoundHalfUp(1n, 1n), 1n);
  });

  it('agrees with a remainder-based reference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (n, d) => {
          assert.equal(divRoundHalfUp(n, d), referenceRound(n, d));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is within half a unit of the exact quotient', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (n, d) => {
          const q = divRoundHalfUp(n, d);
          const error = q * d - n; // (q - n/d) scaled by d
          assert.ok(2n * error <= d && 2n * error >= -d);
        },
      ),
    );
  });
});

describe('sumMinor', () => {
  it('sums, and is zero for nothing', () => {
    assert.equal(sumMinor([]), 0n);
    assert.equal(sumMinor([5n]), 5n);
    assert.equal(sumMinor([1n, 2n, -3n]), 0n);
    assert.equal(sumMinor(new Set([max, max])), max);
    assert.equal(sumMinor([max, max, max]), 3n * max);
  });

  it('accepts any iterable, including a generator', () => {
    function* amounts() {
      yield 1n;
      yield 10n;
      yield 100n;
    }
    assert.equal(sumMinor(amounts()), 111n);
  });

  it('agrees with a reduce and does not depend on order', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -max, max })), (amounts) => {
        const expected = amounts.reduce((a, b) => a + b, 0n);
        assert.equal(sumMinor(amounts), expected);
        assert.equal(sumMinor([...amounts].reverse()), expected);
      }),
    );
  });
});
