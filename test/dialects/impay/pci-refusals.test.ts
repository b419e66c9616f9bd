import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testOtp } from '../../../src/acquiring/test-cards.ts';
import { fieldMessage } from '../../../src/dialects/impay/errors.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost, newExtid } from './helpers.ts';
import { cardFields } from './pci-helpers.ts';

/**
 * The PCI DSS operations refuse what is wrong, forged or replayed with ImPay's `{status:0,
 * message}` naming the problem (never a 5xx), keep a challenge open after a refused answer, and
 * answer repeats from the payment's state without a second bank call.
 */

const v1Card = '4000000000003063';
const v2Challenge = '4000000000003220';
const v2Frictionless = '4000000000003055';

for (const flavor of await testFlavors()) {
  describe(`ImPay pay/start, pay/auth, pay/confirm refusals on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;
    let other: ImpayCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await impayMerchant(gw.engine);
      other = await impayMerchant(gw.engine, 'Another shop');
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const call = async (path: string, body: unknown, who: ImpayCreds = shop) => {
      const res = await impayPost(app, who, path, body);
      assert.equal(res.statusCode, 200, `${path}: ${res.statusCode} ${res.body}`);
      return res.json() as Record<string, unknown>;
    };
    const start = (pan: string, more: Record<string, unknown> = {}) =>
      call('pay/start', { amount: '100.00', extid: newExtid(), ...cardFields(pan), ...more });
    const refusal = (message: string) => ({ status: 0, message });
    /** What the simulator's ACS answers a payer who typed `otp` to this PaReq/CReq. */
    const acsAnswer = (token: string, otp = testOtp) => unwrap(gw.simulator.acs.answer(token, otp));
    const statusOf = async (id: unknown) =>
      (await gw.engine.getPayment({ id: BigInt(id as number) }, shop.merchantId))?.status;

    it('refuses bad card data naming the field', async () => {
      const good = cardFields('4111111111111111');
      const cases: [Record<string, unknown>, string][] = [
        [{ ...good, cardnumber: undefined }, fieldMessage.required('cardnumber')],
        [{ ...good, cardnumber: '4111111111111112' }, fieldMessage.invalid('cardnumber')],
        [{ ...good, cardcvc: '12' }, fieldMessage.invalid('cardcvc')],
        [{ ...good, cardmonth: '13' }, fieldMessage.invalid('cardmonth')],
        [{ ...good, cardyear: '19' }, fieldMessage.invalid('cardyear')],
      ];
      for (const [fields, message] of cases) {
        const res = await call('pay/start', { amount: 10, extid: newExtid(), ...fields });
        assert.deepEqual(res, refusal(message), JSON.stringify(fields));
      }
      assert.deepEqual(
        await call('pay/start', { extid: newExtid(), ...good }),
        refusal(fieldMessage.required('amount')),
      );
    });

    it('answers a repeated extid with the first outcome, concurrent duplicates included, without a second attempt', async () => {
      const extid = newExtid();
      const [a, b] = await Promise.all([start(v1Card, { extid }), start(v1Card, { extid })]);
      assert.equal(a.status, 1);
      assert.deepEqual(a, b);
      assert.deepEqual(await start(v1Card, { extid }), a);
      const payment = await gw.engine.getPayment({ id: BigInt(a.id as number) }, shop.merchantId);
      assert.equal(payment?.attempts, 1);
      const otherAmount = await start(v1Card, { extid, amount: '100.01' });
      assert.equal(otherAmount.status, 0);
      assert.equal(otherAmount.id, 0);
    });

    it('v1: a forged or foreign PaRes and a wrong md are refused, the challenge stays open for the genuine one', async () => {
      const a = await start(v1Card);
      const b = await start(v1Card);
      const genuine = acsAnswer(String(a.pa));
      assert.equal(genuine.version, '1');
      if (genuine.version !== '1') return;
      const forged = await call('pay/confirm', { id: a.id, pares: 'AAAA.forged', md: a.md });
      assert.deepEqual(forged, refusal(fieldMessage.invalid('pares')));
      const wrongMd = await call('pay/confirm', { id: a.id, pares: genuine.paRes, md: b.md });
      assert.deepEqual(wrongMd, refusal(fieldMessage.invalid('pares')));
      // A's answer replayed on B
      const replayed = await call('pay/confirm', { id: b.id, pares: genuine.paRes, md: genuine.md });
      assert.deepEqual(replayed, refusal(fieldMessage.invalid('pares')));
      assert.equal(await statusOf(a.id), 'pending');
      assert.equal(await statusOf(b.id), 'pending');
      assert.deepEqual(await call('pay/confirm', { id: a.id, pares: genuine.paRes, md: genuine.md }), {
        status: 1,
        message: '',
      });
      // after success: the same again is success; another md is not taken for it
      assert.deepEqual(await call('pay/confirm', { id: a.id, pares: genuine.paRes, md: genuine.md }), {
        status: 1,
        message: '',
      });
      assert.deepEqual(
        await call('pay/confirm', { id: a.id, pares: genuine.paRes, md: b.md }),
        refusal(fieldMessage.invalid('pares')),
      );
      assert.deepEqual(
        await call('pay/confirm', { id: a.id, pares: 'x' }),
        refusal(fieldMessage.required('md')),
      );
    });

    it('v2: cres before pay/auth, a foreign CRes and a v1 answer are refused; pay/auth checks threedsservertransid', async () => {
      const a = await start(v2Challenge);
      const b = await start(v2Challenge);
      assert.deepEqual(await call('pay/confirm', { id: a.id, cres: 'anything' }), {
        status: 0,
        message: 'Сначала отправьте данные браузера запросом /pay/auth',
      });
      assert.deepEqual(
        await call('pay/auth', { id: a.id, threedsservertransid: b.threedsservertransid }),
        refusal(fieldMessage.invalid('threedsservertransid')),
      );
      const [authA, authA2] = await Promise.all([
        call('pay/auth', { id: a.id }),
        call('pay/auth', { id: a.id }),
      ]);
      assert.equal(authA.status, 1);
      assert.deepEqual(authA, authA2, 'concurrent pay/auth: one challenge');
      const authB = await call('pay/auth', { id: b.id });
      const answerB = acsAnswer(String(authB.creq));
      assert.equal(answerB.version, '2');
      if (answerB.version !== '2') return;
      assert.deepEqual(
        await call('pay/confirm', { id: a.id, cres: answerB.cres }),
        refusal(fieldMessage.invalid('cres')),
      );
      assert.deepEqual(
        await call('pay/confirm', { id: a.id, pares: 'x', md: 'y' }),
        refusal(fieldMessage.invalid('pares')),
      );
      assert.equal(await statusOf(a.id), 'pending');
      const answerA = acsAnswer(String(authA.creq));
      if (answerA.version !== '2') return assert.fail('a v2 answer');
      assert.deepEqual(await call('pay/confirm', { id: a.id, cres: answerA.cres }), {
        status: 1,
        message: '',
      });
    });

    it('frictionless: wrong auth3ds, dstransid, eci or idcard are refused; auth3ds is not taken for a challenge', async () => {
      const f = await start(v2Frictionless);
      const auth = await call('pay/auth', { id: f.id });
      const right = { id: f.id, auth3ds: auth.auth3ds, dstransid: auth.dstransid, eci: auth.eci };
      assert.deepEqual(
        await call('pay/confirm', { ...right, auth3ds: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
        refusal(fieldMessage.invalid('auth3ds')),
      );
      assert.deepEqual(
        await call('pay/confirm', { ...right, dstransid: '00000000-0000-0000-0000-000000000000' }),
        refusal(fieldMessage.invalid('dstransid')),
      );
      assert.deepEqual(
        await call('pay/confirm', { ...right, eci: '07' }),
        refusal(fieldMessage.invalid('eci')),
      );
      assert.deepEqual(
        await call('pay/confirm', { ...right, idcard: 999999 }),
        refusal(fieldMessage.invalid('idcard')),
      );
      assert.deepEqual(await call('pay/confirm', right), { status: 1, message: '' });
      // pay/auth again: the same frictionless answer, nothing new at the bank
      assert.deepEqual(await call('pay/auth', { id: f.id }), auth);

      const c = await start(v2Challenge);
      assert.deepEqual(
        await call('pay/confirm', { ...right, id: c.id }),
        refusal(fieldMessage.invalid('auth3ds')),
      );
      assert.equal(await statusOf(c.id), 'pending');
    });

    it('pay/auth of a v1 payment, unknown ids and another merchant’s payments', async () => {
      const v1 = await start(v1Card);
      const auth = await call('pay/auth', { id: v1.id });
      assert.equal(auth.status, 0);
      assert.match(String(auth.message), /3DS v1/);
      const notFound = refusal('Счет не найден');
      assert.deepEqual(await call('pay/auth', { id: 2_000_000_000 }), notFound);
      assert.deepEqual(await call('pay/confirm', { id: 2_000_000_000, cres: 'x' }), notFound);
      assert.deepEqual(await call('pay/auth', { id: v1.id }, other), notFound);
      assert.deepEqual(await call('pay/confirm', { id: v1.id, pares: 'x', md: 'y' }, other), notFound);
      assert.deepEqual(await call('pay/confirm', { id: v1.id }), refusal(fieldMessage.required('pares')));
      assert.deepEqual(await call('pay/auth', {}), refusal(fieldMessage.required('id')));
    });

    it('a declined payment stays declined: pay/confirm and pay/auth answer status 2', async () => {
      const d = await start('4000000000000002');
      assert.equal(d.status, 2);
      assert.equal((await call('pay/confirm', { id: d.id, pares: 'x', md: 'y' })).status, 2);
      assert.equal((await call('pay/auth', { id: d.id })).status, 2);
      assert.equal((await start('4000000000000002', { extid: undefined })).status, 2);
    });
  });
}
