import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  accountCheckDigit,
  type BankDetailError,
  innCheckDigits,
  validateAccount,
  validateBic,
  validateInn,
  validateKpp,
} from '../../src/domain/bank-details.ts';

const valid = (result: { ok: boolean }, what: string) => assert.equal(result.ok, true, what);
const invalid = (result: unknown, error: BankDetailError, what: string) =>
  assert.deepEqual(result, { ok: false, error }, what);

const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
/** Another digit than `d`. */
const otherDigit = (d: string, shift: number) => String((Number(d) + 1 + (shift % 9)) % 10);
const withDigit = (text: string, i: number, d: string) => text.slice(0, i) + d + text.slice(i + 1);

describe('INN', () => {
  it('accepts real ones (companies: 10 digits, people: 12)', () => {
    for (const inn of ['7707083893', '7728168971', '500100732259', '773370857141'])
      valid(validateInn(inn), inn);
  });

  it('refuses a wrong check digit, a wrong length, non-digits', () => {
    invalid(validateInn('7707083894'), 'bad_checksum', 'company, last digit');
    invalid(validateInn('500100732258'), 'bad_checksum', 'person, 12th digit');
    invalid(validateInn('500100732269'), 'bad_checksum', 'person, 11th digit');
    invalid(validateInn('770708389'), 'bad_length', '9 digits');
    invalid(validateInn('77070838931'), 'bad_length', '11 digits');
    invalid(validateInn('7707 83893'), 'not_digits', 'a space');
    invalid(validateInn(''), 'not_digits', 'empty');
  });

  it('completes any body, and a changed check digit is refused', () => {
    fc.assert(
      fc.property(fc.oneof(digits(9), digits(10)), fc.nat(), (body, shift) => {
        const inn = body + innCheckDigits(body);
        valid(validateInn(inn), inn);
        const last = inn.length - 1;
        invalid(validateInn(withDigit(inn, last, otherDigit(inn[last]!, shift))), 'bad_checksum', inn);
      }),
    );
  });
});

describe('KPP', () => {
  it('accepts digits, and letters in the reason code (since 2019)', () => {
    for (const kpp of ['773601001', '434501001', '7736AB001']) valid(validateKpp(kpp), kpp);
  });

  it('refuses other forms', () => {
    invalid(validateKpp('77360100'), 'bad_length', '8');
    invalid(validateKpp('7736010011'), 'bad_length', '10');
    invalid(validateKpp('7736ab001'), 'bad_format', 'lowercase');
    invalid(validateKpp('A73601001'), 'bad_format', 'a letter in the office code');
    invalid(validateKpp('77360100A'), 'bad_format', 'a letter in the number');
  });
});

describe('BIC', () => {
  it('accepts Russian BICs (04…)', () => {
    for (const bic of ['044525225', '043304728', '044030827']) valid(validateBic(bic), bic);
  });

  it('refuses others', () => {
    invalid(validateBic('054525225'), 'bad_format', 'not 04');
    invalid(validateBic('04452522'), 'bad_length', '8 digits');
    invalid(validateBic('0445252250'), 'bad_length', '10 digits');
    invalid(validateBic('04452522X'), 'not_digits', 'a letter');
  });
});

describe('accounts keyed with the BIC', () => {
  it('accepts real correspondent accounts', () => {
    valid(validateAccount('30101810400000000225', '044525225', 'correspondent'), 'Sberbank');
    valid(validateAccount('30101810200000000827', '044030827', 'correspondent'), 'a Saint Petersburg bank');
  });

  it("keys a settlement account with the BIC's last three digits (a published sample)", () => {
    // a validator's published pair (account 50286516400000008106, BIC …286): its 9th digit is 4
    assert.equal(accountCheckDigit('50286516400000008106', '823397286'), '4');
  });

  it('refuses a correspondent account keyed as a settlement one, and the reverse', () => {
    const account = '30101810400000000225';
    invalid(
      validateAccount(account, '044525225', 'settlement'),
      'bad_checksum',
      'Sberbank corr as settlement',
    );
    const settlement = withDigit(
      '40702810000000060473',
      8,
      accountCheckDigit('40702810000000060473', '044525225'),
    );
    valid(validateAccount(settlement, '044525225'), settlement);
    invalid(validateAccount(settlement, '044525225', 'correspondent'), 'bad_format', 'not 30101');
  });

  it('refuses a correspondent account outside 30101', () => {
    const account = withDigit(
      '40101810000000000225',
      8,
      accountCheckDigit('40101810000000000225', '044525225', 'correspondent'),
    );
    invalid(validateAccount(account, '044525225', 'correspondent'), 'bad_format', account);
  });

  it("keys accounts at a Bank of Russia division (BIC ending below 050) with 0 and the BIC's 5th–6th digits", () => {
    const bic = '044525000';
    const body = '40302810000000000001';
    const atDivision = withDigit(body, 8, accountCheckDigit(body, bic));
    valid(validateAccount(atDivision, bic), atDivision);
    // the same digits keyed with the bank-number rule ("000") would differ
    const asBank = withDigit(body, 8, accountCheckDigit(body, '044525050'));
    assert.notEqual(asBank, atDivision);
    invalid(validateAccount(asBank, bic), 'bad_checksum', asBank);
  });

  it('refuses wrong lengths, non-digits and a bad BIC', () => {
    invalid(validateAccount('3010181040000000022', '044525225', 'correspondent'), 'bad_length', '19 digits');
    invalid(
      validateAccount('301018104000000002250', '044525225', 'correspondent'),
      'bad_length',
      '21 digits',
    );
    invalid(validateAccount('3010181040000000022X', '044525225', 'correspondent'), 'not_digits', 'a letter');
    invalid(validateAccount('30101810400000000225', '144525225', 'correspondent'), 'bad_format', 'bad BIC');
  });

  it('completes any account, and any one changed digit of account or BIC number is refused', () => {
    fc.assert(
      fc.property(
        digits(20),
        digits(7),
        fc.integer({ min: 0, max: 22 }),
        fc.nat(),
        (raw, bicTail, at, shift) => {
          const bic = `04${bicTail.slice(0, 4)}${String(50 + (Number(bicTail.slice(4)) % 950)).padStart(3, '0')}`;
          const account = withDigit(raw, 8, accountCheckDigit(raw, bic));
          valid(validateAccount(account, bic), `${account} ${bic}`);
          // the 23 keyed digits: the BIC's last three, then the account's twenty
          if (at >= 3) {
            const i = at - 3;
            invalid(
              validateAccount(withDigit(account, i, otherDigit(account[i]!, shift)), bic),
              'bad_checksum',
              account,
            );
          } else {
            const i = 6 + at;
            const otherBic = withDigit(bic, i, otherDigit(bic[i]!, shift));
            fc.pre(Number(otherBic.slice(6)) >= 50);
            invalid(validateAccount(account, otherBic), 'bad_checksum', `${account} ${otherBic}`);
          }
        },
      ),
    );
  });
});
