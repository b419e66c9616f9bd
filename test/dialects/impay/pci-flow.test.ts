import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testOtp } from '../../../src/acquiring/test-cards.ts';
import { paymentStateRes } from '../../../src/dialects/impay/map.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, newExtid } from './helpers.ts';
import { cardFields, type Merchant, payerAtAcs, scriptedMerchant, testCvc } from './pci-helpers.ts';

/**
 * A merchant's PCI DSS back end, scripted over plain HTTP against a listening gateway, drives
 * ImPay's pay/start → 3-D Secure → pay/confirm through the simulator's ACS pages, as a payer's
 * browser meets them: v1 (PaReq/PaRes), v2 with a challenge (pay/auth → CReq/CRes), v2
 * frictionless (pay/auth → auth3ds), a declined card and a wrong one-time code.
 */

const cards = {
  approve: '4111111111111111',
  decline: '4000000000000002',
  v1: '4000000000003063',
  v2Frictionless: '4000000000003055',
  v2Challenge: '4000000000003220',
};

const browser = {
  clientip: '203.0.113.7',
  clientacceptheader: 'text/html',
  clientjavaenabled: false,
  clientlanguage: 'ru-RU',
  clientcolordepth: '24',
  clientscreenheight: 1080,
  clientscreenwidth: 1920,
  clienttz: -180,
  clientuseragent: 'Mozilla/5.0',
  challengewindowsize: 5,
};

