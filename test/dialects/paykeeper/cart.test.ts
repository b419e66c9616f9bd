import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CartLine,
  cartItemTypes,
  cartLimits,
  cartPaymentTypes,
  cartTaxes,
  checkCartTotal,
  parseCart,
  parseServiceName,
} from '../../../src/dialects/paykeeper/cart.ts';
import { JsonNumber, parseExactJson } from '../../../src/dialects/paykeeper/exact-json.ts';

const line = (more: Record<string, unknown> = {}) => ({
  name: 'Товар',
  price: 100.5,
  quantity: 2,
  sum: 201,
  tax: 'vat20',
  ...more,
});
const cartText = (...lines: unknown[]) => JSON.stringify(lines);
const lines = (text: string): CartLine[] => {
  const r = parseCart(text);
  if (!r.ok) assert.fail(JSON.stringify(r.error));
  return r.value;
};
const problem = (text: string) => {
  const r = parseCart(text);
  assert.equal(r.ok, false, text);
  return r.ok ? null : r.error;
};

describe('PayKeeper cart (54-FZ lines)', () => {
  it('reads numbers exactly, as JSON numbers or strings', () => {
    const [a, b] = lines(
      '[{"name":"Товар","price":300.3,"quantity":1,"sum":300.30,"tax":"vat20","item_type":"goods","payment_type":"full"},' +
        '{"name":"Доставка","price":"0.10","quantity":"0.5","sum":"0.05","tax":"none"}]',
    );
    assert.deepEqual(a, {
      name: 'Товар',
      priceMinor: 30030n,
      quantity: '1',
      sumMinor: 30030n,
      tax: 'vat20',
      itemType: 'goods',
      paymentType: 'full',
    });
    assert.equal(b?.priceMinor, 10n);
    assert.equal(b?.quantity, '0.5');
    assert.equal(b?.itemType, null);
  });

  it('never reads through a double: 0.1 + 0.2 is 30 kopecks', () => {
    const total = lines(
      cartText(line({ price: 0.1, quantity: 1, sum: 0.1 }), line({ price: 0.2, quantity: 1, sum: 0.2 })),
    );
    assert.deepEqual(checkCartTotal(total, 30n), { ok: true, value: undefined });
  });

  it('accepts the cart encoded once more as a JSON string', () => {
    assert.equal(lines(JSON.stringify(cartText(line()))).length, 1);
  });

  it('accepts every enumerated tax, item_type and payment_type', () => {
    for (const tax of cartTaxes) assert.equal(lines(cartText(line({ tax })))[0]?.tax, tax);
    for (const t of cartItemTypes) assert.equal(lines(cartText(line({ item_type: t })))[0]?.itemType, t);
    for (const t of cartPaymentTypes)
      assert.equal(lines(cartText(line({ payment_type: t })))[0]?.paymentType, t);
  });

  it('names the line and field of each failure', () => {
    assert.deepEqual(problem(cartText(line(), line({ tax: 'vat19' }))), {
      line: 2,
      field: 'tax',
      problem: 'tax_invalid',
    });
    assert.deepEqual(problem(cartText(line({ item_type: 'thing' }))), {
      line: 1,
      field: 'item_type',
      problem: 'item_type_invalid',
    });
    assert.deepEqual(problem(cartText(line({ payment_type: 'later' }))), {
      line: 1,
      field: 'payment_type',
      problem: 'payment_type_invalid',
    });
    assert.deepEqual(problem(cartText(line({ name: '' }))), {
      line: 1,
      field: 'name',
      problem: 'name_missing',
    });
    assert.deepEqual(problem(cartText(line({ name: undefined }))), {
      line: 1,
      field: 'name',
      problem: 'name_missing',
    });
    assert.deepEqual(problem(cartText(line({ price: -1 }))), {
      line: 1,
      field: 'price',
      problem: 'number_invalid',
    });
    assert.deepEqual(problem(cartText(line({ price: '1,50' }))), {
      line: 1,
      field: 'price',
      problem: 'number_invalid',
    });
    assert.deepEqual(problem(cartText(line({ sum: 1.005 }))), {
      line: 1,
      field: 'sum',
      problem: 'number_invalid',
    });
    assert.deepEqual(problem(cartText(line({ sum: true }))), {
      line: 1,
      field: 'sum',
      problem: 'number_invalid',
    });
    assert.deepEqual(problem(cartText(line({ quantity: 0 }))), {
      line: 1,
      field: 'quantity',
      problem: 'quantity_zero',
    });
    assert.deepEqual(problem(cartText(line({ quantity: '0.0001' }))), {
      line: 1,
      field: 'quantity',
      problem: 'number_invalid',
    });
    assert.deepEqual(problem(cartText(line(), 'x')), { line: 2, problem: 'not_an_object' });
  });

  it('name: 128 characters fine, 129 not (counted as characters, not bytes)', () => {
    assert.equal(lines(cartText(line({ name: 'я'.repeat(cartLimits.nameLengthMax) })))[0]?.name.length, 128);
    assert.deepEqual(problem(cartText(line({ name: 'я'.repeat(129) }))), {
      line: 1,
      field: 'name',
      problem: 'name_too_long',
    });
  });

  it('refuses what is not a cart', () => {
    assert.deepEqual(problem('{"name":"x"}'), { problem: 'not_json' });
    assert.deepEqual(problem('[{'), { problem: 'not_json' });
    assert.deepEqual(problem('[]'), { problem: 'empty' });
    assert.deepEqual(
      problem(JSON.stringify(JSON.stringify(cartText(line())))),
      { problem: 'not_json' },
      'three layers',
    );
    assert.deepEqual(problem(cartText(...Array(cartLimits.linesMax + 1).fill(line()))), {
      problem: 'too_many_lines',
    });
    assert.equal(lines(cartText(...Array(cartLimits.linesMax).fill(line()))).length, cartLimits.linesMax);
  });

  it('the lines must add up to the payment amount, to the kopeck', () => {
    const two = lines(cartText(line(), line({ price: 50, quantity: 1, sum: 50 })));
    assert.equal(checkCartTotal(two, 25100n).ok, true);
    assert.deepEqual(checkCartTotal(two, 25101n), { ok: false, error: { problem: 'total_mismatch' } });
    assert.deepEqual(checkCartTotal(two, 25099n), { ok: false, error: { problem: 'total_mismatch' } });
  });
});

