import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  AllSum,
  CaptureResponse,
  ErrorsTotal,
  Fail,
  FormFields,
  HttpLog,
  InformerForm,
  InvoiceById,
  InvoiceList,
  InvoiceListCount,
  InvoicePreview,
  LastVisit,
  Notifications,
  OrgSettings,
  PaymentById,
  PaymentList,
  PaymentOptions,
  PaymentParams,
  PaymentsByDateCount,
  pkOperations,
  RefundsOfPayment,
  ReportEmails,
  Success,
  SystemsList,
  SystemsSums,
  SystemsSumsDetails,
  TokenResponse,
  UserSettings,
  Users,
} from '../../../src/dialects/paykeeper/wire.ts';

const valid = (schema: TSchema, value: unknown) =>
  assert.ok(
    Value.Check(schema, value),
    JSON.stringify([...Value.Errors(schema, value)].map((e) => `${e.path}: ${e.message}`)),
  );
const invalid = (schema: TSchema, value: unknown, why: string) =>
  assert.equal(Value.Check(schema, value), false, why);

// the spec's examples, as the wire carries them (its JS-style keys and missing commas fixed)
const payment = {
  id: '97452',
  pay_amount: '1.00',
  refund_amount: '0.00',
  clientid: 'Ivan Ivonov',
  orderid: null,
  payment_system_id: '3',
  unique_id: null,
  status: 'success',
  repeat_counter: '0',
  pending_datetime: '2014-05-14 15:59:00',
  obtain_datetime: '2014-05-14 15:59:01',
  success_datetime: '2014-05-14 15:59:01',
};
const invoice = {
  id: '20140415042846859',
  status: 'expired',
  pay_amount: '5999.00',
  clientid: 'Кристина Бушуева',
  orderid: '3946',
  service_name: null,
  client_email: 'hidden@paykeeper.ru',
  client_phone: null,
  expiry_datetime: '2014-04-19 00:00:00',
  created_datetime: '2014-04-15 04:28:46',
  paid_datetime: null,
};

