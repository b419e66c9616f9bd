import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { identificationRules } from '../../../src/engine/identifications/identifications.ts';
import type { Notifier } from '../../../src/engine/outbox/notify.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost } from './helpers.ts';

/** ident/req (passport form, then the SMS code), ident/state and benific/reg through /v1. */

const person = {
  fam: 'Иванов',
  nam: 'Иван',
  otc: 'Иванович',
  paspser: '4510',
  paspnum: '805731',
  paspdate: '01.02.2015',
  paspcode: '770-001',
  paspvid: 'ОВД Тверского района',
  birth: '1980-05-06',
  phone: '+7 (912) 345-67-89',
};

/** Records the identification events the engine publishes (what the ImPay notifier will hear). */
const heard: string[] = [];
const recorder: Notifier = (event) => {
  if (event.type === 'identification') heard.push(`${event.identification.id}:${event.name}`);
  return [];
};

for (const flavor of await testFlavors()) {
  describe(`ImPay identification on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;

    before(async () => {
      gw = await testGateway(flavor, { notifiers: [recorder] });
      app = await buildApp(gw);
      shop = await impayMerchant(gw.engine);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });
    afterEach(() => {
      heard.length = 0;
    });

    const post = async (path: string, body: unknown, who = shop) => {
      const res = await impayPost(app, who, path, body);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const codeOf = (message: string): string => {
      const match = /^Код подтверждения: (\d{6})$/.exec(message);
      assert.ok(match, message);
      return match[1] as string;
    };
    const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    it('the SMS code round trip: the code in test mode, state 0 until it comes back, then 1', async () => {
      const started = await post('ident/req', person);
      assert.equal(started.status, 1);
      assert.equal(typeof started.id, 'number');
      const code = codeOf(started.message);
      assert.deepEqual(await post('ident/state', { id: started.id }), { status: 0, message: '', rc: '' });
      const done = await post('ident/req', { id: started.id, phonecode: code });
      assert.deepEqual(done, { status: 1, message: '', id: started.id });
      assert.deepEqual(await post('ident/state', { id: started.id }), { status: 1, message: '', rc: '00' });
      assert.deepEqual(heard, [`${started.id}:identification.verified`]);
      // the code is spent
      assert.deepEqual(await post('ident/req', { id: started.id, phonecode: code }), {
        status: 0,
        message: 'Код подтверждения уже принят',
      });
    });

    it('passport data is sealed at rest and kept out of the logs', async () => {
      const started = await post('ident/req', person);
      const row = await gw.engine.database.db
        .selectFrom('identifications')
        .selectAll()
        .where('id', '=', BigInt(started.id))
        .executeTakeFirstOrThrow();
      const stored = JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
      for (const secret of ['4510', '805731', 'Иванов', 'ОВД']) {
        assert.ok(!stored.includes(secret), `${secret} in the row`);
        assert.ok(!gw.logs.join('').includes(secret), `${secret} in the logs`);
      }
      assert.ok(!stored.includes(codeOf(started.message)), 'the code is kept as a hash only');
      assert.equal(row.phone, '79123456789');
    });

    it('a wrong code is counted; the fifth ends the identification (state 3)', async () => {
      const started = await post('ident/req', person);
      const code = codeOf(started.message);
      for (let i = 1; i < identificationRules.codeAttemptsMax; i++)
        assert.deepEqual(await post('ident/req', { id: started.id, phonecode: wrong(code) }), {
          status: 0,
          message: 'Неверный код подтверждения',
        });
      const row = await gw.engine.getIdentification(shop.merchantId, BigInt(started.id));
      assert.equal(row?.codeAttempts, identificationRules.codeAttemptsMax - 1);
      const last = await post('ident/req', { id: started.id, phonecode: wrong(code) });
      assert.equal(last.message, 'Срок действия кода подтверждения истек');
      // even the right code is too late now
      assert.equal((await post('ident/req', { id: started.id, phonecode: code })).status, 0);
      assert.deepEqual(await post('ident/state', { id: started.id }), { status: 3, message: '', rc: '' });
    });

    it('a code entered after 10 minutes has expired', async () => {
      const started = await post('ident/req', person);
      gw.clock.advance(identificationRules.codeTtlMs + 1);
      assert.deepEqual(await post('ident/req', { id: started.id, phonecode: codeOf(started.message) }), {
        status: 0,
        message: 'Срок действия кода подтверждения истек',
      });
      assert.equal((await post('ident/state', { id: started.id })).status, 3);
    });

    it('concurrent right codes move it on once', async () => {
      const started = await post('ident/req', person);
      const code = codeOf(started.message);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => post('ident/req', { id: started.id, phonecode: code })),
      );
      assert.equal(answers.filter((a) => a.status === 1).length, 1, JSON.stringify(answers));
      assert.deepEqual(heard, [`${started.id}:identification.verified`]);
    });

    it('without a phone the registries are asked at once; the test surname Отказов is refused (2)', async () => {
      const { phone: _phone, ...noPhone } = person;
      const ok = await post('ident/req', noPhone);
      assert.deepEqual(ok, { status: 1, message: '', id: ok.id });
      assert.equal((await post('ident/state', { id: ok.id })).status, 1);
      const refused = await post('ident/req', { ...noPhone, fam: 'Отказов' });
      assert.deepEqual(await post('ident/state', { id: refused.id }), { status: 2, message: '', rc: '05' });
      assert.deepEqual(heard, [`${ok.id}:identification.verified`, `${refused.id}:identification.rejected`]);
    });

    it('another merchant’s identification, or an unknown id, is "Счет не найден"', async () => {
      const started = await post('ident/req', person);
      const other = await impayMerchant(gw.engine, 'Other');
      const unknown = { status: 0, message: 'Счет не найден' };
      assert.deepEqual(await post('ident/state', { id: started.id }, other), unknown);
      assert.deepEqual(await post('ident/req', { id: started.id, phonecode: '123456' }, other), unknown);
      assert.deepEqual(await post('ident/state', { id: 2_000_000_000 }), unknown);
    });

    it('bad fields are refused naming the field', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['ident/req', { ...person, fam: undefined }, /Фамилия/],
        ['ident/req', { ...person, paspnum: '12345' }, /Номер паспорта/],
        ['ident/req', { ...person, paspdate: '31.02.2015' }, /Дата выдачи паспорта/],
        ['ident/req', { ...person, phone: '+1 212 555 0100' }, /Телефон/],
        ['ident/req', { ...person, snils: '112-233-445 96' }, /СНИЛС/],
        ['ident/req', { phonecode: '1234' }, /Идентификатор запроса/],
        ['ident/req', { id: 1, phonecode: 'abc' }, /Код отправленный на телефон/],
        ['ident/req', { ...person, fam: { x: 1 } }, /Фамилия/],
        ['ident/state', { id: 'x' }, /Идентификатор запроса/],
      ];
      for (const [path, body, field] of cases) {
        const answer = await post(path, body);
        assert.equal(answer.status, 0, `${path} ${JSON.stringify(body)}`);
        assert.match(answer.message, field, `${path} ${JSON.stringify(body)}: ${answer.message}`);
      }
    });
  });
}
