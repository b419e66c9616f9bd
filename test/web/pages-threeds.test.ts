import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { challengeTtlMs } from '../../src/acquiring/sim-acs.ts';
import type { Payment } from '../../src/engine/payments/view.ts';
import { openGateway } from '../../src/runtime.ts';
import { newMasterKey } from '../../src/security/vault.ts';
import { buildApp } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, cards, expectFail, merchant, payment } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { actionOf, goodCard, hiddenFields, PageClient, textOf } from './pages-helpers.ts';

/**
 * 3-D Secure as payers really go through it: answers that are junk, stale or late, a payer
 * who leaves the bank's page, a reload while the answer is processed, and a master key
 * rotation in the middle of a challenge.
 */
for (const flavor of await testFlavors()) {
  describe(`3-D Secure on the payment page, on ${flavor}`, () => {
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
      success: 'https://shop.test/ok',
      fail: 'https://shop.test/fail',
      cancel: 'https://shop.test/back',
    };
    const read = async (id: bigint): Promise<Payment> => (await gw.engine.getPayment({ id }))!;

    /** Card form → 3-DS hop → the ACS's code page (v2). */
    async function challenged(client: PageClient, publicId: string) {
      const hop = await client.follow(
        await client.pay(publicId, { pan: cards.threeDsV2Challenge, ...goodCard }),
      );
      const toAcs = hiddenFields(hop.body, 'tds-form');
      const acs = await client.post('/acs/v2', toAcs);
      assert.equal(acs.statusCode, 200, acs.body);
      return { hop, toAcs, acs };
    }

    /** What the ACS sends back for this code: the cres form the payer's browser posts to us. */
    async function answer(client: PageClient, acsBody: string, otp?: string) {
      const code = otp ?? /data-otp="(\d+)"/.exec(acsBody)![1]!;
      const res = await client.post('/acs/v2/answer', { ...hiddenFields(acsBody, 'acs-form'), otp: code });
      return hiddenFields(res.body, 'acs-answer');
    }

    const assertStillWaiting = async (id: bigint, attempts: bigint | number) => {
      const p = await read(id);
      assert.equal(p.status, 'pending');
      assert.ok(p.challenge, 'the challenge is still there');
      assert.equal(p.opInFlight, null, 'nothing left in flight');
      assert.equal(p.decline, null);
      assert.equal(BigInt(p.attempts), BigInt(attempts));
    };

    test('a junk answer changes nothing: a clear page with the way back, and the real answer still pays', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app, { 'accept-language': 'en' });
      const { toAcs, acs } = await challenged(client, p.publicId);

      const stranger = new PageClient(app, { 'accept-language': 'en' }); // no cookie at all
      const junkAnswers: Record<string, string>[] = [
        { cres: 'junk' },
        { cres: 'e30.AAAA', threeDSSessionData: toAcs.threeDSSessionData! },
      ];
      for (const fields of junkAnswers) {
        const junk = await stranger.post(`/pay/${p.publicId}/3ds`, fields);
        assert.equal(junk.statusCode, 400, junk.body);
        assert.equal(textOf(junk.body, 'error'), 'The answer from your bank was not accepted');
        assert.match(junk.body, new RegExp(`<a [^>]*href="/pay/${p.publicId}"`), 'the way back');
        await assertStillWaiting(p.id, 1);
      }
      const back = await client.get(`/pay/${p.publicId}`);
      assert.deepEqual(hiddenFields(back.body, 'tds-form'), toAcs, 'the way back is the same challenge');

      const res = await client.post(`/pay/${p.publicId}/3ds`, await answer(client, acs.body));
      assert.equal(res.statusCode, 303);
      assert.equal((await read(p.id)).status, 'captured');
    });

    test('a stale answer from an earlier attempt (the back button) leaves the current attempt alone', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const first = await challenged(client, p.publicId);
      const wrong = await answer(client, first.acs.body, '000000');
      await client.post(`/pay/${p.publicId}/3ds`, wrong);
      assert.equal((await read(p.id)).status, 'created', 'attempt 1 declined');

      const second = await challenged(client, p.publicId);
      const replay = await client.post(`/pay/${p.publicId}/3ds`, wrong);
      assert.equal(replay.statusCode, 400);
      await assertStillWaiting(p.id, 2);

      await client.post(`/pay/${p.publicId}/3ds`, await answer(client, second.acs.body));
      assert.equal((await read(p.id)).status, 'captured');
    });

    test('a payer who left the bank: once the challenge lapses the page settles it and the form is open again', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app, { 'accept-language': 'en' });
      const { toAcs } = await challenged(client, p.publicId);
      const q = await payment(gw.engine, m, { returnUrls: urls });
      await challenged(client, q.publicId);
      assert.ok((await read(p.id)).challenge?.expiresAt, 'the challenge says when it lapses');

      gw.clock.advance(challengeTtlMs);
      const page = await client.get(`/pay/${p.publicId}`);
      assert.ok(page.body.includes('id="pay-form"'), 'the form, not the hop to the bank');
      assert.match(page.body, /data-reason="authentication_failed"/);
      assert.match(page.body, /data-attempts-left="2"/);
      assert.equal((await read(p.id)).status, 'created');

      // The background sweep does the same for a payer who never comes back.
      assert.equal(await gw.engine.settleLapsedChallenges(), 1);
      assert.equal((await read(q.id)).status, 'created');

      // The bank's page, reached with the lapsed challenge, says so and links back.
      const stale = await client.post('/acs/v2', toAcs);
      assert.equal(stale.statusCode, 400);
      assert.equal(actionOf(stale.body, 'acs-lang'), '/acs/v2?lang=ru');
      assert.match(
        stale.body,
        new RegExp(`<a id="acs-back" [^>]*href="http://kopek\\.test/pay/${p.publicId}/3ds"`),
      );
      const junk = await client.post('/acs/v2', { creq: 'junk' });
      assert.equal(junk.statusCode, 400);
      assert.doesNotMatch(junk.body, /id="acs-back"/, 'nowhere known to go back to');
    });

    test('the 3-DS page has a way out: cancel, back to the shop', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const { hop } = await challenged(client, p.publicId);
      const res = await client.post(actionOf(hop.body, 'cancel-form'), hiddenFields(hop.body, 'cancel-form'));
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, urls.cancel);
      assert.equal((await read(p.id)).status, 'canceled');
    });

    test('a reload while the bank answer is processed shows "processing", never another hop to the bank', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      await challenged(client, p.publicId);
      await gw.database.db
        .updateTable('payments')
        .set({ op_in_flight: '3ds', op_started_at: gw.clock.ms })
        .where('id', '=', p.id)
        .execute();
      const page = await client.get(`/pay/${p.publicId}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /id="tds-form"/);
      assert.match(page.body, /<h1 id="result" data-status="pending">/);
      assert.match(page.body, new RegExp(`http-equiv="refresh" content="\\d+;url=/pay/${p.publicId}"`));
    });

    test('a 3-DS answer after the payment deadline expires the payment and never captures it', async () => {
      const p = await payment(gw.engine, m, {
        returnUrls: urls,
        expiresAt: new Date(gw.clock.ms + 5 * 60_000),
      });
      const client = new PageClient(app);
      const { acs } = await challenged(client, p.publicId);
      const right = await answer(client, acs.body);
      gw.clock.advance(5 * 60_000);
      expectFail(
        await gw.engine.continueThreeDs({
          payment: { id: p.id },
          result: { version: '2', cres: right.cres!, threeDSSessionData: right.threeDSSessionData! },
        }),
        'payment_expired',
      );
      assert.equal((await read(p.id)).status, 'expired');
      const res = await client.post(`/pay/${p.publicId}/3ds`, right);
      assert.equal(res.statusCode, 303);
      assert.equal((await read(p.id)).status, 'expired');
    });

    test('a master key rotation keeps challenges in progress and issued CSRF tokens valid', async () => {
      const p = await payment(gw.engine, m, { returnUrls: urls });
      const q = await payment(gw.engine, m, { returnUrls: urls });
      const client = new PageClient(app);
      const { toAcs, acs } = await challenged(client, p.publicId);
      const oldAnswer = await answer(client, acs.body);
      const form = await client.get(`/pay/${q.publicId}`);

      const keys = new Map(gw.config.keyring.keys);
      keys.set('t2', newMasterKey());
      const rotated = await openGateway(
        { ...gw.config, keyring: { activeKeyId: 't2', keys } },
        { log: gw.log, now: gw.clock.now, database: gw.db },
      );
      const app2 = await buildApp(rotated);
      try {
        const after = new PageClient(app2, { cookie: client.cookie });
        assert.equal((await after.post('/acs/v2', toAcs)).statusCode, 200, 'the CReq signed before');
        const res = await after.post(`/pay/${p.publicId}/3ds`, oldAnswer);
        assert.equal(res.statusCode, 303, res.body);
        assert.equal((await read(p.id)).status, 'captured', 'the CRes signed before');
        const canceled = await after.post(
          actionOf(form.body, 'cancel-form'),
          hiddenFields(form.body, 'cancel-form'),
        );
        assert.equal(canceled.statusCode, 303, 'the CSRF token issued before');
        assert.equal((await read(q.id)).status, 'canceled');
      } finally {
        await app2.close();
        await rotated.close();
      }
    });
  });
}
