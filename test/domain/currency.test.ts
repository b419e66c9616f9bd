import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Currency,
  currencies,
  exponentOf,
  isCurrency,
  parseCurrency,
} from '../../src/domain/currency.ts';

const allCurrencies = Object.keys(currencies) as Currency[];

describe('parseCurrency', () => {
  it('accepts the alphabetic code in any case', () => {
    assert.equal(parseCurrency('RUB'), 'RUB');
    assert.equal(parseCurrency('rub'), 'RUB');
    assert.equal(parseCurrency('Rub'), 'RUB');
    assert.equal(parseCurrency('usd'), 'USD');
    assert.equal(parseCurrency('kwd'), 'KWD');
  });

  it('accepts the numeric code, leading zeros included', () => {
    assert.equal(parseCurrency('643'), 'RUB');
    assert.equal(parseCurrency(643), 'RUB', 'a numeric code sent as a JSON number');
    assert.equal(parseCurrency(51), 'AMD', 'leading zeros restored');
    assert.equal(parseCurrency('840'), 'USD');
    assert.equal(parseCurrency('392'), 'JPY');
    assert.equal(parseCurrency('051'), 'AMD');
    assert.equal(parseCurrency('048'), 'BHD');
  });

  it('trims surrounding whitespace', () => {
    assert.equal(parseCurrency(' rub '), 'RUB');
    assert.equal(parseCurrency('\t643\n'), 'RUB');
  });

  it('maps every alphabetic and numeric code in the table back to its currency', () => {
    for (const currency of allCurrencies) {
      assert.equal(parseCurrency(currency), currency);
      assert.equal(parseCurrency(currency.toLowerCase()), currency);
      assert.equal(parseCurrency(currencies[currency].numeric), currency);
    }
  });

  it('has no duplicate numeric codes', () => {
    const numerics = allCurrencies.map((c) => currencies[c].numeric);
    assert.equal(new Set(numerics).size, numerics.length);
    for (const n of numerics) assert.match(n, /^\d{3}$/);
  });

  it('returns null for junk', () => {
    for (const junk of [
      '',
      ' ',
      'RU',
      'RUBB',
      'R U B',
      'XXX',
      'BTC',
      'rub1',
      '64',
      '6430',
      '51', // AMD is '051'
      '000',
      '999',
      'toString',
      'constructor',
      '__proto__',
      'hasOwnProperty',
    ]) {
      assert.equal(parseCurrency(junk), null, JSON.stringify(junk));
    }
  });

  it('returns null for non-strings, including the numeric code as a number', () => {
    for (const junk of [
      null,
      undefined,
      643.5,
      1000,
      -643,
      643n,
      true,
      {},
      ['RUB'],
      { toString: () => 'RUB' },
    ]) {
      assert.equal(parseCurrency(junk), null);
    }
  });

  it('returns either null or a known currency for any input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = parseCurrency(input);
        assert.ok(result === null || isCurrency(result));
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), (input) => {
        const result = parseCurrency(input);
        assert.ok(result === null || isCurrency(result));
      }),
    );
  });
});

describe('isCurrency and exponentOf', () => {
  it('knows only the table, by exact alphabetic code', () => {
    assert.equal(isCurrency('RUB'), true);
    assert.equal(isCurrency('rub'), false);
    assert.equal(isCurrency('643'), false);
    assert.equal(isCurrency('toString'), false);
    assert.equal(isCurrency(null), false);
  });

  it('gives the ISO 4217 exponent', () => {
    assert.equal(exponentOf('RUB'), 2);
    assert.equal(exponentOf('USD'), 2);
    assert.equal(exponentOf('JPY'), 0);
    assert.equal(exponentOf('KRW'), 0);
    assert.equal(exponentOf('KWD'), 3);
    assert.equal(exponentOf('BHD'), 3);
    for (const currency of allCurrencies) assert.ok([0, 2, 3].includes(exponentOf(currency)));
  });
});
