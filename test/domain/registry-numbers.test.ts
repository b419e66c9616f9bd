import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snilsCheckDigits, validateOgrn, validateSnils } from '../../src/domain/registry-numbers.ts';

describe('OGRN and OGRNIP', () => {
  it('accepts real ones', () => {
    assert.equal(validateOgrn('1027700132195', 'company').ok, true); // Sberbank
    assert.equal(validateOgrn('1027739609391', 'company').ok, true); // VTB
    assert.equal(validateOgrn('304500116000157', 'sole_trader').ok, true);
  });

  it('refuses a changed check digit, a wrong length for the kind, non-digits', () => {
    assert.deepEqual(validateOgrn('1027700132196', 'company'), { ok: false, error: 'bad_checksum' });
    assert.deepEqual(validateOgrn('304500116000158', 'sole_trader'), { ok: false, error: 'bad_checksum' });
    assert.deepEqual(validateOgrn('1027700132195', 'sole_trader'), { ok: false, error: 'bad_length' });
    assert.deepEqual(validateOgrn('304500116000157', 'company'), { ok: false, error: 'bad_length' });
    assert.deepEqual(validateOgrn('10277001321 5', 'company'), { ok: false, error: 'not_digits' });
  });
});

describe('SNILS', () => {
  it('accepts the standard sample, as written or bare', () => {
    assert.deepEqual(validateSnils('112-233-445 95'), { ok: true, value: '11223344595' });
    assert.deepEqual(validateSnils('11223344595'), { ok: true, value: '11223344595' });
  });

  it('refuses a wrong check number, length or characters', () => {
    assert.deepEqual(validateSnils('112-233-445 96'), { ok: false, error: 'bad_checksum' });
    assert.deepEqual(validateSnils('1122334459'), { ok: false, error: 'bad_length' });
    assert.deepEqual(validateSnils('112-233-445 9X'), { ok: false, error: 'not_digits' });
  });

  it('takes any check number for the old numbers up to 001-001-998', () => {
    assert.equal(validateSnils('001-001-998 00').ok, true);
    assert.deepEqual(validateSnils('001-001-999 00').ok, snilsCheckDigits('001001999') === '00');
  });

  it('folds weighted sums: below 100 as is, 100 and 101 to 00, larger ones mod 101 (100 → 00)', () => {
    // bodies found by search for each weighted sum 9·d1 + 8·d2 + … + 1·d9
    const cases: [body: string, sum: number, check: string][] = [
      ['002118785', 99, '99'],
      ['002506816', 100, '00'],
      ['002229651', 101, '00'],
      ['002158380', 102, '01'],
      ['007994683', 201, '00'],
      ['296998588', 302, '00'],
    ];
    for (const [body, sum, check] of cases) {
      assert.equal(
        [...body].reduce((s, c, i) => s + Number(c) * (9 - i), 0),
        sum,
        body,
      );
      assert.equal(snilsCheckDigits(body), check, body);
      assert.equal(validateSnils(body + check).ok, true, body);
    }
  });
});