describe('PayKeeper wire: the spec examples fit the response schemas', () => {
  it('1.1–1.4 statistics', () => {
    valid(SystemsList, [{ id: '2', system_description: 'Qiwi', site_description: 'Visa Qiwi Wallet' }]);
    valid(SystemsSums, [
      {
        id: '1',
        system_description: 'WebMoney',
        site_description: ' WebMoney Transfer',
        success: '566.00',
        account: '566.00',
        stuck: '0.00',
        currency: 'RUR',
      },
    ]);
    valid(SystemsSumsDetails, [
      {
        payment_system_id: '6',
        label: 'Russian Standart Bank',
        data: [
          [1394380800000, 120],
          [1394467200000, 101],
        ],
      },
    ]);
    valid(AllSum, { success: '10932.00', account: '10932.00', stuck: '0.00' });
  });

  it('2.1–2.7 payments', () => {
    valid(PaymentList, [payment]);
    valid(PaymentById, [{ ...payment, site_description: 'Карты', system_description: 'card' }]);
    valid(PaymentsByDateCount, {
      statuses: [
        { status: 'canceled', count: '14' },
        { status: 'success', count: '71' },
      ],
      payment_systems: [{ payment_system_id: '1', count: '47' }],
      fullcount: [{ count: '88' }],
    });
    valid(PaymentOptions, {
      client_ip: '81.5.119.7',
      CARD_NUMBER: '5***********8624',
      RESULT_CODE: '000',
      qiwi_phone: '',
    });
    valid(PaymentParams, [{ id: '189445', payment_id: '97445', field: 'RESULT', value: 'OK' }]);
    valid(HttpLog, [
      {
        id: '32',
        payment_id: '5',
        request_method: 'GET',
        request_uri: '/external/',
        ip: '62.76.178.170',
        body: '',
        datetime: '2012-08-30 15:42:58',
      },
    ]);
    valid(RefundsOfPayment, [
      {
        id: '1',
        payment_id: '436',
        refund_number: '1',
        user: 'admin',
        amount: '22570.00',
        reminder: '0.00',
        datetime: '2014-06-11 16:09:13',
        status: 'done',
      },
    ]);
    valid(Success, { result: 'success' });
    valid(Fail, { result: 'fail', msg: 'Токен безопасности не верен.', error_code: 67 });
  });

  it('3.1–3.4 invoices', () => {
    valid(InvoiceById, { ...invoice, status: 'paid', user_id: '1', paymentid: '97452', user_login: 'admin' });
    valid(InvoiceById, { ...invoice, status: 'created', user_id: '1', paymentid: null, user_login: 'admin' });
    valid(InvoiceList, [invoice]);
    valid(InvoiceListCount, {
      statuses: [
        { status: 'paid', count: '7' },
        { status: 'expired', count: '9' },
        { status: 'sent', count: '1' },
      ],
      fullcount: [{ count: '17' }],
    });
    valid(InvoicePreview, {
      invoice_id: '20120229133742255',
      invoice_url: 'https://pay.example/bill/20120229133742255/',
      invoice: '<HTML>…',
    });
  });

  it('4.x settings and 6.1 token', () => {
    valid(UserSettings, {
      user: 'admin',
      refund_allowed: 'true',
      refund_allow: 'true',
      refund: '0',
      admin: 'true',
    });
    valid(LastVisit, { ip: '81.5.119.7', datetime: '2014-06-20 13:30:52' });
    const cabinet = {
      hide_statistics: 'false',
      hide_payments: 'false',
      hide_invoices: 'false',
      hide_receipts: 'false',
    };
    valid(OrgSettings, {
      shopname: 'Магазин example.com',
      shopdomain: 'http://example.com',
      legal_name: 'ООО МАГАЗИН',
      paykeeper_id: '140221-031-1',
      support_email: 'support@example.com',
      informer_type: 'email',
      informer_url: 'http://mysite.ru/postinform.php',
      informer_seed: 'secretpassword',
      smtp_use_custom: 'true',
      smtp_user: 'mymail@ya.ru',
      smtp_password: 'mypasswd',
      smtp_host: 'ssl://smtp.yandex.ru',
      smtp_port: '465',
      skip_default_pages: 'true',
      success_url: 'http://example.com/success/',
      fail_url: 'http://example.com/fail/',
      cabinet,
    });
    valid(OrgSettings, { shopname: 'x', shopdomain: 'x', legal_name: 'x', paykeeper_id: 'x', cabinet }); // a non-admin
    valid(Notifications, [
      {
        type: 'important',
        message: '<strong>ВНИМАНИЕ</strong>',
        link: 'https://x/',
        link_caption: 'ПРОДЛИТЬ',
      },
    ]);
    valid(FormFields, [
      {
        pk_name: 'clientid',
        displayed_name: 'Фамилия Имя Отчество',
        placeholder: 'Иванов Иван Иванович',
        required: 'false',
        enabled: 'true',
        order: '20',
        type: 'clientid',
      },
    ]);
    valid(ReportEmails, [{ id: '1', email: 'support@paykeeper.ru' }]);
    valid(Users, [{ id: '1', login: 'admin', refund: '0', admin: 'true' }]);
    valid(TokenResponse, { token: 'fd50e47596cff6c63c7ea0a633c0d2a8' });
  });

  it('COMPAT.md extras and the informer form', () => {
    valid(CaptureResponse, { result: 'success', total: '100.00', captured: '100.00' });
    valid(ErrorsTotal, {
      total: '3',
      totalWithGroup: [{ error_code: '05', total: '3', user_description: 'Отказ банка' }],
    });
    valid(InformerForm, {
      id: '123',
      sum: '100.00',
      clientid: 'Ivan',
      orderid: '42',
      key: 'b5bd3b302db49ce049c8109719a0dbcc',
      service_name: '',
      client_email: '',
      client_phone: '',
      ps_id: '1',
      card_number: '411111******1111',
      card_holder: 'IVAN',
      obtain_datetime: '2026-01-10 12:00:00',
    });
  });
});

