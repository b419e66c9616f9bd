import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  amountFail,
  badTokenFail,
  cartFail,
  expiryFail,
  fieldProblemFail,
  pkDialectFail,
  pkEngineFail,
  reverseFail,
} from '../../../src/dialects/paykeeper/errors.ts';
import { engineErrors } from '../../../src/domain/errors.ts';

/** PHP json_encode's default escaping, as PayKeeper's body carries it (lowercase hex). */
const phpEscaped = (text: string) =>
  JSON.stringify(text).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

describe('PayKeeper fail documents', () => {
  it('a bad token is exactly COMPAT.md’s document, error_code 67', () => {
    assert.deepEqual(badTokenFail, { result: 'fail', msg: 'Токен безопасности не верен.', error_code: 67 });
    assert.equal(
      phpEscaped(badTokenFail.msg),
      '"\\u0422\\u043e\\u043a\\u0435\\u043d \\u0431\\u0435\\u0437\\u043e\\u043f\\u0430\\u0441\\u043d\\u043e\\u0441\\u0442\\u0438 \\u043d\\u0435 \\u0432\\u0435\\u0440\\u0435\\u043d."',
    );
    assert.equal(pkDialectFail.bad_token, badTokenFail);
  });

  it('an unknown invoice is exactly "Счёт не найден." with ё', () => {
    assert.deepEqual(pkEngineFail.invoice_not_found, { result: 'fail', msg: 'Счёт не найден.' });
    assert.ok(pkEngineFail.invoice_not_found.msg.includes('\u0451'));
  });

  it('every engine error code has a fail document, and no other key is there', () => {
    assert.deepEqual(Object.keys(pkEngineFail).sort(), [...engineErrors].sort());
    for (const [code, doc] of Object.entries(pkEngineFail)) {
      assert.equal(doc.result, 'fail', code);
      assert.match(doc.msg, /^[А-ЯЁ].*\.$/u, `${code}: Russian, one sentence with a period`);
    }
  });

  it('dialect failures read the same way; only the token carries an error_code', () => {
    for (const [code, doc] of Object.entries(pkDialectFail)) {
      assert.match(doc.msg, /^[А-ЯЁ].*\.$/u, code);
      assert.equal('error_code' in doc, code === 'bad_token', code);
    }
  });

  it('field failures name the field', () => {
    assert.deepEqual(amountFail('pay_amount', 'not_a_sum'), {
      result: 'fail',
      msg: 'Сумма должна быть числом, разделитель дробной части – точка. (pay_amount)',
    });
    assert.match(amountFail('amount', 'zero').msg, /\(amount\)$/);
    assert.match(expiryFail('in_the_past').msg, /\(expiry\)$/);
    assert.match(fieldProblemFail('limit', 'limit_too_large').msg, /1000.*\(limit\)$/);
  });

  it('cart failures name the line and the field', () => {
    assert.equal(
      cartFail({ line: 2, field: 'tax', problem: 'tax_invalid' }).msg,
      'Корзина, позиция 2 (tax): Недопустимая ставка налога.',
    );
    assert.equal(
      cartFail({ problem: 'total_mismatch' }).msg,
      'Корзина: Сумма позиций корзины не равна сумме платежа.',
    );
  });

  it('reverse failures', () => {
    assert.equal(reverseFail('amount_exceeds_remaining').msg, 'Сумма возврата превышает остаток платежа.');
    assert.equal(reverseFail('nothing_left').result, 'fail');
  });
});
