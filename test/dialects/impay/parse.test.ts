import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fieldMessage } from '../../../src/dialects/impay/errors.ts';
import {
  impayBounds,
  normalizePhone,
  type Parsed,
  parseBenificReg,
  parseById,
  parseCardGet,
  parseCardRef,
  parseCardReg,
  parseHoldConfirm,
  parseIdent,
  parseOperations,
  parseOutNdfl,
  parseOutPayAcc,
  parseOutPayCard,
  parseOutPayUl,
  parsePayAuth,
  parsePayAuto,
  parsePayConfirm,
  parsePayPage,
  parsePayStart,
  parseStatements,
} from '../../../src/dialects/impay/parse.ts';
import { accountCheckDigit } from '../../../src/domain/bank-details.ts';

function parsedOk<C>(result: Parsed<C>): C {
  if (!result.ok) assert.fail(`refused: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** The request is refused, and its first violation is `field` with `message`. */
function refused<C>(result: Parsed<C>, field: string, message?: string): void {
  if (result.ok) assert.fail(`accepted, expected a refusal of ${field}`);
  assert.equal(result.error[0].field, field, JSON.stringify(result.error));
  if (message !== undefined) assert.equal(result.error[0].message, message);
}

const bic = '044525225';
const account = (() => {
  const raw = '40702810000000012345';
  return raw.slice(0, 8) + accountCheckDigit(raw, bic) + raw.slice(9);
})();
const company = { name: 'ООО Ромашка', inn: '7707083893', kpp: '773601001', account, bic };

describe('pay/lk and hold/create', () => {
  it('reads a full request into an engine command', () => {
    const cmd = parsedOk(
      parsePayPage(
        {
          amount: '100.50',
          document_id: 'Д-1',
          fullname: 'Иванов Иван',
          extid: 'order-1',
          timeout: 15,
          successurl: 'https://shop.example/ok',
          failurl: 'http://shop.example/fail',
          cancelurl: null,
        },
        'charge',
      ),
    );
    assert.deepEqual(cmd, {
      amountMinor: 10050n,
      externalId: 'order-1',
      documentId: 'Д-1',
      fullname: 'Иванов Иван',
      timeoutMinutes: 15,
      flow: 'charge',
      returnUrls: { success: 'https://shop.example/ok', fail: 'http://shop.example/fail' },
    });
  });

  it('takes numbers where the spec shows strings, and back', () => {
    const cmd = parsedOk(parsePayPage({ amount: 150.5, extid: 42, document_id: 7, timeout: '10' }, 'hold'));
    assert.equal(cmd.amountMinor, 15050n);
    assert.equal(cmd.externalId, '42');
    assert.equal(cmd.documentId, '7');
    assert.equal(cmd.timeoutMinutes, 10);
    assert.equal(cmd.flow, 'hold');
  });

  it('nulls, empty strings and unknown fields are nothing given', () => {
    const cmd = parsedOk(
      parsePayPage({ amount: '1', extid: null, fullname: '', benificphone: '7900' }, 'charge'),
    );
    assert.equal(cmd.externalId, null);
    assert.equal(cmd.fullname, null);
    assert.equal(cmd.timeoutMinutes, null);
  });

  it('requires the amount and reads it strictly', () => {
    refused(parsePayPage({}, 'charge'), 'amount', 'Необходимо заполнить «Сумма платежа».');
    refused(
      parsePayPage({ amount: '0' }, 'charge'),
      'amount',
      'Значение «Сумма платежа» должно быть не меньше 0.01.',
    );
    refused(parsePayPage({ amount: '1.005' }, 'charge'), 'amount');
    refused(
      parsePayPage({ amount: 'десять' }, 'charge'),
      'amount',
      'Значение «Сумма платежа» должно быть числом.',
    );
    refused(parsePayPage({ amount: [1] }, 'charge'), 'amount');
  });

  it('bounds extid 40, document_id 40, fullname 80 (in characters), both sides', () => {
    const cases = [
      ['extid', impayBounds.extidLengthMax],
      ['document_id', impayBounds.documentIdLengthMax],
      ['fullname', impayBounds.fullnameLengthMax],
    ] as const;
    assert.deepEqual(
      cases.map(([, n]) => n),
      [40, 40, 80],
    );
    for (const [field, max] of cases) {
      assert.equal(parsePayPage({ amount: 1, [field]: 'Ж'.repeat(max) }, 'charge').ok, true, field);
      refused(
        parsePayPage({ amount: 1, [field]: 'Ж'.repeat(max + 1) }, 'charge'),
        field,
        fieldMessage.tooLong(field, max),
      );
    }
  });

  it('bounds timeout to 10–59 minutes, both sides', () => {
    assert.equal(parsedOk(parsePayPage({ amount: 1, timeout: 10 }, 'charge')).timeoutMinutes, 10);
    assert.equal(parsedOk(parsePayPage({ amount: 1, timeout: 59 }, 'charge')).timeoutMinutes, 59);
    refused(
      parsePayPage({ amount: 1, timeout: 9 }, 'charge'),
      'timeout',
      'Значение «Тайм-аут» должно быть не меньше 10.',
    );
    refused(
      parsePayPage({ amount: 1, timeout: 60 }, 'charge'),
      'timeout',
      'Значение «Тайм-аут» не должно превышать 59.',
    );
    refused(
      parsePayPage({ amount: 1, timeout: 15.5 }, 'charge'),
      'timeout',
      'Значение «Тайм-аут» должно быть целым числом.',
    );
  });

  it('takes only http(s) URLs', () => {
    for (const url of [
      'javascript:alert(1)',
      'ftp://x.example/',
      'shop.example/ok',
      'https://',
      'http://exa mple.com',
    ])
      refused(parsePayPage({ amount: 1, successurl: url }, 'charge'), 'successurl');
    refused(
      parsePayPage({ amount: 1, failurl: `https://x.example/${'a'.repeat(2048)}` }, 'charge'),
      'failurl',
    );
  });

  it('refuses NUL in text (PostgreSQL cannot store it)', () => {
    refused(parsePayPage({ amount: 1, extid: 'a\u0000b' }, 'charge'), 'extid');
  });

  it('reports every violation, the first one first', () => {
    const result = parsePayPage({ amount: 0, extid: 'x'.repeat(41), timeout: 5 }, 'charge');
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.deepEqual(
        result.error.map((e) => e.field),
        ['amount', 'extid', 'timeout'],
      );
  });
});

