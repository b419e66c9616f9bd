import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import {
  CardDoc,
  OutPayCardReq,
  operations,
  PageRes,
  PayAutoReq,
  PayPageReq,
  pathAliases,
  StateRes,
} from '../../../src/dialects/impay/wire.ts';

const paths = [
  'card/info',
  'card/reg',
  'card/get',
  'card/del',
  'pay/lk',
  'pay/auto',
  'pay/state',
  'pay/start',
  'pay/auth',
  'pay/confirm',
  'hold/create',
  'hold/confirm',
  'hold/cancel',
  'out/paycard',
  'out/payul',
  'out/payacc',
  'out/ndfl',
  'out/state',
  'ident/req',
  'ident/state',
  'benific/reg',
  'account/balance',
  'account/operations',
  'account/statements',
  'check',
];

describe('ImPay wire schemas', () => {
  it("describe every operation of the spec and COMPAT.md's table", () => {
    assert.deepEqual(Object.keys(operations).sort(), [...paths].sort());
    assert.equal(pathAliases.сheck, 'check'); // Cyrillic с
  });

  it('accept what real clients send: numbers for strings and back, nulls, extra fields', () => {
    const bodies = [
      {
        amount: 150.5,
        extid: 42,
        document_id: 7,
        fullname: null,
        timeout: '15',
        benificphone: '79000000000',
      },
      { amount: '100.50', extid: 'order-1', successurl: null },
      { amount: '100.50' }, // the text of a JSON token, as the kit hands it over
    ];
    for (const body of bodies) assert.equal(Value.Check(PayPageReq, body), true, JSON.stringify(body));
    assert.equal(Value.Check(PayAutoReq, { card: '12', amount: 10, extid: 5 }), true);
    assert.equal(Value.Check(OutPayCardReq, { card: 'сard', cardnum: '4111111111111111', amount: 1 }), true);
  });

  it("accept every request with an empty body (required fields are parse.ts's, in ImPay's words)", () => {
    for (const [path, op] of Object.entries(operations))
      assert.equal(Value.Check(op.request, {}), true, path);
  });

  it('refuse what is no scalar where a scalar belongs', () => {
    assert.equal(Value.Check(PayPageReq, { amount: { value: 1 } }), false);
    assert.equal(Value.Check(PayPageReq, { extid: ['a'] }), false);
  });

  it('answer ids as int32 integers', () => {
    assert.equal(Value.Check(PageRes, { status: 1, message: '', id: 2147483647, url: 'u' }), true);
    assert.equal(Value.Check(PageRes, { status: 1, message: '', id: 2147483648, url: 'u' }), false);
    assert.equal(Value.Check(PageRes, { status: 1, message: '', id: 1.5, url: 'u' }), false);
  });

  it('card documents: exp is mm/yy or empty, holder a string', () => {
    assert.equal(Value.Check(CardDoc, { id: 1, num: '411111******1111', exp: '12/29', holder: '' }), true);
    assert.equal(Value.Check(CardDoc, { id: 1, num: 'x', exp: '', holder: 'A' }), true);
    assert.equal(Value.Check(CardDoc, { id: 1, num: 'x', exp: '2029-12', holder: 'A' }), false);
    assert.equal(Value.Check(CardDoc, { id: 1, num: 'x', exp: '', holder: null }), false);
  });

  it('states run 0–4', () => {
    assert.equal(Value.Check(StateRes, { status: 4, message: '', rc: '' }), true);
    assert.equal(Value.Check(StateRes, { status: 5, message: '', rc: '' }), false);
  });
});
