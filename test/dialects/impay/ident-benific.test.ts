import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost } from './helpers.ts';

/** benific/reg: the spec's long form, validated by kind, sealed at rest, re-registration by INN. */

const company = {
  registrationtype: 2,
  urname: 'ООО Ромашка',
  inn: '7707083893',
  kpp: '773601001',
  ogrn: '1027700132195',
  lastname: 'Иванов',
  firstname: 'Иван',
  middlename: 'Иванович',
  govregistrationdate: '2002-07-22',
  document: { type: 'passport', series: '4510', number: '805731' },
  uraddres: { city: 'Москва', street: 'Тверская', house: '1' },
  benificphone: '79000000000',
};

for (const flavor of await testFlavors()) {
  describe(`ImPay beneficiaries on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await impayMerchant(gw.engine);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const post = async (body: unknown) => {
      const res = await impayPost(app, shop, 'benific/reg', body);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const rows = () =>
      gw.engine.database.db
        .selectFrom('beneficiaries')
        .selectAll()
        .where('merchant_id', '=', shop.merchantId)
        .orderBy('id')
        .execute();

    it('registers a company; the form is sealed, the numbers findable', async () => {
      assert.deepEqual(await post(company), { status: 1, message: '' });
      const [row] = await rows();
      assert.ok(row);
      assert.equal(row.kind, 'company');
      assert.equal(row.inn, company.inn);
      assert.equal(row.kpp, company.kpp);
      assert.equal(row.name, 'ООО Ромашка');
      for (const secret of ['805731', 'Тверская', 'Иванов'])
        assert.ok(!row.form_sealed.includes(secret), `${secret} in clear`);
      const form = await gw.engine.beneficiaryForm(shop.merchantId, row.id);
      assert.deepEqual(form?.document, company.document);
      assert.equal(form?.benificphone, '79000000000', 'unknown extra fields are kept');
    });

    it('a repeat with the same INN replaces the form; concurrent repeats leave one row', async () => {
      const before = (await rows()).length;
      const moved = { ...company, uraddres: { city: 'Тверь' } };
      const answers = await Promise.all(Array.from({ length: 4 }, () => post(moved)));
      for (const a of answers) assert.deepEqual(a, { status: 1, message: '' });
      const after = await rows();
      assert.equal(after.length, Math.max(before, 1));
      const row = after.find((r) => r.inn === company.inn);
      assert.ok(row);
      assert.deepEqual((await gw.engine.beneficiaryForm(shop.merchantId, row.id))?.uraddres, {
        city: 'Тверь',
      });
    });

    it('a sole trader (12-digit INN, OGRNIP) and a person without an INN', async () => {
      const soleTrader = {
        registrationtype: 1,
        inn: '500100732259',
        ogrn: '304500116000157',
        lastname: 'Петров',
        firstname: 'Пётр',
      };
      assert.deepEqual(await post(soleTrader), { status: 1, message: '' });
      assert.deepEqual(await post({ registrationtype: 0, lastname: 'Сидоров', firstname: 'Сидор' }), {
        status: 1,
        message: '',
      });
      const kinds = (await rows()).map((r) => `${r.kind}:${r.name}`);
      assert.ok(kinds.includes('sole_trader:Петров Пётр'), kinds.join());
      assert.ok(kinds.includes('person:Сидоров Сидор'), kinds.join());
    });

    it('bad fields are refused naming the field', async () => {
      const cases: [unknown, RegExp][] = [
        [{ ...company, registrationtype: 5 }, /Тип регистрации/],
        [{ ...company, registrationtype: undefined }, /Тип регистрации/],
        [{ ...company, inn: '7707083894' }, /ИНН/],
        [{ ...company, kpp: undefined }, /КПП/],
        [{ ...company, ogrn: '1027700132196' }, /ОГРН/],
        [{ ...company, registrationtype: 1 }, /ИНН/],
        [{ ...company, innfl: '123' }, /ИНН ген.директора/],
        [{ ...company, lastname: undefined }, /Фамилия/],
        [{ ...company, birthdate: '1980-02-31' }, /Дата рождения/],
        [{ ...company, document: 'паспорт' }, /document/],
      ];
      for (const [body, field] of cases) {
        const answer = await post(body);
        assert.equal(answer.status, 0, JSON.stringify(body));
        assert.match(answer.message, field, `${JSON.stringify(body)}: ${answer.message}`);
      }
    });
  });
}
