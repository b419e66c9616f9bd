import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/web/app.ts';
import { pageLimits } from '../../src/web/pages/security.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, cards, merchant, payment, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { actionOf, freshIp, goodCard, hiddenFields, PageClient, textOf } from './pages-helpers.ts';

/**
 * Whole payments through the pages, as a browser without JavaScript would make them: every
 * auto-submitted form is submitted by hand. The browser suite does the same with scripts on.
 */
for (const flavor of await testFlavors()) {
  describe(`payment page flows on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      m = await merchant(gw.engine);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });
    afterEach(() => assertLedgerBalanced(gw.engine));

    const urls = {
      success: 'https://shop.test/ok?o=1',
      fail: 'https://shop.test/fail',
      cancel: 'https://shop.test/back',
    };
    const status = async (id: bigint) => (await gw.engine.getPayment({ id }))!.status;

    test('approved: the result page names the status and sends the payer to the success URL', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const page = await client.follow(
        await client.pay(p.publicId, { pan: '4111 1111 1111 1111', ...goodCard }),
      );
      assert.match(page.body, /<h1 id="result" data-status="captured">/);
      assert.match(page.body, /<meta http-equiv="refresh" content="3;url=https:\/\/shop\.test\/ok\?o=1">/);
      assert.match(page.body, /<a id="return" [^>]*href="https:\/\/shop\.test\/ok\?o=1"/);
      assert.equal(await status(p.id), 'captured');
      const again = await client.post(`/pay/${p.publicId}`, { csrf: 'x' });
      assert.equal(again.statusCode, 403, 'a paid payment takes no more cards (and still wants the token)');
    });

    test('a card registration: approved on the page, shown as approved after its hold is voided', async () => {
      const reg = unwrap(
        await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay', returnUrls: urls }),
      );
      const client = new PageClient(app);
      const page = await client.follow(
        await client.pay(reg.payment.publicId, { pan: '4111 1111 1111 1111', ...goodCard }),
      );
      assert.equal(await status(reg.payment.id), 'canceled', 'the 1.00 hold was released');
      assert.equal((await gw.engine.getCard(m, { id: reg.card.id }))?.status, 'active');
      assert.match(page.body, /<h1 id="result" data-status="authorized">/);
      assert.match(page.body, /<a id="return" [^>]*href="https:\/\/shop\.test\/ok\?o=1"/);
    });

    test('3-D Secure 2 frictionless: approved at once, no ACS page', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const page = await client.follow(
        await client.pay(p.publicId, { pan: cards.threeDsV2Frictionless, ...goodCard }),
      );
      assert.match(page.body, /<h1 id="result" data-status="captured">/);
      assert.equal(await status(p.id), 'captured');
    });

    test('declined until the attempts run out: then failed, with the fail URL', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app, { 'accept-language': 'en' });
      let page = await client.follow(await client.pay(p.publicId, { pan: cards.declined, ...goodCard }));
      assert.match(page.body, /data-attempts-left="2"/);
      page = await client.follow(await client.pay(p.publicId, { pan: cards.declined, ...goodCard }));
      assert.match(page.body, /data-attempts-left="1"/);
      page = await client.follow(await client.pay(p.publicId, { pan: cards.declined, ...goodCard }));
      assert.match(page.body, /<h1 id="result" data-status="failed">Payment failed<\/h1>/);
      assert.ok(page.body.includes('Your bank declined the payment.'));
      assert.match(page.body, /url=https:\/\/shop\.test\/fail"/);
      assert.equal(await status(p.id), 'failed');
    });

    test('3-D Secure 1: PaReq, MD and TermUrl to the ACS, the code, PaRes and MD back to TermUrl', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls, description: 'Books' });
      const client = new PageClient(app);
      const hop = await client.follow(await client.pay(p.publicId, { pan: cards.threeDsV1, ...goodCard }));
      assert.match(
        hop.body,
        /<form id="tds-form" method="post" action="http:\/\/kopek\.test\/acs\/v1" data-autosubmit>/,
      );
      assert.match(String(hop.headers['content-security-policy']), /form-action 'self' http:\/\/kopek\.test/);
      const toAcs = hiddenFields(hop.body, 'tds-form');
      assert.deepEqual(Object.keys(toAcs), ['PaReq', 'MD', 'TermUrl']);
      assert.equal(toAcs.TermUrl, `http://kopek.test/pay/${p.publicId}/3ds`);

      const forgedTermUrl = await client.post('/acs/v1', { ...toAcs, TermUrl: 'https://evil.test/steal' });
      assert.equal(forgedTermUrl.statusCode, 400, 'the answer goes only where the PaReq says');

      const acs = await client.post('/acs/v1', toAcs);
      assert.equal(acs.statusCode, 200);
      assert.match(String(acs.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(acs.body, /<input id="otp"[^>]*autocomplete="one-time-code"/);
      const otp = /data-otp="(\d+)"/.exec(acs.body)![1]!;
      assert.equal(otp, gw.simulator.acs.expectedOtp(toAcs.PaReq!));
      assert.equal(textOf(acs.body, 'acs-amount'), '100,00\u00a0₽');
      assert.equal(textOf(acs.body, 'acs-card'), '400000******3063');

      const answer = await client.post(actionOf(acs.body, 'acs-form'), {
        ...hiddenFields(acs.body, 'acs-form'),
        otp,
      });
      assert.equal(actionOf(answer.body, 'acs-answer'), toAcs.TermUrl);
      const back = hiddenFields(answer.body, 'acs-answer');
      assert.deepEqual(Object.keys(back), ['PaRes', 'MD']);
      assert.equal(back.MD, toAcs.MD);

      const returned = await client.post(new URL(toAcs.TermUrl!).pathname, back);
      assert.equal(returned.statusCode, 303);
      const result = await client.follow(returned);
      assert.match(result.body, /data-status="captured"/);
      assert.equal(await status(p.id), 'captured');
      const replay = await client.post(new URL(toAcs.TermUrl!).pathname, back);
      assert.equal(replay.statusCode, 303, 'a replayed answer changes nothing');
      assert.equal(await status(p.id), 'captured');
    });

    test('3-D Secure 2: the 3DS Method in a frame, then creq to the ACS and cres back; a wrong code declines', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const hop = await client.follow(
        await client.pay(p.publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      assert.match(hop.body, /<iframe name="tds-method" id="tds-method"[^>]*hidden>/);
      assert.match(String(hop.headers['content-security-policy']), /frame-src 'self' http:\/\/kopek\.test/);
      assert.equal(actionOf(hop.body, 'tds-method-form'), 'http://kopek.test/acs/v2/method');
      const methodData = hiddenFields(hop.body, 'tds-method-form').threeDSMethodData!;
      const method = JSON.parse(Buffer.from(methodData, 'base64url').toString());
      const challenge = (await gw.engine.getPayment({ id: p.id }))!.challenge!;
      assert.equal(challenge.version, '2');
      assert.deepEqual(method, {
        threeDSServerTransID: challenge.version === '2' && challenge.threeDsServerTransId,
        threeDSMethodNotificationURL: `http://kopek.test/pay/${p.publicId}/3ds/method`,
      });

      const acsMethod = await client.post('/acs/v2/method', { threeDSMethodData: methodData });
      assert.equal(acsMethod.statusCode, 200);
      assert.match(String(acsMethod.headers['content-security-policy']), /frame-ancestors 'self'/);
      assert.equal(acsMethod.headers['x-frame-options'], 'SAMEORIGIN');
      const notify = /<form method="post" action="([^"]+)" data-autosubmit>/.exec(acsMethod.body)![1]!;
      const notice = /name="threeDSMethodData" value="([^"]+)"/.exec(acsMethod.body)![1]!;
      const done = await client.post(new URL(notify).pathname, { threeDSMethodData: notice });
      assert.equal(done.statusCode, 200);
      assert.ok(done.body.includes('data-method-complete'));
      const relay = Buffer.from(
        JSON.stringify({
          threeDSServerTransID: method.threeDSServerTransID,
          threeDSMethodNotificationURL: 'https://evil.test/',
        }),
      ).toString('base64url');
      assert.equal((await client.post('/acs/v2/method', { threeDSMethodData: relay })).statusCode, 400);

      assert.equal(actionOf(hop.body, 'tds-form'), 'http://kopek.test/acs/v2');
      const toAcs = hiddenFields(hop.body, 'tds-form');
      assert.deepEqual(Object.keys(toAcs), ['creq', 'threeDSSessionData']);
      const acs = await client.post('/acs/v2', toAcs);
      assert.match(acs.body, /data-version="2"/);
      const wrong = await client.post('/acs/v2/answer', {
        ...hiddenFields(acs.body, 'acs-form'),
        otp: '000000',
      });
      const back = hiddenFields(wrong.body, 'acs-answer');
      assert.deepEqual(Object.keys(back), ['cres', 'threeDSSessionData']);
      const page = await client.follow(
        await client.post(actionOf(wrong.body, 'acs-answer').replace('http://kopek.test', ''), back),
      );
      assert.match(page.body, /data-reason="authentication_failed"/, 'declined, and the form is open again');
      assert.equal(await status(p.id), 'created');

      // A second attempt with the right code goes through.
      const hop2 = await client.follow(
        await client.pay(p.publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      const acs2 = await client.post('/acs/v2', hiddenFields(hop2.body, 'tds-form'));
      const otp = /data-otp="(\d+)"/.exec(acs2.body)![1]!;
      const right = await client.post('/acs/v2/answer', { ...hiddenFields(acs2.body, 'acs-form'), otp });
      const result = await client.follow(
        await client.post(`/pay/${p.publicId}/3ds`, hiddenFields(right.body, 'acs-answer')),
      );
      assert.match(result.body, /data-status="captured"/);
      assert.equal(await status(p.id), 'captured');
    });

    test('3-D Secure: forged or damaged tokens are refused, and a forged CRes pays nothing', async () => {
      const p = await payment(gw.engine, m);
      const client = new PageClient(app);
      const hop = await client.follow(
        await client.pay(p.publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      const toAcs = hiddenFields(hop.body, 'tds-form');
      const [body, signature] = toAcs.creq!.split('.') as [string, string];
      // The first character of the signature carries six whole bits of the MAC: changing it
      // always changes the MAC (the last one may only change padding bits).
      const flipped = `${body}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      for (const creq of ['', 'garbage', `${body}.AAAA`, flipped]) {
        const res = await client.post('/acs/v2', { ...toAcs, creq });
        assert.equal(res.statusCode, 400, creq);
        assert.equal(textOf(res.body, 'error'), 'Запрос недействителен');
      }
      assert.equal(
        (await client.post('/acs/v1', { PaReq: toAcs.creq!, MD: 'x' })).statusCode,
        400,
        'a CReq is no PaReq',
      );
      const forged = await client.post(`/pay/${p.publicId}/3ds`, {
        cres: 'e30.AAAA',
        threeDSSessionData: toAcs.threeDSSessionData!,
      });
      assert.equal(forged.statusCode, 400, 'refused, and the challenge is still open');
      assert.equal(await status(p.id), 'pending');
      assert.equal((await client.post(`/pay/${p.publicId}/3ds`, {})).statusCode, 400);
    });

    test('cancel: the payment is canceled and the payer lands on the cancel URL', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const page = await client.get(`/pay/${p.publicId}`);
      const res = await client.post(
        actionOf(page.body, 'cancel-form'),
        hiddenFields(page.body, 'cancel-form'),
      );
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, urls.cancel);
      assert.equal(await status(p.id), 'canceled');
      const later = await client.get(`/pay/${p.publicId}`);
      assert.match(later.body, /data-status="canceled"/);

      const bare = await payment(gw.engine, m);
      const page2 = await client.get(`/pay/${bare.publicId}`);
      const res2 = await client.post(`/pay/${bare.publicId}/cancel`, hiddenFields(page2.body, 'cancel-form'));
      assert.equal(res2.headers.location, `/pay/${bare.publicId}`, 'without a cancel URL, the page says it');
      assert.doesNotMatch((await client.follow(res2)).body, /http-equiv="refresh"/);
    });

    test('a payment past its deadline is expired by the visit and says so', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls, expiresAt: new Date(gw.clock.ms + 60_000) });
      const client = new PageClient(app, { 'accept-language': 'en' });
      const open = await client.get(`/pay/${p.publicId}`);
      const { csrf } = hiddenFields(open.body, 'pay-form');
      gw.clock.advance(120_000);
      const page = await client.get(`/pay/${p.publicId}`);
      assert.match(page.body, /<h1 id="result" data-status="expired">This payment has expired<\/h1>/);
      assert.match(page.body, /url=https:\/\/shop\.test\/fail"/);
      assert.equal(await status(p.id), 'expired');
      const late = await client.post(`/pay/${p.publicId}`, { csrf: csrf!, pan: cards.approved, ...goodCard });
      assert.equal(late.statusCode, 303, 'a card sent to an expired payment goes nowhere');
      assert.equal(await status(p.id), 'expired');
    });

    test('rate limit: card submissions per client IP are bounded, with a clear 429 page', async () => {
      const p = await payment(gw.engine, m);
      const client = new PageClient(app, { 'accept-language': 'en' });
      for (let i = 0; i < pageLimits.attemptsPerIpPerMinute; i++)
        assert.equal((await client.post(`/pay/${p.publicId}`, {})).statusCode, 403);
      const limited = await client.post(`/pay/${p.publicId}`, {});
      assert.equal(limited.statusCode, 429);
      assert.equal(textOf(limited.body, 'error'), 'Too many attempts');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      const elsewhere = new PageClient(app);
      assert.equal(
        (await elsewhere.post(`/pay/${p.publicId}`, {})).statusCode,
        403,
        'another IP is not limited',
      );
      assert.equal(
        (await client.get(`/pay/${p.publicId}`)).statusCode,
        200,
        'reading the page is not limited',
      );
    });

    test('bad requests get an HTML page in the page format, not JSON', async () => {
      const p = await payment(gw.engine, m);
      const big = await app.inject({
        method: 'POST',
        url: `/pay/${p.publicId}`,
        remoteAddress: freshIp(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `pan=${'1'.repeat(pageLimits.formBodyBytesMax)}`,
      });
      assert.equal(big.statusCode, 413);
      assert.match(String(big.headers['content-type']), /^text\/html/);
      const json = await app.inject({
        method: 'POST',
        url: `/pay/${p.publicId}`,
        remoteAddress: freshIp(),
        headers: { 'content-type': 'application/xml' },
        payload: '<a/>',
      });
      assert.equal(json.statusCode, 415);
      assert.match(String(json.headers['content-type']), /^text\/html/);
      assert.ok(!big.body.includes('1111111111111111'));
    });
  });
}