describe('pay/auto, states, holds', () => {
  it('pay/auto needs a card id and an amount', () => {
    assert.deepEqual(parsedOk(parsePayAuto({ card: '12', amount: 10, extid: 5 })), {
      cardId: 12n,
      amountMinor: 1000n,
      externalId: '5',
    });
    refused(parsePayAuto({ amount: 10 }), 'card');
    refused(
      parsePayAuto({ card: 'сard', amount: 10 }),
      'card',
      'Значение «Идентификатор карты» должно быть целым числом.',
    );
  });

  it('by id: positive int32 only', () => {
    assert.deepEqual(parsedOk(parseById({ id: 2147483647 })), { id: 2147483647n });
    refused(parseById({ id: 2147483648 }), 'id');
    refused(parseById({ id: 0 }), 'id');
    refused(parseById({}), 'id', 'Необходимо заполнить «Идентификатор запроса».');
  });

  it('hold/confirm: all of the hold, or an amount of it', () => {
    assert.deepEqual(parsedOk(parseHoldConfirm({ id: 3 })), { id: 3n, amountMinor: null });
    assert.deepEqual(parsedOk(parseHoldConfirm({ id: 3, amount: '50.25' })), { id: 3n, amountMinor: 5025n });
    refused(parseHoldConfirm({ id: 3, amount: -1 }), 'amount');
  });
});

