import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { testCards } from '../../src/acquiring/test-cards.ts';
import { cardBrand, luhnValid } from '../../src/domain/card.ts';
import { validateCardForm } from '../../src/web/pages/card-form.ts';

/**
 * pay.js checks the card in the browser with rules copied from the server (there is no
 * bundler to share them). These tests hold the copy to the original: same brand, same Luhn,
 * same error code per field, for the test cards and for whatever fast-check makes up.
 */
type Fields = { pan: string; exp: string; cvc: string; holder: string };
type KopekCard = {
  brandOf(pan: string): string;
  luhnValid(digits: string): boolean;
  formatPan(digits: string): string;
  formatExpiry(value: string, deleting: boolean): string;
  checkCard(fields: Fields, now: Date): Record<string, string>;
};

const sandbox: { kopekCard?: KopekCard } = {};
runInNewContext(readFileSync(new URL('../../src/web/pages/assets/pay.js', import.meta.url), 'utf8'), sandbox);
const client = sandbox.kopekCard!;
const now = new Date(Date.UTC(2026, 10, 23));

const serverErrors = (fields: Fields): Record<string, string> => {
  const checked = validateCardForm(fields, now);
  return checked.ok ? {} : { ...checked.error };
};
// The vm context has its own Object prototype: compare plain copies.
const clientErrors = (fields: Fields): Record<string, string> => ({ ...client.checkCard(fields, now) });

describe('pay.js mirrors the server-side card rules', () => {
  test('brand and Luhn agree on every test card and on random numbers', () => {
    for (const card of testCards) {
      assert.equal(client.brandOf(card.pan), cardBrand(card.pan), card.pan);
      assert.equal(client.luhnValid(card.pan), true, card.pan);
    }
    fc.assert(
      fc.property(fc.stringMatching(/^\d{13,19}$/), (pan) => {
        assert.equal(client.brandOf(pan), cardBrand(pan));
        assert.equal(client.luhnValid(pan), luhnValid(pan));
      }),
    );
  });

  test('the same error codes for the same fields', () => {
    const cases: Fields[] = [
      { pan: '4111 1111 1111 1111', exp: '12/30', cvc: '123', holder: 'IVAN IVANOV' },
      { pan: '4111111111111112', exp: '13/30', cvc: '12', holder: 'Иван' },
      { pan: '', exp: '', cvc: '', holder: '' },
      { pan: '3782 822463 10005', exp: '11/26', cvc: '123', holder: "O'NEIL-SMITH JR." },
      { pan: '3782 822463 10005', exp: '10/26', cvc: '1234', holder: ' a ' },
      { pan: 'abcd', exp: '0/30', cvc: 'abc', holder: '1VAN' },
      { pan: '2200 0000 0000 0004', exp: '12/2031', cvc: '000', holder: 'X'.repeat(101) },
    ];
    for (const fields of cases)
      assert.deepEqual(clientErrors(fields), serverErrors(fields), JSON.stringify(fields));
    fc.assert(
      fc.property(
        fc.record({
          pan: fc.oneof(fc.stringMatching(/^[\d ]{0,22}$/), fc.constantFrom(...testCards.map((c) => c.pan))),
          exp: fc.stringMatching(/^\d{0,2}\/?\d{0,4}$/),
          cvc: fc.stringMatching(/^\d{0,5}$/),
          holder: fc.stringMatching(/^[A-Za-z .'-]{0,5}$/),
        }),
        (fields) => assert.deepEqual(clientErrors(fields), serverErrors(fields), JSON.stringify(fields)),
      ),
    );
  });

  test('live formatting groups the number by brand and builds MM/YY', () => {
    assert.equal(client.formatPan('4111111111111111'), '4111 1111 1111 1111');
    assert.equal(client.formatPan('378282246310005'), '3782 822463 10005');
    assert.equal(client.formatPan('22000'), '2200 0');
    assert.equal(client.formatExpiry('4', false), '04/');
    assert.equal(client.formatExpiry('12', false), '12/');
    assert.equal(client.formatExpiry('12', true), '12');
    assert.equal(client.formatExpiry('1228', false), '12/28');
    assert.equal(client.formatExpiry('12/289', false), '12/28');
    assert.equal(client.formatExpiry('12/2031', false), '12/31', 'autofill with a four-digit year');
  });
});
