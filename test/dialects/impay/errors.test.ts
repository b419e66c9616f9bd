import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  failOf,
  fieldLabels,
  fieldMessage,
  fieldRefusal,
  impayFail,
  messages,
  refusalOf,
  transportErrors,
} from '../../../src/dialects/impay/errors.ts';
import { engineError, engineErrors } from '../../../src/domain/errors.ts';

describe('ImPay answers to engine errors', () => {
  it('covers every engine code with a Russian message and status 0 or 2', () => {
    assert.deepEqual(Object.keys(impayFail).sort(), [...engineErrors].sort());
    for (const [code, answer] of Object.entries(impayFail)) {
      assert.ok(answer.status === 0 || answer.status === 2, code);
      assert.match(answer.message, /^[А-ЯЁ][а-яёА-ЯЁ .,()]+$/u, code);
    }
  });

  it('an unknown payment or payout is "Счет не найден"', () => {
    assert.deepEqual(failOf(engineError('payment_not_found')), { status: 0, message: 'Счет не найден' });
    assert.deepEqual(failOf(engineError('payout_not_found')), { status: 0, message: 'Счет не найден' });
  });

  it('a bank refusal is status 2; a short balance and a missing card are refusals', () => {
    assert.equal(failOf(engineError('declined')).status, 2);
    assert.deepEqual(failOf(engineError('insufficient_balance')), {
      status: 0,
      message: messages.shortBalance,
    });
    assert.deepEqual(failOf(engineError('card_not_found')), { status: 0, message: 'Карта не найдена' });
  });

  it('idempotency refusals differ by operation, as real clients expect', () => {
    const conflict = engineError('exists_with_different_amount');
    assert.deepEqual(refusalOf('pay/lk', conflict), { status: 0, message: 'Нарушение уникальности запроса' });
    assert.deepEqual(refusalOf('pay/auto', conflict), {
      status: 0,
      id: 0,
      message: 'Нарушение уникальности запроса',
    });
    assert.deepEqual(refusalOf('out/paycard', conflict), {
      status: 0,
      id: 0,
      message: 'Нарушение уникальности запроса',
    });
    // other refusals of those operations carry no id
    assert.deepEqual(refusalOf('pay/auto', engineError('card_not_found')), {
      status: 0,
      message: 'Карта не найдена',
    });
  });
});

describe('ImPay field messages', () => {
  it("name the field by its label in Yii's Russian texts", () => {
    assert.equal(fieldMessage.required('amount'), 'Необходимо заполнить «Сумма платежа».');
    assert.equal(
      fieldMessage.tooLong('extid', 40),
      'Значение «Внешний идентификатор» должно содержать максимум 40 символов.',
    );
    assert.equal(fieldMessage.tooLong('x', 1), 'Значение «x» должно содержать максимум 1 символ.');
    assert.equal(fieldMessage.tooLong('x', 2), 'Значение «x» должно содержать максимум 2 символа.');
    assert.equal(fieldMessage.tooLong('x', 11), 'Значение «x» должно содержать максимум 11 символов.');
    assert.equal(fieldMessage.tooLong('x', 22), 'Значение «x» должно содержать максимум 22 символа.');
    assert.equal(fieldMessage.tooSmall('timeout', 10), 'Значение «Тайм-аут» должно быть не меньше 10.');
    assert.equal(
      fieldMessage.notUrl('successurl'),
      'Значение «Url возврата (успех)» не является правильным URL.',
    );
  });

  it('every label is Russian text', () => {
    for (const [field, label] of Object.entries(fieldLabels))
      assert.ok(label.length > 0 && !label.includes('«'), field);
  });

  it('a request with violations is refused with the first', () => {
    assert.deepEqual(
      fieldRefusal([
        { field: 'amount', message: 'a' },
        { field: 'extid', message: 'b' },
      ]),
      { status: 0, message: 'a' },
    );
  });
});

describe('ImPay transport errors', () => {
  it("are the framework's JSON with the HTTP status", () => {
    assert.equal(transportErrors.badRequest.status, 400);
    assert.equal(transportErrors.unauthorized.status, 401);
    assert.equal(transportErrors.forbidden.status, 403);
    for (const e of Object.values(transportErrors))
      assert.deepEqual(Object.keys(e), ['name', 'message', 'code', 'status']);
  });
});
