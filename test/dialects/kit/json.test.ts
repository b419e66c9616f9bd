import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  approximate,
  ExactNumber,
  isExactAsDouble,
  readJson,
  writeJson,
} from '../../../src/dialects/kit/json.ts';

const exact = (value: unknown) => (value instanceof ExactNumber ? value.text : `not exact: ${String(value)}`);

describe('kit: reading JSON numbers from their text', () => {
  it('keeps a number a double would round as its digits', () => {
    const body = readJson('{"amount":10.00999999999999999999}') as { amount: unknown };
    assert.equal(exact(body.amount), '10.00999999999999999999');
  });
  it('leaves numbers a double holds as written as plain numbers, trailing zeros and exponents too', () => {
    assert.deepEqual(
      readJson('[100.50,0.1,-3,0,-0,1e2,1.5E-7,1234567890123456,1e21]'),
      [100.5, 0.1, -3, 0, -0, 100, 1.5e-7, 1234567890123456, 1e21],
    );
    assert.ok(Object.is((readJson('[-0]') as number[])[0], -0));
  });
  it('keeps huge, negative and exponent forms that a double would change', () => {
    const [huge, negative, exponent, tiny, overflow] = readJson(
      '[123456789012345678901234567890, -0.30000000000000000001, 1.00000000000000000001e3, 1e-400, 1e400]',
    ) as unknown[];
    assert.equal(exact(huge), '123456789012345678901234567890');
    assert.equal(exact(negative), '-0.30000000000000000001');
    assert.equal(exact(exponent), '1.00000000000000000001e3');
    assert.equal(exact(tiny), '1e-400');
    assert.equal(exact(overflow), '1e400');
  });
  it('finds numbers inside nested objects and arrays, never inside strings', () => {
    const body = readJson(
      '{"a":{"b":[1,2.000000000000000000001]},"s":"2.000000000000000000001","k":"\\"9.99999999999999999999"}',
    ) as {
      a: { b: unknown[] };
      s: string;
      k: string;
    };
    assert.equal(body.a.b[0], 1);
    assert.equal(exact(body.a.b[1]), '2.000000000000000000001');
    assert.equal(body.s, '2.000000000000000000001');
    assert.equal(body.k, '"9.99999999999999999999');
  });
  it('refuses what JSON.parse refuses: leading zeros, a bare dot, trailing commas', () => {
    for (const text of ['{"a":01}', '[.5]', '[1.]', '[1,]', '{"a":+1}', '[0x10]', '[NaN]'])
      assert.throws(() => readJson(text), SyntaxError, text);
  });
  it('cannot be fooled by a string that looks like the internal marker', () => {
    const body = readJson('["\\u0000x:1", 1.00000000000000000001]') as unknown[];
    assert.equal(body[0], '\u0000x:1');
  });
  it('says which texts a double keeps', () => {
    assert.equal(isExactAsDouble('100.50'), true);
    assert.equal(isExactAsDouble('9007199254740993'), false);
    assert.equal(isExactAsDouble('0.1'), true);
    assert.equal(isExactAsDouble('1e999'), false);
  });
  it('approximates exact numbers for checks that only look at types', () => {
    const value = { a: [new ExactNumber('1.00000000000000000001')], b: 'x' };
    assert.deepEqual(approximate(value), { a: [1], b: 'x' });
    const plain = { a: 1 };
    assert.equal(approximate(plain), plain);
  });
});

describe('kit: writing JSON', () => {
  it('writes exact numbers and bigints as their digits and drops undefined members', () => {
    assert.equal(
      writeJson({ a: new ExactNumber('100.10'), b: 12345678901234567890n, c: undefined, d: [null] }),
      '{"a":100.10,"b":12345678901234567890,"d":[null]}',
    );
  });
  it('leaves non-ASCII and slashes alone by default', () => {
    assert.equal(writeJson({ msg: 'Токен/ё' }), '{"msg":"Токен/ё"}');
  });
  it("escapes as PHP's json_encode: lowercase \\uXXXX, UTF-16 pairs, slashes", () => {
    assert.equal(writeJson('Токен', { php: true }), '"\\u0422\\u043e\\u043a\\u0435\\u043d"');
    assert.equal(writeJson('https://a/b', { php: true }), '"https:\\/\\/a\\/b"');
    assert.equal(writeJson('😀', { php: true }), '"\\ud83d\\ude00"');
    assert.equal(
      writeJson({ 'ключ/': 'é\n"' }, { php: true }),
      '{"\\u043a\\u043b\\u044e\\u0447\\/":"\\u00e9\\n\\""}',
    );
    assert.equal(
      writeJson({ result: 'fail', msg: 'Токен безопасности не верен.', error_code: 67 }, { php: true }),
      '{"result":"fail","msg":"\\u0422\\u043e\\u043a\\u0435\\u043d \\u0431\\u0435\\u0437\\u043e\\u043f\\u0430\\u0441\\u043d\\u043e\\u0441\\u0442\\u0438 \\u043d\\u0435 \\u0432\\u0435\\u0440\\u0435\\u043d.","error_code":67}',
    );
  });
  it('reads back what it writes, exact numbers included', () => {
    const text = writeJson({ n: new ExactNumber('0.30000000000000000001'), s: 'Счёт/1' }, { php: true });
    const back = readJson(text) as { n: unknown; s: string };
    assert.equal(exact(back.n), '0.30000000000000000001');
    assert.equal(back.s, 'Счёт/1');
  });
  it('refuses to hold what is not a JSON number', () => {
    for (const text of ['01', '1.', '.5', 'NaN', '+1', '1e'])
      assert.throws(() => new ExactNumber(text), RangeError);
  });
});
