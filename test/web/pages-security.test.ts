import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { newPublicId } from '../../src/domain/ids.ts';
import { buildApp } from '../../src/web/app.ts';
import { validateCardForm } from '../../src/web/pages/card-form.ts';
import { pageLimits } from '../../src/web/pages/security.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, expectFail, payment, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { actionOf, freshIp, goodCard, hiddenFields, PageClient, textOf } from './pages-helpers.ts';

/**
 * The payment and ACS pages under attack, as a payment-security review before a PCI DSS
 * assessment would try them: markup injection through every merchant- or payer-controlled
 * string, open redirects (return URLs, TermUrl, aliases), CSRF and cookie flags, framing,
 * caching, CSP on every page and error page, card data in responses, enumeration, hostile
 * bodies, other methods, and Unicode in the holder's name.
 */

/** Something that would run or load if it reached the page as markup. */
const xss = `"><script>alert(1)</script><img src=x onerror=alert(2)>'\`<svg onload=alert(3)>`;

/** Every tag in the page is one of ours: external scripts only, no handlers, no injected elements. */
function assertNoInjectedMarkup(body: string, where: string): void {
  for (const [tag] of body.matchAll(/<[a-zA-Z][^>]*>/g)) {
    // Attribute values are double-quoted with quotes escaped inside: drop them, look at the rest.
    const bare = tag.replace(/"[^"]*"/g, '""');
    assert.doesNotMatch(bare, /\son[a-z]+\s*=/i, `${where}: an event handler in ${tag}`);
    assert.doesNotMatch(bare, /['`]/, `${where}: an attribute not double-quoted in ${tag}`);
    assert.doesNotMatch(tag, /^<(img|svg|object|embed|base)\b/i, `${where}: ${tag}`);
    if (/^<script\b/i.test(tag))
      assert.match(tag, /^<script src="\/pay\/assets\/[a-z-]+\.js\?v=[\w-]+" defer>$/, `${where}: ${tag}`);
    if (/^<iframe\b/i.test(tag)) assert.match(tag, /^<iframe name="tds-method" /, `${where}: ${tag}`);
    assert.doesNotMatch(tag, /(href|action|src)="\s*(javascript|data|vbscript):/i, `${where}: ${tag}`);
  }
}

/** The headers every HTML page of the payment pages carries, error pages included. */
function assertPageHeaders(res: LightMyRequestResponse, where: string, frameable = false): void {
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/, where);
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /default-src 'none'/, `${where}: ${csp}`);
  assert.match(csp, /script-src 'self'(;|$)/, `${where}: ${csp}`);
  assert.match(csp, /base-uri 'none'/, `${where}: ${csp}`);
  assert.match(csp, new RegExp(`frame-ancestors ${frameable ? "'self'" : "'none'"}`), `${where}: ${csp}`);
  assert.ok(!csp.includes('unsafe'), `${where}: ${csp}`);
  assert.equal(res.headers['x-frame-options'], frameable ? 'SAMEORIGIN' : 'DENY', where);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
  assert.equal(res.headers['cache-control'], 'no-store', where);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', where);
  assert.equal(res.headers['access-control-allow-origin'], undefined, where);
}

const cookieNamed = (res: LightMyRequestResponse, name: string): string | undefined => {
  const all = res.headers['set-cookie'];
  return (Array.isArray(all) ? all : all ? [all] : []).find((c) => c.startsWith(`${name}=`));
};

/** The JSON inside a simulator token (`base64url(json).mac`), to look for what must not be there. */
const tokenText = (token: string): string => Buffer.from(token.split('.')[0]!, 'base64url').toString();

for (const flavor of await testFlavors()) {
  describe(`payment page security on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      m = BigInt(unwrap(await gw.engine.createMerchant({ name: `Shop ${xss}` })).id);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });
    afterEach(() => assertLedgerBalanced(gw.engine));

    const urls = {
      success: `https://shop.test/ok?q=${xss}`,
      fail: 'https://shop.test/fail',
      cancel: 'https://shop.test/back',
    };
    const newPayment = (more = {}) =>
      payment(gw.engine, m, {
        description: `Order ${xss}`,
        customer: { name: xss, email: `${xss}@x.test`, phone: xss },
        returnUrls: urls,
        ...more,
      });
    const status = async (id: bigint) => (await gw.engine.getPayment({ id }))!.status;

    test('markup injection: merchant, description, customer, return URL, typed values, language, 3-DS fields', async () => {
      const seen: [string, LightMyRequestResponse][] = [];
      const client = new PageClient(app, { 'accept-language': `${xss},en;q=0.5` });

      const p = await newPayment();
      const form = await client.get(`/pay/${p.publicId}?lang=${encodeURIComponent(xss)}`);
      assert.ok(form.body.includes('Shop &quot;&gt;&lt;script&gt;'), 'the merchant name, as text');
      seen.push(['form', form]);
      const retyped = await client.pay(p.publicId, { pan: '4111', exp: xss, cvc: xss, holder: xss });
      assert.equal(retyped.statusCode, 422);
      seen.push(['form re-rendered with typed values', retyped]);
      const paid = await client.follow(await client.pay(p.publicId, { pan: cards.approved, ...goodCard }));
      assert.match(paid.body, /data-status="captured"/);
      assert.match(
        paid.body,
        /<a id="return" class="button-primary" href="https:\/\/shop\.test\/ok\?q=%22%3E%3Cscript%3E/,
      );
      seen.push(['result with return link', paid]);

      for (const [pan, acsPath, mdName] of [
        [cards.threeDsV1, '/acs/v1', 'MD'],
        [cards.threeDsV2Challenge, '/acs/v2', 'threeDSSessionData'],
      ] as const) {
        const q = await newPayment();
        const hop = await client.follow(await client.pay(q.publicId, { pan, ...goodCard }));
        seen.push([`3-DS hop ${acsPath}`, hop]);
        const toAcs = hiddenFields(hop.body, 'tds-form');
        const acs = await client.post(acsPath, { ...toAcs, [mdName]: xss });
        assert.equal(acs.statusCode, 200, acs.body);
        assert.ok(acs.body.includes('Order &quot;&gt;&lt;script&gt;'), 'the description, as text');
        seen.push([`ACS challenge ${acsPath}`, acs]);
        const answer = await client.post(`${acsPath}/answer`, {
          ...hiddenFields(acs.body, 'acs-form'),
          otp: xss,
        });
        assert.equal(answer.statusCode, 200);
        seen.push([`ACS answer ${acsPath}`, answer]);
        seen.push([
          `ACS refusal ${acsPath}`,
          await client.post(acsPath, { ...toAcs, PaReq: xss, creq: xss }),
        ]);
      }
      seen.push(['404', await client.get(`/pay/${encodeURIComponent(xss)}?lang=${encodeURIComponent(xss)}`)]);
      seen.push(['404 elsewhere', await client.get(`/pay/x/${encodeURIComponent(xss)}`)]);
      seen.push(['403', await client.post(`/pay/${p.publicId}`, { csrf: xss, holder: xss })]);

      for (const [where, res] of seen) {
        assertNoInjectedMarkup(res.body, where);
        assert.ok(!res.body.includes('<script>alert'), where);
      }
    });

    test('return URLs with spaces, newlines, Cyrillic or an IDN host: a clean redirect, not a 500 after the cancel', async () => {
      for (const [cancel, location] of [
        [
          'https://shop.test/корзина?x=я',
          'https://shop.test/%D0%BA%D0%BE%D1%80%D0%B7%D0%B8%D0%BD%D0%B0?x=%D1%8F',
        ],
        ['https://магазин.рф/back', 'https://xn--80aairftm.xn--p1ai/back'],
        ['https://shop.test/a\nb', 'https://shop.test/ab'],
        ['https://shop.test/a b', 'https://shop.test/a%20b'],
      ] as const) {
        const p = await payment(gw.engine, m, { returnUrls: { cancel, fail: cancel } });
        const client = new PageClient(app);
        const page = await client.get(`/pay/${p.publicId}`);
        const res = await client.post(`/pay/${p.publicId}/cancel`, hiddenFields(page.body, 'cancel-form'));
        assert.equal(res.statusCode, 303, `${cancel}: ${res.body}`);
        assert.equal(res.headers.location, location);
        assert.equal(await status(p.id), 'canceled');
        const result = await client.get(`/pay/${p.publicId}`);
        assert.match(
          result.body,
          new RegExp(`<a id="return" [^>]*href="${location.replace(/[.?]/g, '\\$&')}"`),
        );
        assert.ok(result.body.includes(`content="3;url=${location}"`), 'the refresh goes to the same URL');
      }
    });

    test('3-D Secure: a posted TermUrl, MD or session data never steers the answer; a non-http(s) return is refused', async () => {
      const client = new PageClient(app);
      const p = await newPayment();
      const hop = await client.follow(await client.pay(p.publicId, { pan: cards.threeDsV1, ...goodCard }));
      const toAcs = hiddenFields(hop.body, 'tds-form');
      const termUrl = `http://kopek.test/pay/${p.publicId}/3ds`;
      assert.equal(toAcs.TermUrl, termUrl);
      for (const forged of ['https://evil.test/steal', termUrl.toUpperCase(), `${termUrl}?x`, ''])
        assert.equal((await client.post('/acs/v1', { ...toAcs, TermUrl: forged })).statusCode, 400, forged);

      // Without a TermUrl, or with extra fields at the answer, the PaRes goes where the PaReq says.
      const { TermUrl: _, ...withoutTermUrl } = toAcs;
      const acs = await client.post('/acs/v1', withoutTermUrl);
      assert.equal(acs.statusCode, 200);
      assert.equal(hiddenFields(acs.body, 'acs-form').TermUrl, termUrl);
      const answer = await client.post('/acs/v1/answer', {
        ...hiddenFields(acs.body, 'acs-form'),
        TermUrl: 'https://evil.test/steal',
        MD: 'forged',
        otp: '123456',
      });
      assert.equal(actionOf(answer.body, 'acs-answer'), termUrl);
      assert.equal(hiddenFields(answer.body, 'acs-answer').MD, toAcs.MD, 'the MD is the signed one');
      assert.match(
        String(answer.headers['content-security-policy']),
        /form-action 'self' http:\/\/kopek\.test;/,
      );

      const q = await newPayment();
      const hop2 = await client.follow(
        await client.pay(q.publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      const acs2 = await client.post('/acs/v2', {
        ...hiddenFields(hop2.body, 'tds-form'),
        TermUrl: 'https://evil.test/',
        notificationURL: 'https://evil.test/',
      });
      const answer2 = await client.post('/acs/v2/answer', {
        ...hiddenFields(acs2.body, 'acs-form'),
        TermUrl: 'https://evil.test/',
        otp: '123456',
      });
      assert.equal(actionOf(answer2.body, 'acs-answer'), `http://kopek.test/pay/${q.publicId}/3ds`);

      // A non-http(s) return URL: the engine refuses it, and should a bank ever sign one into
      // a PaReq anyway, the ACS must not auto-submit a PaRes to `javascript:`.
      const r = await newPayment();
      const evil = 'javascript:alert(document.cookie)//';
      expectFail(
        await gw.engine.payWithCard({
          payment: { publicId: r.publicId },
          card: card(cards.threeDsV1),
          threeDsReturnUrl: evil,
        }),
        'invalid_argument',
      );
      const signed = await gw.simulator.authorize({
        operationId: `evil-${r.id}`,
        testMode: true,
        signal: AbortSignal.timeout(5000),
        amountMinor: 100n,
        currency: 'RUB',
        capture: true,
        card: card(cards.threeDsV1),
        threeDsReturnUrl: evil,
      });
      assert.ok(signed.kind === 'challenge' && signed.challenge.version === '1');
      const form = signed.challenge.form as Record<string, string>;
      const refused = await client.post('/acs/v1', form);
      assert.equal(refused.statusCode, 400);
      assertPageHeaders(refused, 'ACS refusal');
      const answered = await client.post('/acs/v1/answer', { PaReq: form.PaReq!, otp: '123456' });
      assert.equal(answered.statusCode, 400);
      assert.doesNotMatch(answered.body, /javascript:/);
    });

    test('aliases and cancel never redirect off the gateway except to the merchant URL', async () => {
      const p = await newPayment();
      const client = new PageClient(app);
      for (const url of [
        `/hpp/?cpi=cpi_${p.publicId}&lang=en%0d%0aLocation:%20https://evil.test`,
        `/hpp/?cpi=cpi_${p.publicId}&lang=//evil.test`,
      ]) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 302, url);
        assert.equal(res.headers.location, `/pay/${p.publicId}`, url);
        assert.equal(res.headers['cache-control'], 'no-store', 'a redirect naming a payment is not cached');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
      }
      for (const url of [
        '/hpp/?cpi=cpi_//evil.test/xxxxxxxx',
        '/hpp/?cpi=cpi_%2F%2Fevil.test%2Fxxxxxxx',
        '/hpp/?cpi=https://evil.test',
        `/hpp?cpi=cpi_${p.publicId}&cpi=cpi_//evil.test`,
        '/bill/..%2f..%2fevil.test/',
        '/bill/1%0d%0aLocation:x/',
      ]) {
        const res = await client.get(url);
        assert.equal(res.statusCode, 404, url);
        assert.equal(res.headers.location, undefined, url);
      }
    });

    test('/bill lookups are counted per client IP: invoice ids can be guessed by counting', async () => {
      const client = new PageClient(app, { 'accept-language': 'en' });
      for (let i = 0; i < pageLimits.billLookupsPerIpPerMinute; i++)
        assert.equal((await client.get(`/bill/2026112312000${String(i).padStart(5, '0')}/`)).statusCode, 404);
      const limited = await client.get('/bill/2026112312000099999/');
      assert.equal(limited.statusCode, 429);
      assert.equal(textOf(limited.body, 'error'), 'Too many attempts');
      assertPageHeaders(limited, '429');
      assert.equal((await new PageClient(app).get('/bill/1/')).statusCode, 404, 'another IP is not limited');
    });

    test('every page and error page: CSP without unsafe-*, no framing, nosniff, no-store', async () => {
      const client = new PageClient(app);
      const p = await newPayment();
      const pages: [string, LightMyRequestResponse, boolean?][] = [];
      const form = await client.get(`/pay/${p.publicId}`);
      pages.push(['form', form]);
      pages.push(['422', await client.pay(p.publicId, { pan: '1', exp: '', cvc: '', holder: '' })]);
      pages.push(['403', await client.post(`/pay/${p.publicId}`, { csrf: 'x' })]);
      pages.push(['404 unknown payment', await client.get('/pay/AAAAAAAAAAAAAAAA')]);
      for (const url of [
        `/pay/${p.publicId}/`,
        `/pay/${p.publicId}/nope`,
        '/pay',
        '/acs/v1',
        '/acs/v9',
        '/hpp/x',
        '/bill',
      ])
        pages.push([`404 ${url}`, await client.get(url)]);
      for (const method of ['OPTIONS', 'PUT', 'DELETE', 'PATCH'] as const)
        pages.push([
          `404 ${method}`,
          await app.inject({ method, url: `/pay/${p.publicId}`, remoteAddress: client.ip }),
        ]);
      pages.push([
        '413',
        await app.inject({
          method: 'POST',
          url: `/pay/${p.publicId}`,
          remoteAddress: freshIp(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `pan=${cards.approved}&cvc=987&x=${'1'.repeat(pageLimits.formBodyBytesMax)}`,
        }),
      ]);
      pages.push([
        '415',
        await app.inject({
          method: 'POST',
          url: `/pay/${p.publicId}`,
          remoteAddress: freshIp(),
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ pan: cards.approved, cvc: '987' }),
        }),
      ]);
      const hop = await client.follow(
        await client.pay(p.publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      pages.push(['3-DS hop', hop]);
      const method = await client.post('/acs/v2/method', hiddenFields(hop.body, 'tds-method-form'));
      pages.push(['ACS method', method, true]);
      pages.push([
        'method notification, refused',
        await client.post(`/pay/${p.publicId}/3ds/method`, {}),
        true,
      ]);
      const acs = await client.post('/acs/v2', hiddenFields(hop.body, 'tds-form'));
      pages.push(['ACS challenge', acs]);
      pages.push(['ACS error', await client.post('/acs/v2', { creq: 'x' })]);
      const answer = await client.post('/acs/v2/answer', { ...hiddenFields(acs.body, 'acs-form'), otp: '1' });
      pages.push(['ACS answer', answer]);
      pages.push(['3-DS return, bad', await client.post(`/pay/${p.publicId}/3ds`, {})]);
      const back = await client.post(`/pay/${p.publicId}/3ds`, hiddenFields(answer.body, 'acs-answer'));
      pages.push(['form after a failed challenge', await client.follow(back)]);
      const cancel = await client.post(`/pay/${p.publicId}/cancel`, hiddenFields(form.body, 'cancel-form'));
      pages.push(['canceled result', await client.get(`/pay/${p.publicId}`)]);
      for (const [where, res, frameable] of pages) assertPageHeaders(res, where, frameable);
      for (const res of [back, cancel]) assert.equal(res.headers['cache-control'], 'no-store');

      const head = await app.inject({ method: 'HEAD', url: `/pay/${p.publicId}`, remoteAddress: client.ip });
      assert.equal(head.statusCode, 200);
      assert.equal(head.body, '');
      assertPageHeaders(head, 'HEAD');
      const asset404 = await client.get('/pay/assets/nope.js');
      assert.equal(asset404.statusCode, 404);
      assert.match(String(asset404.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(asset404.headers['x-content-type-options'], 'nosniff');
      assert.equal(form.headers['strict-transport-security'], undefined, 'no HSTS for an http gateway');
    });

    test('hostile bodies: JSON, text, repeated keys, thousands of fields', async () => {
      const client = new PageClient(app);
      // A pending 3-DS step: a JSON "answer" with objects for strings must not touch it.
      const p = await newPayment();
      const hop = await client.follow(await client.pay(p.publicId, { pan: cards.threeDsV1, ...goodCard }));
      for (const [type, payload] of [
        ['application/json', JSON.stringify({ PaRes: { a: 1 }, MD: ['x'] })],
        ['text/plain', 'PaRes=x&MD=y'],
        [
          'multipart/form-data; boundary=b',
          '--b\r\nContent-Disposition: form-data; name="PaRes"\r\n\r\nx\r\n--b--',
        ],
      ]) {
        const res = await app.inject({
          method: 'POST',
          url: `/pay/${p.publicId}/3ds`,
          remoteAddress: client.ip,
          headers: { 'content-type': type! },
          payload: payload!,
        });
        assert.equal(res.statusCode, 415, `${type}: ${res.body.slice(0, 200)}`);
        assertPageHeaders(res, type!);
        const after = (await gw.engine.getPayment({ id: p.id }))!;
        assert.equal(after.status, 'pending', `${type}: the 3-DS step still waits`);
        assert.ok(after.challenge, type);
      }
      for (const url of ['/acs/v1', '/acs/v1/answer', '/acs/v2', '/acs/v2/answer', '/acs/v2/method'])
        assert.equal(
          (
            await app.inject({
              method: 'POST',
              url,
              remoteAddress: freshIp(),
              payload: { PaReq: { a: 1 }, creq: [1], threeDSMethodData: {} },
            })
          ).statusCode,
          415,
          url,
        );
      // The real answer still completes it.
      const toAcs = hiddenFields(hop.body, 'tds-form');
      const acs = await client.post('/acs/v1', toAcs);
      const answer = await client.post('/acs/v1/answer', {
        ...hiddenFields(acs.body, 'acs-form'),
        otp: '123456',
      });
      await client.post(`/pay/${p.publicId}/3ds`, hiddenFields(answer.body, 'acs-answer'));
      assert.equal(await status(p.id), 'captured');

      // Repeated names: the first value wins, for the token as for the card.
      const q = await newPayment();
      const { csrf } = hiddenFields((await client.get(`/pay/${q.publicId}`)).body, 'pay-form');
      const raw = async (body: string) =>
        app.inject({
          method: 'POST',
          url: `/pay/${q.publicId}`,
          remoteAddress: client.ip,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: client.cookie },
          payload: body,
        });
      const typed = new URLSearchParams(goodCard).toString();
      assert.equal((await raw(`csrf=bad&csrf=${csrf}&pan=${cards.approved}&${typed}`)).statusCode, 403);
      const junk = 'x=&'.repeat(Math.floor((pageLimits.formBodyBytesMax - 200) / 3));
      assert.equal((await raw(`${junk}csrf=bad`)).statusCode, 403, 'thousands of fields: still just a form');
      const twice = await raw(`csrf=${csrf}&csrf=bad&pan=${cards.declined}&pan=${cards.approved}&${typed}`);
      assert.equal(twice.statusCode, 303);
      const after = (await gw.engine.getPayment({ id: q.id }))!;
      assert.equal(after.decline?.reason, 'do_not_honor', 'the first number was the one tried');
      assert.equal(after.status, 'created');
      const proto = await raw(`__proto__=x&constructor=y&toString=z&csrf=${csrf}&pan=1&${typed}`);
      assert.equal(proto.statusCode, 422, 'odd names are just names');
    });

    test('card data: never echoed in any response, never in a 3-DS token, never logged', async () => {
      const pan = cards.threeDsV1;
      const cvc = '987';
      const leaks = [pan, pan.replace(/(\d{4})/g, '$1 ').trim(), `value="${cvc}"`];
      const client = new PageClient(app);
      const p = await newPayment();
      const responses: [string, LightMyRequestResponse][] = [];
      responses.push([
        '403',
        await client.post(`/pay/${p.publicId}`, { pan, cvc, exp: '12/30', holder: 'A' }),
      ]);
      responses.push(['422', await client.pay(p.publicId, { pan, cvc, exp: '13/99', holder: 'A' })]);
      responses.push([
        '422 holder',
        await client.pay(p.publicId, { pan, cvc, exp: '12/30', holder: 'Иван' }),
      ]);
      const posted = await client.pay(p.publicId, {
        pan: `${pan.slice(0, 8)} ${pan.slice(8)}`,
        cvc,
        ...{ exp: '12/30', holder: 'A B' },
      });
      responses.push(['303', posted]);
      const hop = await client.follow(posted);
      responses.push(['3-DS hop', hop]);
      const toAcs = hiddenFields(hop.body, 'tds-form');
      assert.ok(!tokenText(toAcs.PaReq!).includes(pan), 'no number in the PaReq');
      assert.doesNotMatch(tokenText(toAcs.PaReq!), /"987"|cvc/i, 'no CVC in the PaReq');
      assert.ok(!toAcs.MD!.includes(pan) && !toAcs.MD!.includes(cvc), 'nor in the MD');
      const acs = await client.post('/acs/v1', toAcs);
      responses.push(['ACS', acs]);
      assert.equal(textOf(acs.body, 'acs-card'), '400000******3063');
      responses.push([
        '413',
        await app.inject({
          method: 'POST',
          url: `/pay/${p.publicId}`,
          remoteAddress: freshIp(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `pan=${pan}&cvc=${cvc}&x=${'1'.repeat(pageLimits.formBodyBytesMax)}`,
        }),
      ]);
      for (const [where, res] of responses) {
        for (const leak of leaks) assert.ok(!res.body.includes(leak), `${where}: ${leak}`);
        assert.ok(!JSON.stringify(res.headers).includes(pan), `${where}: headers`);
      }
      assert.ok(!gw.logs.join('').includes(pan), 'nor logged');
      const formPage = (await new PageClient(app).get(`/pay/${(await newPayment()).publicId}`)).body;
      assert.match(formPage, /<input id="pan" name="pan" [^>]*autocomplete="cc-number"/);
      assert.match(formPage, /<input id="cvc" name="cvc" [^>]*autocomplete="cc-csc"/);
      assert.doesNotMatch(formPage, /<input id="(pan|cvc)"[^>]*\svalue=/, 'no prefilled number or CVC');
    });

    test('holder names: Unicode that upper-cases into Latin letters is refused, as pay.js refuses it', async () => {
      const sandbox: {
        kopekCard?: { checkCard(f: Record<string, string>, now: Date): Record<string, string> };
      } = {};
      runInNewContext(
        readFileSync(new URL('../../src/web/pages/assets/pay.js', import.meta.url), 'utf8'),
        sandbox,
      );
      const now = gw.clock.now();
      const refused = [
        'straße',
        'ﬁona smith',
        'ıvan ıvanov',
        'IVAN\u200bIVANOV',
        '\u202eVONAVI NAVI',
        'Ивáн', // an accent off, the letters are still Cyrillic
        `${'A'.repeat(99)}😀`,
      ];
      const accepted: [string, string][] = [
        ['ivan\u00a0ivanov', 'IVAN IVANOV'],
        ['ÉMILE', 'EMILE'], // accents are dropped, as embossing drops them
        ["  Anne-Marie   O'Neil ", "ANNE-MARIE O'NEIL"],
      ];
      const fields = (holder: string) => ({ pan: cards.approved, exp: '12/30', cvc: '123', holder });
      for (const holder of refused) {
        const server = validateCardForm(fields(holder), now);
        assert.ok(!server.ok && server.error.holder === 'holder_invalid', `server: ${holder}`);
        assert.equal(
          sandbox.kopekCard!.checkCard(fields(holder), now).holder,
          'holder_invalid',
          `pay.js: ${holder}`,
        );
      }
      for (const [holder, stored] of accepted) {
        const server = validateCardForm(fields(holder), now);
        assert.ok(server.ok && server.value.holder === stored, `server: ${holder}`);
        assert.equal(
          sandbox.kopekCard!.checkCard(fields(holder), now).holder,
          undefined,
          `pay.js: ${holder}`,
        );
      }

      const client = new PageClient(app);
      const p = await newPayment();
      const res = await client.pay(p.publicId, fields('straße'));
      assert.equal(res.statusCode, 422);
      assert.ok(res.body.includes('value="straße"'), 'shown again as typed');
      const cut = await client.pay(p.publicId, fields(`${'A'.repeat(99)}😀`));
      assert.equal(cut.statusCode, 422, 'a surrogate pair cut at the length bound is no crash');
      assert.equal((await gw.engine.getPayment({ id: p.id }))!.attempts, 0);
      const paid = await client.pay(p.publicId, fields('ivan\u00a0ivanov'));
      assert.equal(paid.statusCode, 303);
      assert.equal((await gw.engine.getPayment({ id: p.id }))!.card?.holder, 'IVAN IVANOV');
    });

    test('enumeration: public ids are 16 uniform base62 characters; unknown and malformed ids look alike', async () => {
      const ids = Array.from({ length: 4000 }, () => newPublicId());
      assert.equal(new Set(ids).size, ids.length);
      for (const id of ids) assert.match(id, /^[0-9A-Za-z]{16}$/);
      const counts = new Map<string, number>();
      for (const ch of ids.join('')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
      assert.equal(counts.size, 62, 'every base62 character occurs');
      // 64 000 characters: about 1032 of each; a biased generator (e.g. byte % 62) strays far more.
      for (const [ch, n] of counts) assert.ok(n > 850 && n < 1250, `${ch}: ${n}`);
      assert.match((await newPayment()).publicId, /^[0-9A-Za-z]{16}$/);

      const client = new PageClient(app);
      const unknown = await client.get('/pay/AAAAAAAAAAAAAAAA');
      const malformed = await client.get('/pay/AAAA');
      assert.equal(unknown.statusCode, 404);
      assert.equal(malformed.statusCode, 404);
      // Alike but for the language switch, which reloads the address asked for.
      const switchless = (body: string) => body.replace(/ href="\/pay\/\w+\?lang=en"/, '');
      assert.equal(switchless(unknown.body), switchless(malformed.body));
    });
  });

  describe(`payment page cookies and transport on ${flavor}, public URL https`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor, { config: { publicUrl: 'https://pay.kopek.test' } });
      app = await buildApp(gw);
      m = BigInt(unwrap(await gw.engine.createMerchant({ name: 'Shop' })).id);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    test('CSRF and language cookies: HttpOnly, SameSite, Secure, scoped; HSTS on every response', async () => {
      const p = await payment(gw.engine, m, { returnUrls: { cancel: 'https://shop.test/back' } });
      const client = new PageClient(app);
      const page = await client.get(`/pay/${p.publicId}?lang=en`);
      const csrf = cookieNamed(page, 'kopek_csrf')!;
      assert.ok(csrf, 'a CSRF cookie');
      const attributes = csrf.split('; ').slice(1);
      for (const a of [`Path=/pay/${p.publicId}`, 'HttpOnly', 'SameSite=Lax', 'Secure'])
        assert.ok(attributes.includes(a), `${a} in ${csrf}`);
      assert.ok(!attributes.some((a) => /^Domain=/i.test(a)), 'host-only');
      const lang = cookieNamed(page, 'kopek_lang')!;
      for (const a of ['Path=/', 'HttpOnly', 'SameSite=Lax', 'Secure'])
        assert.ok(lang.split('; ').includes(a), `${a} in ${lang}`);

      const token = hiddenFields(page.body, 'pay-form').csrf!;
      assert.equal(csrf.split(';')[0], `kopek_csrf=${token}`, 'the form carries the cookie token');
      assert.equal(
        cookieNamed(await client.get(`/pay/${p.publicId}`), 'kopek_csrf'),
        undefined,
        'kept, not reissued',
      );

      const responses = [
        page,
        await client.get('/pay/AAAAAAAAAAAAAAAA'),
        await client.get(`/pay/${p.publicId}/nope`),
        await client.get(`/hpp?cpi=cpi_${p.publicId}`),
        await client.post(`/pay/${p.publicId}/cancel`, hiddenFields(page.body, 'cancel-form')),
        await client.get(
          new URL(page.body.match(/href="(\/pay\/assets\/pay\.css[^"]*)"/)![1]!, 'https://x').pathname,
        ),
      ];
      for (const res of responses)
        assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', `${res.statusCode}`);
    });
  });
}