for (const flavor of await testFlavors()) {
  describe(`ImPay PCI DSS flow end to end on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;
    let m: Merchant;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      await app.listen({ port: 0, host: '127.0.0.1' });
      shop = await impayMerchant(gw.engine);
      m = await scriptedMerchant(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, shop);
    });
    after(async () => {
      await m.close();
      await app.close();
      await gw.close();
    });

    /** What `/pay/state` answers for the payment (map.ts's paymentStateRes, as I1's route does). */
    const stateOf = async (id: unknown) => {
      const payment = await gw.engine.getPayment({ id: BigInt(id as number) }, shop.merchantId);
      assert.ok(payment);
      return paymentStateRes(payment);
    };

    const start = (pan: string, more: Record<string, unknown> = {}) =>
      m.api('pay/start', {
        amount: 150.5,
        extid: newExtid(),
        document_id: 'D-1',
        fullname: 'Иван Петров',
        successurl: m.returnUrl,
        ...cardFields(pan),
        ...more,
      });

    it('approves a card without 3-D Secure at once, and keeps it (idcard)', async () => {
      const res = await start(cards.approve);
      assert.equal(res.status, 1, JSON.stringify(res));
      assert.equal(typeof res.id, 'number');
      assert.equal(typeof res.idcard, 'number');
      assert.equal(res['3dsvers'], undefined);
      assert.deepEqual(await stateOf(res.id), { status: 1, message: '', rc: '00' });
      const kept = await gw.engine.getCard(shop.merchantId, { id: BigInt(res.idcard as number) });
      assert.equal(kept?.mask?.endsWith('1111'), true);
    });

    it('3-DS v1: pa and md to the ACS url, the payer types the code, PaRes confirms', async () => {
      const res = await start(cards.v1);
      assert.equal(res.status, 1, JSON.stringify(res));
      assert.equal(res['3dsvers'], 1);
      assert.match(String(res.url), /\/acs\/v1$/);
      assert.equal(typeof res.pa, 'string');
      assert.equal(typeof res.md, 'string');
      assert.deepEqual(await stateOf(res.id), { status: 0, message: '', rc: '' });
      const back = await payerAtAcs(
        m,
        String(res.url),
        { PaReq: String(res.pa), MD: String(res.md), TermUrl: m.returnUrl },
        testOtp,
      );
      assert.equal(back.MD, res.md);
      const confirmed = await m.api('pay/confirm', { id: res.id, pares: back.PaRes, md: back.MD });
      assert.deepEqual(confirmed, { status: 1, message: '' });
      assert.deepEqual(await stateOf(res.id), { status: 1, message: '', rc: '00' });
      // the same confirmation again (an answer lost on the way): success again, nothing charged twice
      const again = await m.api('pay/confirm', { id: res.id, pares: back.PaRes, md: back.MD });
      assert.deepEqual(again, { status: 1, message: '' });
      const payment = await gw.engine.getPayment({ id: BigInt(res.id as number) }, shop.merchantId);
      assert.equal(payment?.capturedMinor, 150_50n);
    });

    it('3-DS v2 with a challenge: threedsservertransid and the 3DS Method url, pay/auth → creq, the payer types the code, CRes confirms', async () => {
      const res = await start(cards.v2Challenge);
      assert.equal(res.status, 1, JSON.stringify(res));
      assert.equal(res['3dsvers'], 2);
      assert.match(String(res.threedsservertransid), /^[0-9a-f-]{36}$/);
      assert.match(String(res.url), /\/acs\/v2\/method$/);
      assert.equal(res.pa, undefined);
      const auth = await m.api('pay/auth', {
        id: res.id,
        threedsservertransid: res.threedsservertransid,
        successurl: m.returnUrl,
        ...browser,
      });
      assert.equal(auth.status, 1, JSON.stringify(auth));
      assert.match(String(auth.url), /\/acs\/v2$/);
      assert.equal(typeof auth.creq, 'string');
      assert.equal(typeof auth.threedssessiondata, 'string');
      assert.equal(auth.auth3ds, undefined);
      // asked again, pay/auth answers the same challenge, without a new one at the bank
      assert.deepEqual(await m.api('pay/auth', { id: res.id, ...browser }), auth);
      const back = await payerAtAcs(
        m,
        String(auth.url),
        { creq: String(auth.creq), threeDSSessionData: String(auth.threedssessiondata) },
        testOtp,
      );
      assert.equal(back.threeDSSessionData, auth.threedssessiondata);
      const confirmed = await m.api('pay/confirm', {
        id: res.id,
        cres: back.cres,
        cardnumber: '400000******3220',
      });
      assert.deepEqual(confirmed, { status: 1, message: '' });
      assert.deepEqual(await stateOf(res.id), { status: 1, message: '', rc: '00' });
      assert.deepEqual(await m.api('pay/confirm', { id: res.id, cres: back.cres }), {
        status: 1,
        message: '',
      });
    });

    it('3-DS v2 frictionless: pay/auth answers auth3ds, dstransid and eci, pay/confirm with them', async () => {
      const res = await start(cards.v2Frictionless);
      assert.equal(res.status, 1, JSON.stringify(res));
      assert.equal(res['3dsvers'], 2);
      // nothing is decided before the browser data
      assert.deepEqual(await stateOf(res.id), { status: 0, message: '', rc: '' });
      const auth = await m.api('pay/auth', {
        id: res.id,
        threedsservertransid: res.threedsservertransid,
        ...browser,
      });
      assert.equal(auth.status, 1, JSON.stringify(auth));
      assert.equal(typeof auth.auth3ds, 'string');
      assert.match(String(auth.dstransid), /^[0-9a-f-]{36}$/);
      assert.equal(auth.eci, '05');
      assert.equal(auth.creq, undefined);
      const confirm = {
        id: res.id,
        auth3ds: auth.auth3ds,
        dstransid: auth.dstransid,
        eci: auth.eci,
        idcard: res.idcard,
      };
      assert.deepEqual(await m.api('pay/confirm', confirm), { status: 1, message: '' });
      assert.deepEqual(await stateOf(res.id), { status: 1, message: '', rc: '00' });
      assert.deepEqual(await m.api('pay/confirm', confirm), { status: 1, message: '' }, 'idempotent');
    });

    it('a declined card: status 2 with the id, pay/state 2 with the bank rc', async () => {
      const res = await start(cards.decline);
      assert.equal(res.status, 2, JSON.stringify(res));
      assert.equal(typeof res.id, 'number');
      assert.equal(typeof res.message, 'string');
      assert.equal(res.idcard, undefined);
      assert.deepEqual(await stateOf(res.id), { status: 2, message: '', rc: '05' });
    });

    it('a wrong one-time code at the ACS: pay/confirm status 2, the payment failed', async () => {
      const v1 = await start(cards.v1);
      const back1 = await payerAtAcs(
        m,
        String(v1.url),
        { PaReq: String(v1.pa), MD: String(v1.md) },
        '000000',
      );
      const confirmed1 = await m.api('pay/confirm', { id: v1.id, pares: back1.PaRes, md: back1.MD });
      assert.equal(confirmed1.status, 2, JSON.stringify(confirmed1));
      assert.deepEqual(await stateOf(v1.id), { status: 2, message: '', rc: '05' });

      const v2 = await start(cards.v2Challenge);
      const auth = await m.api('pay/auth', { id: v2.id, ...browser });
      const back2 = await payerAtAcs(
        m,
        String(auth.url),
        { creq: String(auth.creq), threeDSSessionData: String(auth.threedssessiondata) },
        '999999',
      );
      const confirmed2 = await m.api('pay/confirm', { id: v2.id, cres: back2.cres });
      assert.equal(confirmed2.status, 2, JSON.stringify(confirmed2));
      assert.equal((await stateOf(v2.id)).status, 2);
    });

    it('never logs or stores the card number or CVC in clear', async () => {
      const logs = gw.logs.join('');
      for (const pan of Object.values(cards))
        assert.ok(!logs.includes(pan), `PAN ${pan.slice(0, 6)}… logged`);
      assert.ok(!new RegExp(`["'=:]${testCvc}["'&,}\\s]`).test(logs), 'CVC logged');
      for (const table of ['payments', 'payment_events', 'cards', 'sim_bank_operations'] as const) {
        const rows = await gw.database.db.selectFrom(table).selectAll().execute();
        const text = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        for (const pan of Object.values(cards)) assert.ok(!text.includes(pan), `PAN in ${table}`);
        assert.ok(!text.includes(`"${testCvc}"`), `CVC in ${table}`);
      }
    });
  });
}
