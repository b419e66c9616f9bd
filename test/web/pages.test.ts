import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, cards, payment, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { actionOf, goodCard, hiddenFields, PageClient, textOf } from './pages-helpers.ts';

/** The hosted payment page through `inject`: headers, CSRF, validation, language, aliases, 404s. */
for (const flavor of await testFlavors()) {
  describe(`payment pages on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      m = BigInt(unwrap(await gw.engine.createMerchant({ name: 'Shop <b>"Romashka"</b>' })).id);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });
    afterEach(() => assertLedgerBalanced(gw.engine));

    const newPayment = (more = {}) =>
      payment(gw.engine, m, {
        description: 'Order <script>alert(1)</script> №7',
        returnUrls: {
          success: 'https://shop.test/ok',
          fail: 'https://shop.test/fail',
          cancel: 'https://shop.test/cancel',
        },
        ...more,
      });

    test('the form page: security headers, ids, labels, autofill tokens, escaped merchant text', async () => {
      const p = await newPayment();
      const res = await new PageClient(app).get(`/pay/${p.publicId}`);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /form-action 'self' https:\/\/shop\.test(;|$)/, 'the cancel redirect may leave');
      assert.ok(!csp.includes('unsafe'), csp);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['cache-control'], 'no-store');

      const body = res.body;
      assert.ok(!/<script(?![^>]*\ssrc=)[^>]*>/.test(body), 'no inline script');
      assert.ok(!/\sstyle=/.test(body) && !body.includes('<style'), 'no inline style');
      assert.ok(!/\son[a-z]+=/.test(body), 'no inline event handlers');
      for (const id of ['pay-form', 'pan', 'exp', 'cvc', 'holder', 'pay', 'cancel'])
        assert.ok(body.includes(`id="${id}"`), `#${id}`);
      for (const [id, token] of [
        ['pan', 'cc-number'],
        ['exp', 'cc-exp'],
        ['cvc', 'cc-csc'],
        ['holder', 'cc-name'],
      ]) {
        assert.match(body, new RegExp(`<input id="${id}"[^>]*autocomplete="${token}"`), `${id} autofill`);
        assert.ok(body.includes(`<label for="${id}">`), `${id} has a label`);
        assert.ok(body.includes(`id="${id}-error"`), `${id} has an error container`);
      }
      assert.ok(body.includes('Shop &lt;b&gt;&quot;Romashka&quot;&lt;/b&gt;'), 'merchant name escaped');
      assert.ok(body.includes('Order &lt;script&gt;alert(1)&lt;/script&gt; №7'), 'description escaped');
      assert.ok(!body.includes('<script>alert(1)'));
      assert.ok(body.includes('100,00'), 'amount in Russian format');
    });

    test('static assets: right type, long cache with the hash, 304 by ETag, nothing else served', async () => {
      const page = await new PageClient(app).get(`/pay/${(await newPayment()).publicId}`);
      const css = /href="(\/pay\/assets\/pay\.css\?v=[^"]+)"/.exec(page.body)![1]!;
      const js = /src="(\/pay\/assets\/pay\.js\?v=[^"]+)"/.exec(page.body)![1]!;
      const cssRes = await app.inject(css);
      assert.equal(cssRes.statusCode, 200);
      assert.equal(cssRes.headers['content-type'], 'text/css; charset=utf-8');
      assert.equal(cssRes.headers['cache-control'], 'public, max-age=31536000, immutable');
      const jsRes = await app.inject(js);
      assert.equal(jsRes.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(jsRes.headers['x-content-type-options'], 'nosniff');
      const stale = await app.inject('/pay/assets/pay.js?v=old');
      assert.equal(stale.headers['cache-control'], 'public, no-cache');
      const again = await app.inject({
        url: '/pay/assets/pay.js',
        headers: { 'if-none-match': String(jsRes.headers.etag) },
      });
      assert.equal(again.statusCode, 304);
      for (const path of [
        '/pay/assets/nope.js',
        '/pay/assets/..%2Fpay-routes.ts',
        '/pay/assets/%2e%2e%2fplugin.ts',
      ])
        assert.equal((await app.inject(path)).statusCode, 404, path);
    });

    test('CSRF: a POST without the token, with a wrong one, or without the cookie is refused with a 403 page', async () => {
      const p = await newPayment();
      const other = await newPayment();
      const client = new PageClient(app, { 'accept-language': 'en' });
      const page = await client.get(`/pay/${p.publicId}`);
      const { csrf } = hiddenFields(page.body, 'pay-form');
      const card = { pan: cards.approved, ...goodCard };
      const otherToken = hiddenFields((await client.get(`/pay/${other.publicId}`)).body, 'pay-form').csrf!;

      const none = await client.post(`/pay/${p.publicId}`, card);
      assert.equal(none.statusCode, 403);
      assert.match(String(none.headers['content-type']), /^text\/html/);
      assert.equal(textOf(none.body, 'error'), 'This form has expired');
      assert.ok(none.body.includes(`href="/pay/${p.publicId}"`), 'a way back to the form');
      assert.equal((await client.post(`/pay/${p.publicId}`, { ...card, csrf: 'x.y' })).statusCode, 403);
      assert.equal(
        (await client.post(`/pay/${p.publicId}`, { ...card, csrf: otherToken })).statusCode,
        403,
        "another payment's token",
      );
      const cookieless = await app.inject({
        method: 'POST',
        url: `/pay/${p.publicId}`,
        remoteAddress: client.ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ ...card, csrf: csrf! }).toString(),
      });
      assert.equal(cookieless.statusCode, 403, 'the form token alone is not enough');
      assert.equal((await client.post(`/pay/${p.publicId}/cancel`, {})).statusCode, 403, 'cancel too');
      const after = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(after.status, 'created');
      assert.equal(after.attempts, 0);
      assert.ok(!none.body.includes(cards.approved));
    });

    test('server-side validation puts each message beside its field and never echoes the number or CVC', async () => {
      const p = await newPayment();
      const client = new PageClient(app, { 'accept-language': 'en-US,en;q=0.9' });
      const badPan = '4111111111111112';
      const res = await client.pay(p.publicId, { pan: badPan, exp: '13/30', cvc: '98', holder: 'Иван' });
      assert.equal(res.statusCode, 422);
      assert.equal(textOf(res.body, 'pan-error'), 'Check the card number.');
      assert.equal(textOf(res.body, 'exp-error'), 'Enter the date as MM/YY.');
      assert.equal(textOf(res.body, 'cvc-error'), 'Enter 3 digits (4 for American Express).');
      assert.equal(textOf(res.body, 'holder-error'), 'Latin letters, as printed on the card.');
      assert.match(res.body, /<input id="pan"[^>]*aria-invalid="true"/);
      assert.ok(!res.body.includes(badPan) && !res.body.includes('value="98"'), 'no PAN, no CVC');
      assert.ok(res.body.includes('value="13/30"'), 'the expiry as typed stays');

      const past = await client.pay(p.publicId, {
        pan: cards.approved,
        exp: '10/26',
        cvc: '123',
        holder: 'A B',
      });
      assert.equal(past.statusCode, 422, 'October 2026 is over on the test clock (November 2026)');
      assert.equal(textOf(past.body, 'exp-error'), 'This card has expired.');
      assert.equal(textOf(past.body, 'pan-error'), '');

      const amex = await client.pay(p.publicId, {
        pan: '378282246310005',
        exp: '12/30',
        cvc: '123',
        holder: 'A B',
      });
      assert.equal(textOf(amex.body, 'cvc-error'), 'Enter 3 digits (4 for American Express).');

      const empty = await client.pay(p.publicId, { pan: '', exp: '', cvc: '', holder: '' });
      for (const f of ['pan', 'exp', 'cvc', 'holder'])
        assert.equal(textOf(empty.body, `${f}-error`), 'This field is required.');
      assert.equal((await gw.engine.getPayment({ id: p.id }))!.attempts, 0, 'the bank was never asked');
      assert.ok(!gw.logs.join('').includes(badPan), 'nor was the number logged');
    });

    test('language: Accept-Language picks it, ?lang= overrides and is remembered, Russian by default', async () => {
      const p = await newPayment();
      const url = `/pay/${p.publicId}`;
      const plain = await new PageClient(app).get(url);
      assert.match(plain.body, /<html lang="ru">/);
      assert.equal(textOf(plain.body, 'pay'), 'Оплатить 100,00\u00a0₽');
      assert.ok(plain.body.includes('<label for="pan">Номер карты</label>'));

      const en = await new PageClient(app, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8,ru;q=0.5' }).get(
        url,
      );
      assert.match(en.body, /<html lang="en">/);
      assert.equal(textOf(en.body, 'pay'), 'Pay ₽100.00');
      assert.ok(en.body.includes(`href="/pay/${p.publicId}?lang=ru"`), 'a link to switch');

      const ruFirst = await new PageClient(app, { 'accept-language': 'en;q=0.5, ru' }).get(url);
      assert.match(ruFirst.body, /<html lang="ru">/);

      const client = new PageClient(app, { 'accept-language': 'ru-RU' });
      const switched = await client.get(`${url}?lang=en`);
      assert.match(switched.body, /<html lang="en">/);
      assert.match(String(switched.headers['set-cookie']), /kopek_lang=en; Path=\//);
      const later = await client.get(url);
      assert.match(later.body, /<html lang="en">/, 'the choice sticks without the query');
    });

    test('the language switch names the page it is about, wherever that page was served from', async () => {
      const p = await newPayment();
      const client = new PageClient(app, { 'accept-language': 'ru' });
      const refused = await client.post(`/pay/${p.publicId}/cancel`, {});
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, new RegExp(`class="lang-switch" href="/pay/${p.publicId}\\?lang=en"`));
      const bad = await client.get('/hpp/?cpi=bad');
      assert.equal(bad.statusCode, 404);
      assert.match(bad.body, /class="lang-switch" href="\/hpp\/\?cpi=bad&amp;lang=en"/, 'the query is kept');
      const twice = await client.get('/hpp/?lang=ru&cpi=bad');
      assert.match(twice.body, /class="lang-switch" href="\/hpp\/\?lang=en&amp;cpi=bad"/);
      const tricky = await client.get('/pay//evil.test/x');
      assert.equal(tricky.statusCode, 404);
      assert.doesNotMatch(tricky.body, /href="\/\//, 'never a link to another host');

      // The bank's pages are POSTed to: the switch posts the same challenge again.
      const hop = await client.follow(
        await client.pay(p.publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      const acs = await client.post('/acs/v2', hiddenFields(hop.body, 'tds-form'));
      assert.match(acs.body, /<html lang="ru">/);
      assert.equal(actionOf(acs.body, 'acs-lang'), '/acs/v2?lang=en');
      assert.deepEqual(hiddenFields(acs.body, 'acs-lang'), hiddenFields(hop.body, 'tds-form'));
      const switched = await client.post(actionOf(acs.body, 'acs-lang'), hiddenFields(acs.body, 'acs-lang'));
      assert.match(switched.body, /<html lang="en">/);
      assert.equal(textOf(switched.body, 'acs-title'), 'Purchase authentication');
      assert.equal(hiddenFields(switched.body, 'acs-form').lang, 'en', 'the answer keeps the language');
      const answered = await new PageClient(app, { 'accept-language': 'ru' }).post('/acs/v2/answer', {
        ...hiddenFields(switched.body, 'acs-form'),
        otp: '000000',
      });
      assert.match(answered.body, /<html lang="en">/);
      assert.equal(actionOf(answered.body, 'acs-lang'), '/acs/v2/answer?lang=ru');
      const again = await client.post(
        actionOf(answered.body, 'acs-lang'),
        hiddenFields(answered.body, 'acs-lang'),
      );
      assert.match(again.body, /<html lang="ru">/);
      assert.deepEqual(hiddenFields(again.body, 'acs-answer'), hiddenFields(answered.body, 'acs-answer'));
      const error = await client.post('/acs/v1', { PaReq: 'junk' });
      assert.equal(error.statusCode, 400);
      assert.equal(actionOf(error.body, 'acs-lang'), '/acs/v1?lang=en');
      const errorEn = await client.post(
        actionOf(error.body, 'acs-lang'),
        hiddenFields(error.body, 'acs-lang'),
      );
      assert.equal(errorEn.statusCode, 400);
      assert.equal(textOf(errorEn.body, 'error'), 'Invalid request');
    });

    test('after a server-side 422 the first invalid field has focus; after a decline, the decline alert', async () => {
      const p = await newPayment();
      const client = new PageClient(app);
      const res = await client.pay(p.publicId, {
        pan: cards.approved,
        exp: '13/30',
        cvc: '12',
        holder: 'A B',
      });
      assert.equal(res.statusCode, 422);
      assert.match(res.body, /<input id="exp"[^>]*aria-invalid="true"[^>]*autofocus/);
      assert.equal(res.body.match(/\sautofocus/g)?.length, 1, 'one autofocus only');
      const plain = await client.get(`/pay/${p.publicId}`);
      assert.doesNotMatch(plain.body, /\sautofocus/);

      await client.pay(p.publicId, { pan: cards.insufficientFunds, ...goodCard });
      const declined = await client.get(`/pay/${p.publicId}`);
      assert.match(
        declined.body,
        /<div class="alert alert-decline"[^>]*id="decline"[^>]*tabindex="-1" autofocus/,
      );
      assert.equal(declined.body.match(/\sautofocus/g)?.length, 1);
    });

    test('a holder name with accents, as autofill brings it, is accepted without them', async () => {
      const p = await newPayment();
      const client = new PageClient(app);
      const res = await client.pay(p.publicId, {
        pan: cards.insufficientFunds,
        exp: '12/30',
        cvc: '123',
        holder: 'José Müller',
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal((await gw.engine.getPayment({ id: p.id }))!.card?.holder, 'JOSE MULLER');
      const decomposed = await client.pay(p.publicId, {
        pan: cards.insufficientFunds,
        exp: '12/30',
        cvc: '123',
        holder: 'Jose\u0301 Mu\u0308ller',
      });
      assert.equal(decomposed.statusCode, 303, decomposed.body);
      assert.equal((await gw.engine.getPayment({ id: p.id }))!.card?.holder, 'JOSE MULLER');
    });

    test('a long description is clamped with an expand that needs no script; a short one is shown whole', async () => {
      const long = `${'Чай улун, 100 г; '.repeat(60)}конец`.slice(0, 1024);
      const p = await newPayment({ description: long });
      const page = await new PageClient(app).get(`/pay/${p.publicId}`);
      assert.match(page.body, /<details class="description" id="description">\s*<summary>/);
      assert.equal(textOf(page.body, 'description-full'), long, 'the whole text, once expanded');
      const short = await new PageClient(app).get(
        `/pay/${(await newPayment({ description: 'Books' })).publicId}`,
      );
      assert.doesNotMatch(short.body, /<details/);
      assert.match(short.body, /<p class="description">/);
    });

    test('aliases: Paymega /hpp/?cpi= and PayKeeper /bill/<id>/ redirect to the page', async () => {
      const p = await newPayment();
      const client = new PageClient(app);
      for (const url of [`/hpp/?cpi=cpi_${p.publicId}`, `/hpp?cpi=cpi_${p.publicId}`]) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 302, url);
        assert.equal(res.headers.location, `/pay/${p.publicId}`);
      }
      assert.equal(
        (await client.get(`/hpp/?cpi=cpi_${p.publicId}&lang=en`)).headers.location,
        `/pay/${p.publicId}?lang=en`,
      );
      for (const url of ['/hpp/', `/hpp/?cpi=${p.publicId}`, '/hpp/?cpi=cpi_../../x'])
        assert.equal((await client.get(url)).statusCode, 404, url);
      // a checkout link without an invoice is the Paymega dialect's: it makes one (its tests:
      // test/dialects/paymega/clients.test.ts)
      const shop = unwrap(await gw.engine.createMerchant({ name: 'Checkout shop' }));
      const checkout = await client.get(
        `/hpp/?public_key=${shop.paymega.public_key}&currency=EUR&amount=5&customer%5Breference_id%5D=c1`,
      );
      assert.equal(checkout.statusCode, 302, checkout.body);
      assert.match(String(checkout.headers.location), /\/pay\/[0-9A-Za-z]{16}$/);

      const { invoice } = unwrap(
        await gw.engine.createInvoice({
          payment: { merchantId: m, origin: 'paykeeper', amountMinor: 500_00n, currency: 'RUB' },
        }),
      );
      for (const url of [`/bill/${invoice.id}/`, `/bill/${invoice.id}`]) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 302, url);
        assert.equal(res.headers.location, `/pay/${invoice.paymentPublicId}`);
      }
      const unknown = await client.get('/bill/1234567890123456789/');
      assert.equal(unknown.statusCode, 404);
      assert.equal((await client.get('/bill/abc/')).statusCode, 404);
    });

    test('an unknown payment id is a 404 page in the payer language', async () => {
      const client = new PageClient(app, { 'accept-language': 'en' });
      assert.equal(textOf((await client.get('/pay/AAAAAAAAAAAAAAAA')).body, 'error'), 'Payment not found');
      for (const url of ['/pay/AAAAAAAAAAAAAAAA', '/pay/short', '/pay/AAAAAAAAAAAAAAAA?lang=ru']) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.equal(res.headers['x-frame-options'], 'DENY');
      }
      assert.equal(textOf((await client.get('/pay/AAAAAAAAAAAAAAAA')).body, 'error'), 'Платёж не найден');
      assert.equal(
        (await client.post('/pay/AAAAAAAAAAAAAAAA', { csrf: 'x' })).statusCode,
        404,
        'a POST to nothing is a 404 too',
      );
    });

    test('a declined attempt: friendly reason, attempts left, and no card number or CVC anywhere in the page', async () => {
      const p = await newPayment();
      const client = new PageClient(app);
      const posted = await client.pay(p.publicId, {
        pan: '4000 0000 0000 9995',
        exp: '12/30',
        cvc: '987',
        holder: 'ivan ivanov',
      });
      assert.equal(posted.statusCode, 303);
      assert.equal(posted.headers.location, `/pay/${p.publicId}`);
      assert.equal(posted.body, '');
      const page = await client.follow(posted);
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes('id="pay-form"'), 'the form is open for another try');
      assert.match(page.body, /data-reason="insufficient_funds"/);
      assert.ok(page.body.includes('Недостаточно средств на карте.'));
      assert.match(page.body, /data-attempts-left="2"/);
      assert.ok(page.body.includes('400000******9995'), 'the card shown masked');
      for (const leak of ['4000000000009995', '4000 0000 0000 9995', 'value="987"'])
        assert.ok(!page.body.includes(leak), leak);
      assert.ok(!gw.logs.join('').includes('4000000000009995'));
      const after = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(after.status, 'created');
      assert.equal(after.card?.holder, 'IVAN IVANOV');
    });
  });
}