describe('PayKeeper service_name', () => {
  it('plain text stays plain text, even when it looks like other JSON', () => {
    for (const text of ['Оплата заказа №42', '[1,2]', '{not json', '"quoted"', ''])
      assert.deepEqual(parseServiceName(text), {
        ok: true,
        value: { text, userResultCallback: null, lang: null, receiptProperties: null, cart: null },
      });
  });

  it('JSON carries the name, callback, lang, receipt properties and the cart (as an array or a string)', () => {
    const cart = [line()];
    for (const c of [cart, JSON.stringify(cart)]) {
      const r = parseServiceName(
        JSON.stringify({
          service_name: 'Заказ 42',
          user_result_callback: 'https://shop.example/done',
          lang: 'en',
          receipt_properties: { client: { inn: '7700000000' }, amount: 201.0 },
          cart: c,
        }),
      );
      assert.ok(r.ok);
      assert.equal(r.value.text, 'Заказ 42');
      assert.equal(r.value.userResultCallback, 'https://shop.example/done');
      assert.equal(r.value.lang, 'en');
      assert.equal(r.value.cart?.[0]?.sumMinor, 20100n);
      assert.deepEqual(r.value.receiptProperties, {
        client: { inn: '7700000000' },
        amount: new JsonNumber('201'),
      });
    }
  });

  it('a bad cart inside service_name fails with its line', () => {
    const r = parseServiceName(JSON.stringify({ service_name: 'x', cart: [line({ tax: 'vat19' })] }));
    assert.deepEqual(r, { ok: false, error: { line: 1, field: 'tax', problem: 'tax_invalid' } });
  });

  it('an empty cart field is no cart', () => {
    const r = parseServiceName('{"service_name":"x","cart":""}');
    assert.equal(r.ok && r.value.cart, null);
  });
});

describe('exact JSON for form fields', () => {
  it('keeps numbers as text, last duplicate key wins, escapes decode', () => {
    assert.deepEqual(parseExactJson('{"a":1.10,"a":2.50,"s":"\\u0422\\n","n":null,"t":true,"l":[1e2,-0]}'), {
      ok: true,
      value: {
        a: new JsonNumber('2.50'),
        s: 'Т\n',
        n: null,
        t: true,
        l: [new JsonNumber('1e2'), new JsonNumber('-0')],
      },
    });
    assert.deepEqual(parseExactJson('12345678901234567890.01'), {
      ok: true,
      value: new JsonNumber('12345678901234567890.01'),
    });
  });

  it('a string holding U+0000 is not JSON here (PostgreSQL cannot store it)', () => {
    assert.deepEqual(parseExactJson('{"name":"a\\u0000b"}'), { ok: false, error: 'not_json' });
    assert.deepEqual(problem(cartText(line({ name: 'a\u0000b' }))), { problem: 'not_json' });
    const r = parseServiceName('{"service_name":"a\\u0000"}');
    assert.ok(r.ok);
    assert.equal(r.value.text.includes('\u0000'), false, 'kept as plain text, escape and all');
  });

  it('a __proto__ key is data, not a prototype', () => {
    const r = parseExactJson('{"__proto__":{"polluted":1}}');
    assert.ok(r.ok);
    assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
    assert.deepEqual(Object.keys(r.value as object), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses malformed text and nesting beyond the bound', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', '01', '1.', '"x', 'tru', '[1] 2', "{'a':1}"])
      assert.deepEqual(parseExactJson(bad), { ok: false, error: 'not_json' }, bad);
    assert.equal(parseExactJson(`${'['.repeat(16)}${']'.repeat(16)}`).ok, true);
    assert.equal(parseExactJson(`${'['.repeat(18)}${']'.repeat(18)}`).ok, false);
  });
});
