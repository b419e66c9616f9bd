import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type CardBrand,
  type CardError,
  cardBrand,
  cardView,
  type Expiry,
  formatExpiry,
  isExpired,
  luhnCheckDigit,
  luhnValid,
  maskPan,
  normalizePan,
  parseExpiry,
  validCvc,
} from '../../src/domain/card.ts';

/** A Luhn-valid PAN of `length` digits starting with `prefix`. */
function pan(prefix: string, length: number): string {
  const body = prefix.padEnd(length - 1, '0');
  return body + luhnCheckDigit(body);
}

function normalized(input: string): string {
  const result = normalizePan(input);
  if (!result.ok) assert.fail(`normalizePan(${input}) failed: ${result.error}`);
  return result.value;
}

function panRejected(input: string, error: CardError): void {
  assert.deepEqual(normalizePan(input), { ok: false, error }, `normalizePan(${JSON.stringify(input)})`);
}

function expiry(month: string | number, year?: string | number): Expiry {
  const result = parseExpiry(month, year);
  if (!result.ok) assert.fail(`parseExpiry(${month}, ${year}) failed: ${result.error}`);
  return result.value;
}

function expiryRejected(month: string | number, year?: string | number): void {
  assert.deepEqual(
    parseExpiry(month, year),
    { ok: false, error: 'bad_expiry' },
    `parseExpiry(${month}, ${year})`,
  );
}

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