describe('PayKeeper wire: responses are allow-lists', () => {
  it('ids are digit strings, never numbers', () => {
    invalid(PaymentList, [{ ...payment, id: 97452 }], 'numeric id');
    invalid(PaymentList, [{ ...payment, id: '9745a' }], 'non-digit id');
    invalid(PaymentList, [{ ...payment, id: '12345678901234567890' }], '20 digits');
    invalid(
      InvoicePreview,
      { invoice_id: Number('20120229133742255'), invoice_url: 'u', invoice: 'h' },
      'invoice id above 2^53 as a number',
    );
  });
  it('amounts have exactly two decimals', () => {
    for (const amount of ['1', '1.0', '1.000', '1,00', '-1.00', 1])
      invalid(PaymentList, [{ ...payment, pay_amount: amount }], String(amount));
  });
  it('datetimes are YYYY-MM-DD HH:MM:SS', () => {
    for (const d of ['2014-05-14T15:59:00', '2014-05-14', '2014-05-14 15:59:00Z'])
      invalid(PaymentList, [{ ...payment, pending_datetime: d }], d);
  });
  it('statuses stay within the values the spec lists for the object', () => {
    invalid(PaymentList, [{ ...payment, status: 'authorized' }], 'engine status');
    invalid(PaymentList, [{ ...payment, status: 'captured' }], 'engine status');
    invalid(InvoiceList, [{ ...invoice, status: 'created' }], 'created is never listed');
    invalid(
      InvoiceById,
      { ...invoice, status: 'canceled', user_id: '1', paymentid: null, user_login: 'a' },
      'engine invoice status',
    );
    invalid(
      RefundsOfPayment,
      [
        {
          id: '1',
          payment_id: '1',
          refund_number: '1',
          user: 'a',
          amount: '1.00',
          reminder: '0.00',
          datetime: '2014-06-11 16:09:13',
          status: 'succeeded',
        },
      ],
      'engine refund status',
    );
  });
  it('a field not listed is refused (a stray PAN cannot pass)', () => {
    invalid(PaymentList, [{ ...payment, pan: '4111111111111111' }], 'pan');
    invalid(
      Users,
      [{ id: '1', login: 'a', refund: '0', admin: 'true', password_hash: 'x' }],
      'password hash',
    );
    invalid(
      OrgSettings,
      { shopname: 'x', shopdomain: 'x', legal_name: 'x', paykeeper_id: 'x', cabinet: {}, secret: 'x' },
      'extra',
    );
  });
  it('flags are the strings "true"/"false"', () => {
    invalid(Users, [{ id: '1', login: 'a', refund: '0', admin: true }], 'a JSON boolean');
  });
});

describe('PayKeeper wire: the operation list', () => {
  it('holds every operation of the spec sections 1–8, the settings API and COMPAT.md, once', () => {
    const keys = pkOperations.map((o) => `${o.method} ${o.path}`);
    assert.equal(new Set(keys).size, keys.length, 'no duplicates');
    const sections = new Set(pkOperations.map((o) => o.section));
    for (const s of [
      '1.1',
      '1.2',
      '1.3',
      '1.4',
      '2.1',
      '2.2',
      '2.3',
      '2.4',
      '2.5',
      '2.6',
      '2.7',
      '2.8',
      '2.9',
    ])
      assert.ok(sections.has(s), s);
    for (const s of [
      '3.1',
      '3.2',
      '3.3',
      '3.4',
      '3.5',
      '4.1',
      '4.2',
      '4.3',
      '4.4',
      '4.5',
      '4.6',
      '4.7',
      '4.8',
    ])
      assert.ok(sections.has(s), s);
    for (const s of ['5.1', '5.2', '5.3', '5.4', '5.6', '5.7', '5.8', '6.1', '8.1'])
      assert.ok(sections.has(s), s);
    for (const p of [
      '/info/payments/search/',
      '/change/payment/capture/',
      '/info/errors/total/',
      '/change/receipt/print/',
      '/change/invoice/revoke/',
    ])
      assert.ok(
        keys.some((k) => k.endsWith(` ${p}`)),
        p,
      );
  });
  it('reads with GET, changes with POST (the token is on every POST)', () => {
    for (const o of pkOperations) {
      if (o.path === '/info/settings/token/') continue;
      assert.equal(o.method, o.path.startsWith('/change/') ? 'POST' : 'GET', o.path);
    }
  });
});
