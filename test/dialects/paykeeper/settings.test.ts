import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { pkFieldTexts } from '../../../src/dialects/paykeeper/errors.ts';
import { parseSetting } from '../../../src/dialects/paykeeper/settings-values.ts';
import {
  EnabledButtons,
  FormFields,
  LastVisit,
  Notifications,
  OrgSettings,
  pkOperations,
  ReportEmails,
  UserSettings,
  Users,
} from '../../../src/dialects/paykeeper/wire.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { paid, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { basic, get, type Login, type PkCreds, pkMerchant, post, tokenOf } from './helpers.ts';

/**
 * Settings and users (spec 4–5) over HTTP: answers checked against wire.ts's schemas, every
 * 5.1 value checked in PayKeeper's words, administrators' operations refused to the others,
 * user changes revoking the token, and a changed seed signing the next informer POST.
 */

const schema = (s: Parameters<typeof TypeCompiler.Compile>[0]) => TypeCompiler.Compile(s);
const checks = {
  user: schema(UserSettings),
  visit: schema(LastVisit),
  org: schema(OrgSettings),
  notes: schema(Notifications),
  fields: schema(FormFields),
  emails: schema(ReportEmails),
  users: schema(Users),
  buttons: schema(EnabledButtons),
};
const assertShape = (check: ReturnType<typeof schema>, body: unknown) =>
  assert.ok(check.Check(body), JSON.stringify([...check.Errors(body)].slice(0, 3)));

const fieldText = (field: string, problem: keyof typeof pkFieldTexts) =>
  `${pkFieldTexts[problem]} (${field})`;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('5.1 values', () => {
  const good: [string, string][] = [
    ['support_email', 'help@shop.ru'],
    ['support_email', ''],
    ['informer_type', 'post'],
    ['informer_type', 'email'],
    ['informer_url', 'https://shop.ru/pk.php'],
    ['informer_seed', 'new seed 1'],
    ['smtp_use_custom', 'true'],
    ['smtp_use_custom', 'false'],
    ['smtp_host', 'ssl://smtp.yandex.ru'],
    ['smtp_host', 'mail.shop.ru'],
    ['smtp_port', '465'],
    ['smtp_port', '1'],
    ['smtp_port', '65535'],
    ['smtp_user', 'mymail@ya.ru'],
    ['smtp_password', 'p@ss'],
    ['skip_default_pages', 'on'],
    ['skip_default_pages', 'off'],
    ['skip_default_pages', 'true'],
    ['success_url', 'http://example.com/success/'],
    ['fail_url', 'http://example.com/fail/'],
    ['hide_payments', 'true'],
    ['enabled_buttons', '["kopek.card","opb.mir"]'],
    ['enabled_buttons', 'kopek.card, opb.mir'],
  ];
  for (const [name, value] of good)
    it(`${name} = ${JSON.stringify(value)} is taken`, () => {
      assert.ok(parseSetting(name as never, value).ok);
    });
  const bad: [string, string, keyof typeof pkFieldTexts][] = [
    ['support_email', 'not-an-address', 'not_an_email'],
    ['informer_type', 'get', 'not_an_informer_type'],
    ['informer_url', 'ftp://shop.ru/', 'not_a_url'],
    ['informer_url', 'shop.ru/pk.php', 'not_a_url'],
    ['informer_seed', '', 'not_a_secret'],
    ['informer_seed', 'x'.repeat(201), 'not_a_secret'],
    ['informer_seed', 'a\u0000b', 'not_a_secret'],
    ['smtp_use_custom', 'yes', 'not_a_flag'],
    ['smtp_host', 'smtp .ru', 'not_a_host'],
    ['smtp_host', 'http://smtp.ru', 'not_a_host'],
    ['smtp_port', '0', 'not_a_port'],
    ['smtp_port', '65536', 'not_a_port'],
    ['smtp_port', '25a', 'not_a_port'],
    ['smtp_user', 'user', 'not_an_email'],
    ['smtp_password', '', 'not_a_secret'],
    ['skip_default_pages', 'maybe', 'not_on_off'],
    ['success_url', 'javascript:alert(1)', 'not_a_url'],
    ['fail_url', 'http://', 'not_a_url'],
    ['hide_payments', 'on', 'not_a_flag'],
    ['enabled_buttons', 'card', 'not_a_button_list'],
    ['enabled_buttons', '["kopek.card",1]', 'not_a_button_list'],
  ];
  for (const [name, value, problem] of bad)
    it(`${name} = ${JSON.stringify(value).slice(0, 30)} is refused: ${problem}`, () => {
      const parsed = parseSetting(name as never, value);
      assert.deepEqual(parsed, { ok: false, error: { field: name, problem } });
    });
});