describe('Luhn', () => {
  const valid = [
    '4111111111111111',
    '4012888888881881',
    '4222222222222',
    '5555555555554444',
    '5105105105105100',
    '2221000000000009',
    '2200000000000004',
    '378282246310005',
    '371449635398431',
    '3530111333300000',
    '6011111111111117',
    '6200000000000005',
    '79927398713',
    '0',
    '00',
  ];
  const invalid = [
    '4111111111111112',
    '4111111111111110',
    '1234567812345678',
    '5555555555554443',
    '378282246310006',
    '79927398710',
    '79927398711',
    '79927398712',
    '79927398714',
    '1',
  ];

  it('accepts known valid numbers', () => {
    for (const n of valid) assert.equal(luhnValid(n), true, n);
  });

  it('rejects known invalid numbers', () => {
    for (const n of invalid) assert.equal(luhnValid(n), false, n);
  });

  it('computes the check digit of known numbers', () => {
    assert.equal(luhnCheckDigit('411111111111111'), '1');
    assert.equal(luhnCheckDigit('7992739871'), '3');
    assert.equal(luhnCheckDigit('220000000000000'), '4');
    assert.equal(luhnCheckDigit(''), '0');
  });

  it('luhnCheckDigit always completes a valid number, and exactly one digit does', () => {
    fc.assert(
      fc.property(digits(0, 25), (partial) => {
        const check = luhnCheckDigit(partial);
        assert.match(check, /^\d$/);
        assert.equal(luhnValid(partial + check), true);
        const working = [...'0123456789'].filter((d) => luhnValid(partial + d));
        assert.deepEqual(working, [check]);
      }),
      { numRuns: 1000 },
    );
  });

  it('catches every single-digit error', () => {
    fc.assert(
      fc.property(digits(12, 18), fc.nat(), fc.integer({ min: 1, max: 9 }), (partial, at, delta) => {
        const good = partial + luhnCheckDigit(partial);
        const i = at % good.length;
        const changed = String((Number(good[i]) + delta) % 10);
        const bad = good.slice(0, i) + changed + good.slice(i + 1);
        assert.equal(luhnValid(bad), false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('normalizePan', () => {
  it('accepts a valid PAN as is', () => {
    assert.equal(normalized('4111111111111111'), '4111111111111111');
  });

  it('strips spaces and dashes', () => {
    assert.equal(normalized('4111 1111 1111 1111'), '4111111111111111');
    assert.equal(normalized('4111-1111-1111-1111'), '4111111111111111');
    assert.equal(normalized(' 4111 - 1111\t1111-1111 '), '4111111111111111');
  });

  it('rejects anything else that is not a digit', () => {
    for (const input of [
      '',
      ' ',
      '-',
      '4111.1111.1111.1111',
      '4111_1111_1111_1111',
      '4111111111111111x',
      '+4111111111111111',
      '４１１１１１１１１１１１１１１１',
      '411111111111111١',
    ]) {
      panRejected(input, 'not_digits');
    }
  });

  it('accepts 13 to 19 digits and rejects 12 and 20, even when Luhn-valid', () => {
    panRejected(pan('4', 12), 'bad_length');
    assert.equal(normalized(pan('4', 13)), pan('4', 13));
    assert.equal(normalized(pan('4', 19)), pan('4', 19));
    panRejected(pan('4', 20), 'bad_length');
    panRejected(pan('4', 1), 'bad_length');
    panRejected('4'.repeat(1000), 'bad_length');
  });

  it('counts length after stripping separators', () => {
    const twelve = pan('4', 12);
    panRejected(`${twelve.slice(0, 4)} ${twelve.slice(4)}`, 'bad_length');
    const thirteen = pan('4', 13);
    assert.equal(normalized(`${thirteen.slice(0, 4)} ${thirteen.slice(4)}`), thirteen);
  });

  it('rejects a bad checksum', () => {
    panRejected('4111111111111112', 'bad_checksum');
    panRejected('4111 1111 1111 1112', 'bad_checksum');
  });

  it('accepts exactly the Luhn-valid digit strings of 13 to 19 digits', () => {
    fc.assert(
      fc.property(digits(10, 22), (d) => {
        const result = normalizePan(d);
        const expected = d.length < 13 || d.length > 19 ? 'bad_length' : luhnValid(d) ? null : 'bad_checksum';
        if (expected === null) assert.deepEqual(result, { ok: true, value: d });
        else assert.deepEqual(result, { ok: false, error: expected });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('cardBrand', () => {
  const cases: [string, CardBrand][] = [
    ['4', 'visa'],
    ['4111', 'visa'],
    ['49', 'visa'],
    // mastercard 51-55
    ['50', 'maestro'],
    ['51', 'mastercard'],
    ['53', 'mastercard'],
    ['55', 'mastercard'],
    ['56', 'maestro'],
    // mastercard 2221-2720
    ['2220', 'unknown'],
    ['2221', 'mastercard'],
    ['2500', 'mastercard'],
    ['2720', 'mastercard'],
    ['2721', 'unknown'],
    // mir 2200-2204
    ['2199', 'unknown'],
    ['2200', 'mir'],
    ['2202', 'mir'],
    ['2204', 'mir'],
    ['2205', 'unknown'],
    // amex
    ['33', 'unknown'],
    ['34', 'amex'],
    ['35', 'unknown'],
    ['36', 'unknown'],
    ['37', 'amex'],
    ['38', 'unknown'],
    // jcb 3528-3589
    ['3527', 'unknown'],
    ['3528', 'jcb'],
    ['3589', 'jcb'],
    ['3590', 'unknown'],
    // unionpay
    ['61', 'maestro'],
    ['62', 'unionpay'],
    ['63', 'maestro'],
    // maestro 50, 56-69
    ['57', 'maestro'],
    ['67', 'maestro'],
    ['69', 'maestro'],
    ['70', 'unknown'],
    ['1', 'unknown'],
    ['0', 'unknown'],
    ['9', 'unknown'],
  ];

  it('recognises each brand on both sides of its range', () => {
    for (const [prefix, brand] of cases) {
      for (const length of [13, 16, 19])
        assert.equal(cardBrand(pan(prefix, length)), brand, `${prefix}… (${length})`);
    }
  });

  it('recognises well-known test cards', () => {
    assert.equal(cardBrand('4111111111111111'), 'visa');
    assert.equal(cardBrand('5555555555554444'), 'mastercard');
    assert.equal(cardBrand('2200000000000004'), 'mir');
    assert.equal(cardBrand('378282246310005'), 'amex');
    assert.equal(cardBrand('3530111333300000'), 'jcb');
    assert.equal(cardBrand('6200000000000005'), 'unionpay');
  });

  it('is unknown for an empty string', () => {
    assert.equal(cardBrand(''), 'unknown');
  });
});

describe('maskPan', () => {
  it('keeps the first six and last four of a 16-digit PAN', () => {
    assert.equal(maskPan('4111111111111111'), '411111******1111');
  });

  it('keeps the length of 13- and 19-digit PANs', () => {
    const thirteen = pan('4', 13);
    const nineteen = pan('4', 19);
    assert.equal(maskPan(thirteen), `${thirteen.slice(0, 6)}***${thirteen.slice(-4)}`);
    assert.equal(maskPan(thirteen).length, 13);
    assert.equal(maskPan(nineteen), `${nineteen.slice(0, 6)}*********${nineteen.slice(-4)}`);
    assert.equal(maskPan(nineteen).length, 19);
  });

  it('never shows more than the first six and last four', () => {
    fc.assert(
      fc.property(digits(13, 19), (p) => {
        const mask = maskPan(p);
        assert.equal(mask.length, p.length);
        assert.equal(mask.slice(0, 6), p.slice(0, 6));
        assert.equal(mask.slice(-4), p.slice(-4));
        assert.match(mask.slice(6, -4), /^\*+$/);
      }),
    );
  });
});

describe('parseExpiry', () => {
  it('accepts MM/YY, MM/YYYY and MMYY', () => {
    assert.deepEqual(expiry('11/26'), { month: 11, year: 2026 });
    assert.deepEqual(expiry('11/2026'), { month: 11, year: 2026 });
    assert.deepEqual(expiry('1126'), { month: 11, year: 2026 });
    assert.deepEqual(expiry('01/30'), { month: 1, year: 2030 });
    assert.deepEqual(expiry(' 12 / 29 '), { month: 12, year: 2029 });
    assert.deepEqual(expiry('12/00'), { month: 12, year: 2000 });
  });

  it('accepts separate month and year as strings or numbers', () => {
    assert.deepEqual(expiry('11', '26'), { month: 11, year: 2026 });
    assert.deepEqual(expiry('1', '2026'), { month: 1, year: 2026 });
    assert.deepEqual(expiry('01', '26'), { month: 1, year: 2026 });
    assert.deepEqual(expiry(11, 2026), { month: 11, year: 2026 });
    assert.deepEqual(expiry(3, 27), { month: 3, year: 2027 });
  });

  it('accepts months 1 and 12 and rejects 0 and 13', () => {
    assert.equal(expiry('01/26').month, 1);
    assert.equal(expiry('12/26').month, 12);
    expiryRejected('00/26');
    expiryRejected('13/26');
    expiryRejected('0026');
    expiryRejected('1326');
    expiryRejected(0, 2026);
    expiryRejected(13, 2026);
    expiryRejected('0', '26');
    expiryRejected('13', '26');
  });

  it('rejects malformed text', () => {
    for (const text of [
      '',
      '/',
      '1/26',
      '11/6',
      '11/026',
      '11/20266',
      '112',
      '11266',
      '11-26',
      'ab/cd',
      '11/26/',
    ]) {
      expiryRejected(text);
    }
    expiryRejected('11', '6');
    expiryRejected('11', '026');
    expiryRejected('011', '26');
    expiryRejected('-1', '26');
    expiryRejected('1.5', '26');
    expiryRejected(11, -26);
  });

  it('parses whatever formatExpiry prints back to the same expiry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2000, max: 2099 }), (month, year) => {
        const e = { month, year };
        assert.deepEqual(expiry(formatExpiry(e)), e);
        assert.deepEqual(expiry(String(month), String(year)), e);
      }),
    );
  });
});

describe('isExpired', () => {
  const nov26 = { month: 11, year: 2026 };

  it('keeps a card valid through the last day of its month', () => {
    assert.equal(isExpired(nov26, new Date('2026-11-01T00:00:00Z')), false);
    assert.equal(isExpired(nov26, new Date('2026-11-30T00:00:00Z')), false);
    assert.equal(isExpired(nov26, new Date('2026-11-30T23:59:59.999Z')), false);
    assert.equal(isExpired(nov26, new Date('2026-12-01T00:00:00Z')), true);
  });

  it('crosses the year boundary correctly', () => {
    const dec26 = { month: 12, year: 2026 };
    assert.equal(isExpired(dec26, new Date('2026-12-31T23:59:59.999Z')), false);
    assert.equal(isExpired(dec26, new Date('2027-01-01T00:00:00Z')), true);
    assert.equal(isExpired({ month: 1, year: 2027 }, new Date('2026-12-31T23:59:59.999Z')), false);
  });

  it('is not expired for earlier dates and expired for later years', () => {
    assert.equal(isExpired(nov26, new Date('2025-12-31T00:00:00Z')), false);
    assert.equal(isExpired(nov26, new Date('2027-01-01T00:00:00Z')), true);
    assert.equal(isExpired(nov26, new Date('2027-10-01T00:00:00Z')), true);
  });

  it('expires exactly at the first instant of the next month, in UTC', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 2000, max: 2099 }),
        fc.date({
          min: new Date('1999-01-01T00:00:00Z'),
          max: new Date('2101-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (month, year, now) => {
          const firstInvalid = Date.UTC(year, month, 1); // month is 1-based, so this is the next month
          assert.equal(isExpired({ month, year }, now), now.getTime() >= firstInvalid);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('validCvc', () => {
  it('wants four digits for amex', () => {
    assert.equal(validCvc('1234', 'amex'), true);
    assert.equal(validCvc('0000', 'amex'), true);
    assert.equal(validCvc('123', 'amex'), false);
    assert.equal(validCvc('12345', 'amex'), false);
  });

  it('wants three digits for every other brand', () => {
    const others: CardBrand[] = ['visa', 'mastercard', 'mir', 'unionpay', 'jcb', 'maestro', 'unknown'];
    for (const brand of others) {
      assert.equal(validCvc('123', brand), true, brand);
      assert.equal(validCvc('000', brand), true, brand);
      assert.equal(validCvc('12', brand), false, brand);
      assert.equal(validCvc('1234', brand), false, brand);
    }
  });

  it('rejects non-digits and padding', () => {
    for (const cvc of ['', '12a', ' 123', '123 ', '1 2 3', '12.', '١٢٣', '123\n']) {
      assert.equal(validCvc(cvc, 'visa'), false, JSON.stringify(cvc));
    }
    assert.equal(validCvc('123a', 'amex'), false);
    assert.equal(validCvc('1234\n', 'amex'), false);
  });
});

describe('cardView', () => {
  it('shows mask, bin, last four, brand and expiry, never the full PAN', () => {
    const view = cardView('4111111111111111', { month: 3, year: 2027 }, 'IVAN IVANOV');
    assert.deepEqual(view, {
      mask: '411111******1111',
      bin: '411111',
      last4: '1111',
      brand: 'visa',
      expiry: '03/27',
      holder: 'IVAN IVANOV',
    });
    assert.ok(!JSON.stringify(view).includes('4111111111111111'));
  });
});