describe('cards', () => {
  it('card/reg: type 0 autopay (default), 1 payouts only', () => {
    assert.equal(parsedOk(parseCardReg({})).purpose, 'pay');
    assert.equal(parsedOk(parseCardReg({ type: 1, timeout: 20 })).purpose, 'payout');
    refused(parseCardReg({ type: 2 }), 'type');
    refused(parseCardReg({ timeout: 60 }), 'timeout');
  });

  it('card/info, card/del name a card; card/get the registration', () => {
    assert.deepEqual(parsedOk(parseCardRef({ card: 5, type: 0 })), { cardId: 5n });
    assert.deepEqual(parsedOk(parseCardGet({ id: '9' })), { registrationId: 9n });
    refused(parseCardRef({}), 'card');
  });
});

describe('pay/start (PCI DSS)', () => {
  const start = {
    amount: '10.00',
    extid: 'p-1',
    cardnumber: '4111 1111 1111 1111',
    cardholder: 'IVAN IVANOV',
    cardmonth: '12',
    cardyear: '29',
    cardcvc: '123',
  };

  it('reads the card into a Secret, never into the command in clear', () => {
    const cmd = parsedOk(parsePayStart(start));
    assert.equal(cmd.amountMinor, 1000n);
    assert.deepEqual(cmd.card.reveal(), {
      pan: '4111111111111111',
      expiry: { month: 12, year: 2029 },
      cvc: '123',
      holder: 'IVAN IVANOV',
    });
    assert.doesNotMatch(JSON.stringify({ ...cmd, amountMinor: String(cmd.amountMinor) }), /4111|123"/);
  });

  it('refuses a number failing Luhn, a bad expiry, a bad CVC', () => {
    refused(
      parsePayStart({ ...start, cardnumber: '4111111111111112' }),
      'cardnumber',
      'Значение «Номер карты» неверно.',
    );
    refused(parsePayStart({ ...start, cardmonth: '13' }), 'cardmonth');
    refused(parsePayStart({ ...start, cardyear: '2' }), 'cardyear');
    refused(parsePayStart({ ...start, cardcvc: '12' }), 'cardcvc');
    refused(parsePayStart({ ...start, cardcvc: '1234' }), 'cardcvc'); // 4 digits: Amex only
    refused(parsePayStart({ ...start, cardcvc: undefined }), 'cardcvc');
    refused(parsePayStart({ ...start, cardnumber: undefined }), 'cardnumber');
  });

  it('refuses every Luhn-invalid number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), (delta) => {
        const bad = `411111111111111${(1 + delta) % 10}`;
        assert.equal(parsePayStart({ ...start, cardnumber: bad }).ok, false, bad);
      }),
    );
  });
});

describe('pay/auth and pay/confirm (3-DS)', () => {
  it('pay/auth reads the browser data', () => {
    const cmd = parsedOk(
      parsePayAuth({
        id: 4,
        threedsservertransid: 'abc',
        clientjavaenabled: 'true',
        clientscreenheight: 1080,
        clientscreenwidth: '1920',
        clienttz: -180,
        clientuseragent: 'Mozilla/5.0',
        challengewindowsize: 5,
      }),
    );
    assert.equal(cmd.id, 4n);
    assert.equal(cmd.browser.javaEnabled, true);
    assert.equal(cmd.browser.screenWidth, 1920);
    assert.equal(cmd.browser.timeZoneMinutes, -180);
    refused(parsePayAuth({ id: 4, challengewindowsize: 6 }), 'challengewindowsize');
    refused(parsePayAuth({ id: 4, clientjavaenabled: 'maybe' }), 'clientjavaenabled');
  });

  it('pay/confirm tells v1, v2 challenge and v2 frictionless apart', () => {
    assert.deepEqual(parsedOk(parsePayConfirm({ id: 1, pares: 'PA', md: 'MD' })), {
      id: 1n,
      kind: 'challenge',
      result: { version: '1', paRes: 'PA', md: 'MD' },
    });
    assert.deepEqual(parsedOk(parsePayConfirm({ id: 1, cres: 'CR', cardnumber: '4111111111111111' })), {
      id: 1n,
      kind: 'challenge',
      result: { version: '2', cres: 'CR' },
    });
    assert.deepEqual(
      parsedOk(parsePayConfirm({ id: 1, auth3ds: 'A', dstransid: 'D', eci: '05', idcard: 3 })),
      {
        id: 1n,
        kind: 'frictionless',
        auth3ds: 'A',
        dsTransId: 'D',
        eci: '05',
      },
    );
    refused(parsePayConfirm({ id: 1 }), 'pares');
    refused(parsePayConfirm({ id: 1, pares: 'PA' }), 'md');
  });
});