for (const flavor of await testFlavors()) {
  describe(`PayKeeper settings and users on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PkCreds;
    let rival: PkCreds;
    let operator: Login;
    let clerk: Login;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await pkMerchant(gw.engine, 'ООО «Ромашка»');
      rival = await pkMerchant(gw.engine, 'Rival');
      operator = { login: `set-op-${flavor}`, password: 'operator-pass' };
      unwrap(
        await gw.engine.createUser({
          merchantId: shop.merchantId,
          role: 'operator',
          refunds: { allowed: true, perDay: 3 },
          ...operator,
        }),
      );
      clerk = { login: `set-clerk-${flavor}`, password: 'clerk-pass-1' };
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const change = async (who: Login, url: string, fields: Record<string, string>) =>
      post(app, who, url, { token: await tokenOf(app, who), ...fields });
    const json = async (who: Login, url: string) => {
      const res = await get(app, who, url);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const ok = (res: { statusCode: number; body: string }) => {
      assert.equal(res.statusCode, 200);
      assert.deepEqual(JSON.parse(res.body), { result: 'success' }, res.body);
    };
    const failed = (res: { statusCode: number; body: string }, msg: string) => {
      assert.equal(res.statusCode, 200);
      assert.deepEqual(JSON.parse(res.body), { result: 'fail', msg }, res.body);
    };

    it('4.1: the API credential and a user with 3 refunds a day', async () => {
      const admin = await json(shop, '/info/user/settings/');
      assertShape(checks.user, admin);
      assert.deepEqual(admin, {
        user: shop.login,
        refund_allowed: 'true',
        refund_allow: 'true',
        refund: '0',
        admin: 'true',
      });
      const op = await json(operator, '/info/user/settings/');
      assertShape(checks.user, op);
      assert.deepEqual(op, {
        user: operator.login,
        refund_allowed: 'true',
        refund_allow: 'true',
        refund: '3',
        admin: 'false',
      });
    });

    it('4.3: an administrator sees everything, others only the organization and the cabinet flags', async () => {
      const admin = await json(shop, '/info/organization/settings/');
      assertShape(checks.org, admin);
      assert.equal(admin.shopname, 'ООО «Ромашка»');
      assert.equal(admin.informer_seed, shop.informer_seed);
      assert.equal(admin.smtp_use_custom, 'false');
      assert.equal(admin.smtp_host, undefined, 'smtp_* hidden while the default server is used');
      const op = await json(operator, '/info/organization/settings/');
      assertShape(checks.org, op);
      assert.deepEqual(Object.keys(op).sort(), [
        'cabinet',
        'legal_name',
        'paykeeper_id',
        'shopdomain',
        'shopname',
      ]);
      assert.deepEqual(op.cabinet, {
        hide_statistics: 'false',
        hide_payments: 'false',
        hide_invoices: 'false',
        hide_receipts: 'false',
      });
    });

    it('5.1 changes apply at once and show in 4.3; SMTP settings appear once custom', async () => {
      for (const [name, value] of [
        ['support_email', 'help@romashka.ru'],
        ['informer_type', 'email'],
        ['informer_url', 'https://romashka.ru/pk.php'],
        ['smtp_use_custom', 'true'],
        ['smtp_host', 'ssl://smtp.yandex.ru'],
        ['smtp_port', '465'],
        ['smtp_user', 'mymail@ya.ru'],
        ['smtp_password', 'mypasswd'],
        ['skip_default_pages', 'on'],
        ['success_url', 'http://example.com/success/'],
        ['fail_url', 'http://example.com/fail/'],
        ['hide_payments', 'true'],
      ])
        ok(await change(shop, '/change/organization/setting/', { name: name!, value: value! }));
      const org = await json(shop, '/info/organization/settings/');
      assertShape(checks.org, org);
      assert.equal(org.support_email, 'help@romashka.ru');
      assert.equal(org.informer_type, 'email');
      assert.equal(org.informer_url, 'https://romashka.ru/pk.php');
      assert.equal(org.smtp_use_custom, 'true');
      assert.equal(org.smtp_host, 'ssl://smtp.yandex.ru');
      assert.equal(org.smtp_port, '465');
      assert.equal(org.smtp_user, 'mymail@ya.ru');
      assert.equal(org.smtp_password, 'mypasswd');
      assert.equal(org.skip_default_pages, 'true');
      assert.equal(org.success_url, 'http://example.com/success/');
      assert.equal(org.cabinet.hide_payments, 'true');
      // the password is sealed at rest, not in the settings
      const raw = await gw.database.db
        .selectFrom('merchants')
        .select('settings')
        .where('id', '=', shop.merchantId)
        .executeTakeFirstOrThrow();
      assert.ok(!raw.settings.includes('mypasswd'));
      const cred = await gw.database.db
        .selectFrom('credentials')
        .select('secret')
        .where('dialect', '=', 'smtp')
        .where('merchant_id', '=', shop.merchantId)
        .executeTakeFirstOrThrow();
      assert.ok(cred.secret && !cred.secret.includes('mypasswd'));
      // the other merchant is untouched
      const other = await json(rival, '/info/organization/settings/');
      assert.equal(other.smtp_use_custom, 'false');
      assert.equal(other.cabinet.hide_payments, 'false');
      ok(await change(shop, '/change/organization/setting/', { name: 'smtp_use_custom', value: 'false' }));
      ok(await change(shop, '/change/organization/setting/', { name: 'informer_type', value: 'post' }));
    });

    it('success_url and fail_url are where the payer of the next invoice returns, unless it names its own', async () => {
      const returnsOf = async (fields: Record<string, string>) => {
        const res = await change(shop, '/change/invoice/preview/', { pay_amount: '10', ...fields });
        const invoice = await gw.engine.getInvoice({ id: res.json().invoice_id }, shop.merchantId);
        assert.ok(invoice);
        return (await gw.engine.getPayment({ id: invoice.paymentId }, shop.merchantId))?.returnUrls;
      };
      ok(
        await change(shop, '/change/organization/setting/', {
          name: 'success_url',
          value: 'https://shop.ru/ok',
        }),
      );
      ok(
        await change(shop, '/change/organization/setting/', {
          name: 'fail_url',
          value: 'https://shop.ru/fail',
        }),
      );
      assert.deepEqual(await returnsOf({}), { success: 'https://shop.ru/ok', fail: 'https://shop.ru/fail' });
      assert.deepEqual(await returnsOf({ user_result_callback: 'https://shop.ru/cb' }), {
        success: 'https://shop.ru/cb',
        fail: 'https://shop.ru/cb',
      });
      ok(
        await change(shop, '/change/organization/setting/', {
          name: 'success_url',
          value: 'https://shop.ru/ok2',
        }),
      );
      assert.equal(
        (await returnsOf({}))?.success,
        'https://shop.ru/ok2',
        'the change applies to the next one',
      );
    });

    it('5.1 refusals: unknown name, no value, bad values, each in its words', async () => {
      const url = '/change/organization/setting/';
      failed(await change(shop, url, { name: 'shopname', value: 'x' }), 'Неизвестный параметр настроек.');
      failed(await change(shop, url, { name: 'informer_url' }), 'Не указано новое значение параметра.');
      failed(await change(shop, url, { value: 'x' }), fieldText('name', 'required'));
      failed(
        await change(shop, url, { name: 'smtp_port', value: '70000' }),
        fieldText('smtp_port', 'not_a_port'),
      );
      failed(
        await change(shop, url, { name: 'support_email', value: 'nobody' }),
        fieldText('support_email', 'not_an_email'),
      );
      failed(
        await change(shop, url, { name: 'informer_url', value: 'ftp://x.ru/' }),
        fieldText('informer_url', 'not_a_url'),
      );
      const org = await json(shop, '/info/organization/settings/');
      assert.equal(org.informer_url, 'https://romashka.ru/pk.php', 'a refused value changes nothing');
    });

    it('a changed informer_seed signs the next informer POST', async () => {
      const forms: URLSearchParams[] = [];
      let seed = shop.informer_seed;
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          const f = new URLSearchParams(body);
          forms.push(f);
          res.end(`OK ${md5(`${f.get('id')}${seed}`)}`);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inform.php`;
        ok(await change(shop, '/change/organization/setting/', { name: 'informer_url', value: url }));
        seed = 'brand new seed';
        ok(await change(shop, '/change/organization/setting/', { name: 'informer_seed', value: seed }));
        const p = await paid(gw.engine, shop.merchantId, {
          origin: 'paykeeper',
          amountMinor: 10_000n,
          externalId: `seed-${flavor}`,
          customer: { reference: 'Ivan' },
        });
        for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce());
        const form = forms.find((f) => f.get('id') === String(p.id));
        assert.ok(form, 'the informer posted');
        assert.equal(form.get('key'), md5(`${p.id}100.00Ivanseed-${flavor}${seed}`));
        const org = await json(shop, '/info/organization/settings/');
        assert.equal(org.informer_seed, seed);
        const state = await gw.database.db
          .selectFrom('outbox')
          .select('notice')
          .where('ref_id', '=', p.id)
          .where('channel', '=', 'callback.paykeeper')
          .executeTakeFirstOrThrow();
        assert.equal(state.notice, 'delivered', 'the answer signed with the new seed is accepted');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('4.5 / 5.2: form fields change, sum never does', async () => {
      const before = await json(operator, '/info/organization/fields/');
      assertShape(checks.fields, before);
      assert.deepEqual(
        before.map((f: { pk_name: string }) => f.pk_name),
        ['sum', 'clientid', 'orderid', 'service_name', 'client_email', 'client_phone'],
      );
      const url = '/change/organization/formfield/';
      ok(
        await change(shop, url, {
          pk_name: 'client_phone',
          displayed_name: 'Ваш телефон',
          placeholder: '+7',
          required: 'true',
          order: '5',
        }),
      );
      failed(await change(shop, url, { pk_name: 'sum', displayed_name: 'x' }), 'Поле sum изменить нельзя.');
      failed(await change(shop, url, { pk_name: 'nope' }), 'Поле формы не найдено.');
      failed(
        await change(shop, url, { pk_name: 'orderid', order: '10001' }),
        fieldText('order', 'not_an_order'),
      );
      failed(
        await change(shop, url, { pk_name: 'orderid', type: 'select' }),
        fieldText('type', 'not_a_field_type'),
      );
      failed(
        await change(shop, url, { pk_name: 'orderid', required: 'yes' }),
        fieldText('required', 'not_a_flag'),
      );
      const after = await json(shop, '/info/organization/fields/');
      assertShape(checks.fields, after);
      assert.deepEqual(after[0], {
        pk_name: 'client_phone',
        displayed_name: 'Ваш телефон',
        placeholder: '+7',
        required: 'true',
        enabled: 'true',
        order: '5',
        type: 'phone',
      });
      const rivalFields = await json(rival, '/info/organization/fields/');
      assert.equal(rivalFields[0].pk_name, 'sum');
    });

    it('4.6 / 5.3 / 5.4: report e-mails, once per address, scoped by merchant', async () => {
      ok(await change(shop, '/change/organization/addreportemail/', { email: 'Boss@Romashka.ru' }));
      ok(await change(shop, '/change/organization/addreportemail/', { email: 'boss@romashka.ru' }));
      ok(await change(shop, '/change/organization/addreportemail/', { email: 'acc@romashka.ru' }));
      failed(
        await change(shop, '/change/organization/addreportemail/', { email: 'no at sign' }),
        fieldText('email', 'not_an_email'),
      );
      const list = await json(shop, '/info/organization/reportemails/');
      assertShape(checks.emails, list);
      assert.deepEqual(
        list.map((e: { email: string }) => e.email),
        ['Boss@Romashka.ru', 'acc@romashka.ru'],
      );
      const url = '/change/organization/deletereportemail/';
      failed(await change(rival, url, { id: list[0].id }), 'Адрес рассылки не найден.');
      failed(await change(shop, url, { id: '999999' }), 'Адрес рассылки не найден.');
      ok(await change(shop, url, { id: list[0].id }));
      assert.deepEqual(
        (await json(shop, '/info/organization/reportemails/')).map((e: { email: string }) => e.email),
        ['acc@romashka.ru'],
      );
      assert.deepEqual(await json(rival, '/info/organization/reportemails/'), []);
    });

    it('4.4 and 4.8: no notifications; buttons from the enabled services, then as chosen', async () => {
      const notes = await json(operator, '/info/organization/notifications/');
      assertShape(checks.notes, notes);
      assert.deepEqual(notes, []);
      const buttons = await json(operator, '/info/organization/enabledbuttons/');
      assertShape(checks.buttons, buttons);
      assert.deepEqual(buttons, ['kopek.card', 'kopek.test']);
      ok(
        await change(shop, '/change/organization/setting/', {
          name: 'enabled_buttons',
          value: 'opb.mir,opb.visa',
        }),
      );
      assert.deepEqual(await json(operator, '/info/organization/enabledbuttons/'), ['opb.mir', 'opb.visa']);
      ok(await change(shop, '/change/organization/setting/', { name: 'enabled_buttons', value: '' }));
      assert.deepEqual(await json(operator, '/info/organization/enabledbuttons/'), [
        'kopek.card',
        'kopek.test',
      ]);
    });

    it('5.6–5.8 and 4.7: add, sign in, change (the token dies), delete (the login is freed)', async () => {
      const url = '/change/user/add/';
      ok(
        await change(shop, url, {
          login: clerk.login,
          password: clerk.password,
          refund: '2',
          admin: 'false',
        }),
      );
      failed(
        await change(shop, url, { login: clerk.login, password: 'another-pass' }),
        'Пользователь с таким логином уже существует.',
      );
      failed(
        await change(shop, url, { login: shop.login, password: 'another-pass' }),
        'Пользователь с таким логином уже существует.',
      );
      failed(
        await change(shop, url, { login: 'ab', password: 'another-pass' }),
        fieldText('login', 'not_a_login'),
      );
      failed(
        await change(shop, url, { login: 'clerk-x', password: 'short' }),
        fieldText('password', 'not_a_password'),
      );
      failed(
        await change(shop, url, { login: 'clerk-x', password: 'long-enough', refund: '-1' }),
        fieldText('refund', 'not_a_refund_count'),
      );
      failed(await change(shop, url, { login: 'clerk-x' }), fieldText('password', 'required'));

      const list = await json(shop, '/info/organization/users/');
      assertShape(checks.users, list);
      const row = list.find((u: { login: string }) => u.login === clerk.login);
      assert.deepEqual(row, { id: row.id, login: clerk.login, refund: '2', admin: 'false' });
      assert.deepEqual(await json(rival, '/info/organization/users/'), [], 'scoped by merchant');

      const me = await json(clerk, '/info/user/settings/');
      assert.deepEqual(me, {
        user: clerk.login,
        refund_allowed: 'true',
        refund_allow: 'true',
        refund: '2',
        admin: 'false',
      });
      const oldToken = await tokenOf(app, clerk);

      // a user of another merchant is not found
      failed(
        await change(rival, '/change/user/update/', { id: row.id, refund: '9' }),
        'Пользователь не найден.',
      );
      ok(
        await change(shop, '/change/user/update/', {
          id: row.id,
          refund: '0',
          admin: 'true',
          password: 'clerk-pass-2',
        }),
      );
      const res = await post(
        app,
        { ...clerk, password: 'clerk-pass-2' },
        '/change/organization/addreportemail/',
        {
          token: oldToken,
          email: 'x@y.ru',
        },
      );
      assert.equal(JSON.parse(res.body).error_code, 67, 'the token of the old stamp is refused');
      assert.equal(
        (await get(app, clerk, '/info/user/settings/')).statusCode,
        401,
        'the old password is refused',
      );
      clerk = { ...clerk, password: 'clerk-pass-2' };
      assert.deepEqual(await json(clerk, '/info/user/settings/'), {
        user: clerk.login,
        refund_allowed: 'false',
        refund_allow: 'false',
        refund: '0',
        admin: 'true',
      });
      // an administrator now, so it may see users, but not delete itself
      failed(
        await change(clerk, '/change/user/delete/', { id: row.id }),
        'Нельзя удалить текущего пользователя.',
      );
      failed(await change(rival, '/change/user/delete/', { id: row.id }), 'Пользователь не найден.');
      ok(await change(shop, '/change/user/delete/', { id: row.id }));
      assert.equal(
        (await get(app, clerk, '/info/user/settings/')).statusCode,
        401,
        'a deleted user cannot sign in',
      );
      assert.ok(
        !(await json(shop, '/info/organization/users/')).some(
          (u: { login: string }) => u.login === clerk.login,
        ),
      );
      failed(await change(shop, '/change/user/delete/', { id: row.id }), 'Пользователь не найден.');
      // the login is free again
      ok(await change(shop, url, { login: clerk.login, password: 'clerk-pass-3' }));
      clerk = { ...clerk, password: 'clerk-pass-3' };
      assert.equal((await json(clerk, '/info/user/settings/')).admin, 'false');
    });

    it('4.2: the first visit is now; the next day shows the day before', async () => {
      const walker = { login: `walker-${flavor}`, password: 'walker-pass' };
      unwrap(await gw.engine.createUser({ merchantId: shop.merchantId, role: 'operator', ...walker }));
      const first = await json(walker, '/info/user/lastvisit/');
      assertShape(checks.visit, first);
      const moscow = (ms: number) =>
        new Date(ms + 3 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
      assert.equal(first.datetime, moscow(gw.clock.ms));
      const firstMs = gw.clock.ms;
      gw.clock.advance(3_600_000);
      assert.equal(
        (await json(walker, '/info/user/lastvisit/')).datetime,
        moscow(gw.clock.ms),
        'same day: still the first visit',
      );
      gw.clock.advance(24 * 3_600_000);
      const next = await json(walker, '/info/user/lastvisit/');
      assertShape(checks.visit, next);
      assert.equal(next.datetime, moscow(firstMs));
      assert.equal(next.ip, '127.0.0.1');
    });

    it('a non-admin is refused every administrator operation of pkOperations, and nothing changes', async () => {
      const adminOnly = pkOperations.filter((op) => op.adminOnly);
      assert.ok(adminOnly.length >= 9);
      const fields: Record<string, string> = {
        name: 'informer_url',
        value: 'https://evil.example/',
        pk_name: 'clientid',
        displayed_name: 'pwned',
        email: 'evil@example.com',
        id: '1',
        login: 'evil-user',
        password: 'evil-password',
        admin: 'true',
      };
      const before = {
        org: await json(shop, '/info/organization/settings/'),
        fields: await json(shop, '/info/organization/fields/'),
        emails: await json(shop, '/info/organization/reportemails/'),
        users: await json(shop, '/info/organization/users/'),
      };
      const token = await tokenOf(app, operator);
      for (const op of adminOnly) {
        const res =
          op.method === 'GET'
            ? await get(app, operator, op.path)
            : await post(app, operator, op.path, { token, ...fields });
        failed(res, 'Операция доступна только администратору.');
      }
      assert.deepEqual(
        {
          org: await json(shop, '/info/organization/settings/'),
          fields: await json(shop, '/info/organization/fields/'),
          emails: await json(shop, '/info/organization/reportemails/'),
          users: await json(shop, '/info/organization/users/'),
        },
        before,
      );
    });

    it('random bad bodies at the settings and users operations never give a 5xx', async () => {
      const ops = pkOperations.filter((op) => /^[45]\./.test(op.section));
      const names = [
        'name',
        'value',
        'pk_name',
        'displayed_name',
        'required',
        'enabled',
        'type',
        'order',
      ].concat(['email', 'id', 'login', 'password', 'refund', 'admin']);
      const value = fc.oneof(
        fc.constantFrom('', 'true', 'on', '0', '-1', '65536', '10001', 'sum', 'smtp_port', 'informer_seed'),
        fc.constantFrom('a@b.c', 'x'.repeat(3000), '%00', '[]', '9223372036854775808', 'hide_payments'),
        fc.string({ maxLength: 30 }),
      );
      const key = fc.oneof(
        fc.constantFrom(...names),
        fc.constantFrom(...names).map((n) => `${n}[]`),
        fc.string({ maxLength: 8 }),
      );
      const body = fc.array(fc.tuple(key, value), { maxLength: 8 });
      const token = await tokenOf(app, shop);
      const samples = fc.sample(fc.record({ op: fc.constantFrom(...ops), body }), {
        numRuns: 250,
        seed: 20261207,
      });
      for (const { op, body: pairs } of samples) {
        const payload = [...pairs, ['token', token] as [string, string]]
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .join('&');
        const res = await app.inject({
          method: op.method,
          url: op.method === 'GET' ? `${op.path}?${payload}` : op.path,
          headers: { ...basic(shop), 'content-type': 'application/x-www-form-urlencoded' },
          ...(op.method === 'POST' && { payload }),
        });
        const what = `${op.method} ${op.path} ${payload.slice(0, 200)}`;
        assert.equal(res.statusCode, 200, `${res.statusCode} for ${what}: ${res.body}`);
        const doc = JSON.parse(res.body);
        if (doc && !Array.isArray(doc) && doc.result === 'fail') assert.equal(typeof doc.msg, 'string');
        else if (op.response) assert.ok(TypeCompiler.Compile(op.response).Check(doc), `${what}: ${res.body}`);
      }
      // the shop can still be used after all that
      assert.equal((await get(app, shop, '/info/organization/settings/')).statusCode, 200);
    });
  });
}
