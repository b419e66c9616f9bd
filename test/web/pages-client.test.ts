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
      { pan: '4111 1111 1111 1111', exp: '12/30', cvc: '123', holder: 'JOSÉ MÜLLER' },
      { pan: '4111 1111 1111 1111', exp: '12/30', cvc: '123', holder: 'Zoë Ørsted' },
      { pan: '4111 1111 1111 1111', exp: '12/30', cvc: '123', holder: 'A\u0301NGEL' },
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

  test('accents are dropped before the Latin-only check, in the browser as on the server', () => {
    const fields = (holder: string) => ({ pan: '4111111111111111', exp: '12/30', cvc: '123', holder });
    for (const holder of ['JOSÉ MÜLLER', 'josé müller', 'Jose\u0301 Mu\u0308ller', 'FRANÇOIS CÔTÉ']) {
      assert.equal(clientErrors(fields(holder)).holder, undefined, holder);
      assert.ok(validateCardForm(fields(holder), now).ok, holder);
    }
    const stored = validateCardForm(fields('  José   Müller '), now);
    assert.ok(stored.ok && stored.value.holder === 'JOSE MULLER');
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

/** WCAG 2.x relative luminance and contrast of two `#rrggbb` colours. */
const luminance = (hex: string): number => {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe('pay.css contrast (WCAG 2.1 AA)', () => {
  const css = readFileSync(new URL('../../src/web/pages/assets/pay.css', import.meta.url), 'utf8');
  const variable = (name: string): string => {
    const m = new RegExp(`${name}:\\s*(#[0-9a-f]{6});`, 'i').exec(css);
    assert.ok(m, name);
    return m[1]!;
  };
  /** The colour a rule sets for `property`, resolving `var(--x)`. */
  const colour = (selector: string, property: string): string => {
    const start = css.indexOf(`\n${selector} {`);
    assert.ok(start >= 0, selector);
    const rule = css.slice(start, css.indexOf('}', start));
    const value = new RegExp(`\\s${property}:\\s*([^;]+);`).exec(rule)?.[1]?.trim();
    assert.ok(value, `${selector} ${property}`);
    const ref = /^var\((--[\w-]+)\)$/.exec(value);
    return ref ? variable(ref[1]!) : value;
  };

  test('text 4.5:1, input borders 3:1, on the backgrounds they sit on', () => {
    const page = variable('--bg');
    const white = '#ffffff';
    const checks: [string, string, string, number][] = [
      ['footer text on the page', colour('.footer', 'color'), page, 4.5],
      ['placeholder', colour('.field input::placeholder', 'color'), white, 4.5],
      ['input border', variable('--line'), white, 3],
      ['muted text on the page', variable('--muted'), page, 4.5],
    ];
    for (const [what, fg, bg, min] of checks)
      assert.ok(
        contrast(fg, bg) >= min,
        `${what}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1, below ${min}:1`,
      );
    assert.match(colour('.field input', 'border'), /var\(--line\)/);
  });
});