describe('out/paycard', () => {
  it('pays a kept card by id', () => {
    const cmd = parsedOk(parseOutPayCard({ card: 12, amount: '5', extid: 'o-1' }));
    assert.deepEqual(cmd.destination, { kind: 'saved_card', cardId: 12n });
  });

  it('ignores a card that is no id when cardnum is present ("сard", Cyrillic с)', () => {
    const cmd = parsedOk(parseOutPayCard({ card: 'сard', cardnum: '4111111111111111', amount: 5 }));
    assert.equal(cmd.destination.kind, 'card');
    if (cmd.destination.kind === 'card') assert.equal(cmd.destination.pan.reveal(), '4111111111111111');
    assert.equal(parseOutPayCard({ card: 0, cardnum: '4111111111111111', amount: 5 }).ok, true);
  });

  it('refuses a card that is no id alone, neither given, a bad cardnum', () => {
    refused(parseOutPayCard({ card: 'сard', amount: 5 }), 'card');
    refused(parseOutPayCard({ amount: 5 }), 'cardnum');
    refused(parseOutPayCard({ card: 'сard', cardnum: '4111111111111112', amount: 5 }), 'cardnum');
  });
});

describe('payouts to accounts', () => {
  it('out/payul checks INN, KPP, BIC and the account key', () => {
    const cmd = parsedOk(
      parseOutPayUl({ ...company, descript: 'Оплата по договору', amount: '1000.00', extid: 1 }),
    );
    assert.deepEqual(cmd.payee, { name: 'ООО Ромашка', inn: '7707083893', kpp: '773601001' });
    assert.deepEqual(cmd.to, { account, bic });
    assert.equal(cmd.amountMinor, 100000n);
    refused(parseOutPayUl({ ...company, amount: 1, inn: '7707083894' }), 'inn', 'Значение «ИНН» неверно.');
    refused(parseOutPayUl({ ...company, amount: 1, kpp: null }), 'kpp', 'Необходимо заполнить «КПП».');
    refused(parseOutPayUl({ ...company, amount: 1, bic: '144525225' }), 'bic');
    const wrongKey = account.slice(0, 8) + ((Number(account[8]) + 1) % 10) + account.slice(9);
    refused(
      parseOutPayUl({ ...company, amount: 1, account: wrongKey }),
      'account',
      'Значение «Счет» неверно.',
    );
  });

  it('a sole trader (12-digit INN) needs no KPP', () => {
    assert.equal(parseOutPayUl({ ...company, inn: '500100732259', kpp: undefined, amount: 1 }).ok, true);
  });

  it('bounds descript to 210 characters, both sides', () => {
    assert.equal(parseOutPayUl({ ...company, amount: 1, descript: 'я'.repeat(210) }).ok, true);
    refused(parseOutPayUl({ ...company, amount: 1, descript: 'я'.repeat(211) }), 'descript');
  });

  it("out/payacc: a person's account", () => {
    const cmd = parsedOk(parseOutPayAcc({ fio: 'Иванов Иван', account, bic, amount: 1 }));
    assert.equal(cmd.fio, 'Иванов Иван');
    refused(parseOutPayAcc({ account, bic, amount: 1 }), 'fio');
  });

  it('out/ndfl: the tax fields too', () => {
    const ndfl = { ...company, amount: '13.00', kbk: '18210102010011000110', okato: '45000000' };
    const cmd = parsedOk(parseOutNdfl({ ...ndfl, paymentbase: 'ТП', taxperiod: 'МС.03.2024' }));
    assert.equal(cmd.tax.kbk, '18210102010011000110');
    assert.equal(cmd.tax.taxPeriod, 'МС.03.2024');
    refused(parseOutNdfl({ ...ndfl, kbk: '1821010201001100011' }), 'kbk');
    refused(parseOutNdfl({ ...ndfl, okato: '4500000' }), 'okato');
  });
});

