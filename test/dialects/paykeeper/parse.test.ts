import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printPkDatetime } from '../../../src/dialects/paykeeper/dates.ts';
import {
  parseInvoicePreview,
  parseLegacyCreate,
  parseReverse,
} from '../../../src/dialects/paykeeper/parse.ts';

const now = new Date('2026-01-10T09:00:00Z');
const cart = JSON.stringify([
  { name: 'Товар', price: 250, quantity: 1, sum: 250, tax: 'vat20' },
  { name: 'Доставка', price: '50.30', quantity: '1', sum: '50.30', tax: 'none' },
]);
const failMsg = (r: { ok: boolean; error?: { msg: string } }) => {
  assert.equal(r.ok, false);
  return r.error?.msg ?? '';
};

describe('PayKeeper invoice preview request', () => {
  it('reads the spec fields and COMPAT.md spellings', () => {
    const r = parseInvoicePreview(
      {
        pay_amount: '300.3',
        client_id: 'Ivan',
        order_id: '42',
        service_name: 'Доставка документов',
        client_email: 'ivan@example.com',
        client_phone: '+79254973590',
        expiry: '2026-01-19',
        token: 'x',
      },
      now,
    );
    assert.ok(r.ok);
    assert.equal(r.value.amountMinor, 30030n);
    assert.equal(r.value.clientid, 'Ivan');
    assert.equal(r.value.orderid, '42');
    assert.equal(r.value.serviceName, 'Доставка документов');
    assert.equal(r.value.expiresAt && printPkDatetime(r.value.expiresAt), '2026-01-19 00:00:00');
    assert.equal(r.value.cart, null);
  });

  it('clientid/orderid win over client_id/order_id; empty fields are absent', () => {
    const r = parseInvoicePreview(
      { pay_amount: '100', clientid: 'A', client_id: 'B', orderid: '', order_id: '7' },
      now,
    );
    assert.ok(r.ok);
    assert.equal(r.value.clientid, 'A');
    assert.equal(r.value.orderid, '7', 'an empty orderid= falls back to order_id');
    assert.equal(r.value.clientEmail, null);
    assert.equal(r.value.expiresAt, null);
  });

  it('service_name as JSON with a cart that adds up, and a top-level callback winning', () => {
    const service = JSON.stringify({
      service_name: 'Заказ 42',
      cart,
      lang: 'EN',
      user_result_callback: 'https://shop.example/inner',
    });
    const r = parseInvoicePreview(
      { pay_amount: '300.30', service_name: service, user_result_callback: 'https://shop.example/outer' },
      now,
    );
    assert.ok(r.ok);
    assert.equal(r.value.serviceName, 'Заказ 42');
    assert.equal(r.value.cart?.length, 2);
    assert.equal(r.value.lang, 'en');
    assert.equal(r.value.userResultCallback, 'https://shop.example/outer');
  });

  it('names the field of each failure', () => {
    assert.match(failMsg(parseInvoicePreview({ pay_amount: '1 205,98' }, now)), /\(pay_amount\)$/);
    assert.match(failMsg(parseInvoicePreview({ pay_amount: '' }, now)), /^Не указана сумма\./);
    assert.match(
      failMsg(parseInvoicePreview({ pay_amount: '1', client_email: 'not-an-email' }, now)),
      /\(client_email\)$/,
    );
    assert.match(failMsg(parseInvoicePreview({ pay_amount: '1', expiry: '2026-01-09' }, now)), /\(expiry\)$/);
    assert.match(
      failMsg(parseInvoicePreview({ pay_amount: '1', orderid: 'x'.repeat(65) }, now)),
      /\(orderid\)$/,
    );
    assert.match(
      failMsg(parseInvoicePreview({ pay_amount: '1', user_result_callback: 'javascript:alert(1)' }, now)),
      /\(user_result_callback\)$/,
    );
    assert.match(
      failMsg(
        parseInvoicePreview(
          { pay_amount: '300.31', service_name: JSON.stringify({ service_name: 'x', cart }) },
          now,
        ),
      ),
      /^Корзина: Сумма позиций корзины не равна сумме платежа\.$/,
    );
  });
});

describe('PayKeeper legacy form (POST /create/)', () => {
  it('takes sum and a cart given beside service_name', () => {
    const r = parseLegacyCreate({ sum: '300.30', service_name: 'Заказ', cart, lang: 'ru', pstype: 'card' });
    assert.ok(r.ok);
    assert.equal(r.value.amountMinor, 30030n);
    assert.equal(r.value.cart?.[1]?.sumMinor, 5030n);
    assert.equal(r.value.lang, 'ru');
    assert.equal(r.value.pstype, 'card');
  });
  it('fails on the sum in its own field name', () => {
    assert.match(failMsg(parseLegacyCreate({ sum: 'abc' })), /\(sum\)$/);
    assert.match(
      failMsg(parseLegacyCreate({ sum: '1', cart: '[{"name":"x"}]' })),
      /^Корзина, позиция 1 \(price\)/,
    );
  });
});

describe('PayKeeper reverse request', () => {
  it('reads id, flag and amount', () => {
    assert.deepEqual(parseReverse({ id: '436', amount: '100.5', partial: 'True' }), {
      ok: true,
      value: { paymentId: 436n, partial: true, amountMinor: 10050n, refundCart: null },
    });
    assert.deepEqual(parseReverse({ id: '436', partial: '' }), {
      ok: true,
      value: { paymentId: 436n, partial: null, amountMinor: null, refundCart: null },
    });
  });
  it('refuses a bad id, flag or amount, naming the field', () => {
    assert.match(failMsg(parseReverse({ id: 'abc' })), /\(id\)$/);
    assert.match(failMsg(parseReverse({ id: '1', partial: 'yes' })), /\(partial\)$/);
    assert.match(failMsg(parseReverse({ id: '1', amount: '0' })), /\(amount\)$/);
  });
  it('a refund_cart must add up to the amount given', () => {
    const ok = parseReverse({ id: '1', amount: '300.30', refund_cart: cart });
    assert.equal(ok.ok && ok.value.refundCart?.length, 2);
    assert.match(
      failMsg(parseReverse({ id: '1', amount: '300.00', refund_cart: cart })),
      /^Корзина: Сумма позиций/,
    );
    const full = parseReverse({ id: '1', partial: 'false', refund_cart: cart });
    assert.equal(
      full.ok && full.value.refundCart?.length,
      2,
      'a full refund: checked by the route against the remainder',
    );
  });
});