describe('identification and beneficiaries', () => {
  const person = {
    fam: 'Иванов',
    nam: 'Иван',
    paspser: '4510',
    paspnum: '123456',
    phone: '+7 (912) 345-67-89',
  };

  it('ident/req starts with the passport form', () => {
    const cmd = parsedOk(parseIdent({ ...person, paspdate: '01.02.2015', snils: '112-233-445 95' }));
    assert.equal(cmd.kind, 'start');
    if (cmd.kind === 'start') {
      assert.equal(cmd.person.phone, '79123456789');
      assert.equal(cmd.person.passportIssuedOn, '2015-02-01');
      assert.equal(cmd.person.snils, '11223344595');
    }
    refused(parseIdent({ ...person, paspnum: '12345' }), 'paspnum');
    refused(parseIdent({ ...person, snils: '112-233-445 96' }), 'snils');
    refused(parseIdent({ ...person, paspdate: '31.02.2015' }), 'paspdate');
    refused(parseIdent({ ...person, inn: '7707083893' }), 'inn'); // a company's INN
  });

  it('ident/req completes with the SMS code and the same id', () => {
    assert.deepEqual(parsedOk(parseIdent({ id: 8, phonecode: '1234' })), {
      kind: 'phone_code',
      id: 8n,
      code: '1234',
    });
    refused(parseIdent({ phonecode: '1234' }), 'id');
  });

  it('phones: Russian mobiles in any usual spelling', () => {
    assert.equal(normalizePhone('89123456789'), '79123456789');
    assert.equal(normalizePhone('9123456789'), '79123456789');
    assert.equal(normalizePhone('+1 212 555 0100'), null);
  });

  it('benific/reg checks numbers by kind and keeps the rest of the form', () => {
    const base = { lastname: 'Иванов', firstname: 'Иван', phone: '79000000000' };
    const company = {
      ...base,
      registrationtype: 2,
      inn: '7707083893',
      kpp: '773601001',
      ogrn: '1027700132195',
    };
    const cmd = parsedOk(parseBenificReg({ ...company, document: { series: '4510' } }));
    assert.equal(cmd.kind, 'company');
    assert.deepEqual(cmd.form.document, { series: '4510' });
    refused(parseBenificReg({ ...company, ogrn: '1027700132196' }), 'ogrn');
    refused(parseBenificReg({ ...company, kpp: undefined }), 'kpp');
    refused(parseBenificReg({ ...company, registrationtype: 1 }), 'inn'); // a sole trader's INN is 12 digits
    assert.equal(parseBenificReg({ ...base, registrationtype: 0 }).ok, true);
    refused(parseBenificReg(base), 'registrationtype');
  });
});

describe('account lists', () => {
  it('operations: a period by dates, dateto inclusive of its day', () => {
    const cmd = parsedOk(parseOperations({ type: 0, datefrom: '2024-03-01', dateto: '2024-03-31' }));
    assert.equal(cmd.period.fromMs, Date.UTC(2024, 2, 1));
    assert.equal(cmd.period.toMs, Date.UTC(2024, 3, 1) - 1);
    refused(parseOperations({ datefrom: '2024-03-02', dateto: '2024-03-01' }), 'dateto');
    refused(parseOperations({ datefrom: '2024-13-01', dateto: '2024-03-01' }), 'datefrom');
  });

  it('statements: date-times as the spec writes them', () => {
    const cmd = parsedOk(
      parseStatements({ datefrom: '2019-08-24T14:15:22Z', dateto: '2019-08-25T14:15:22Z' }),
    );
    assert.equal(cmd.period.fromMs, Date.UTC(2019, 7, 24, 14, 15, 22));
    assert.equal(cmd.period.toMs, Date.UTC(2019, 7, 25, 14, 15, 22));
    refused(parseStatements({ account: '123', datefrom: '2019-08-24', dateto: '2019-08-24' }), 'account');
  });
});
