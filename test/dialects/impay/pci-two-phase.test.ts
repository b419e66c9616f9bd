import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answerLost, intercept, unreachable } from '../../helpers/bank.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { card, cards, expectFail, merchant, payment, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';

/**
 * 3-D Secure v2 in two phases, as ImPay's PCI DSS flow needs it, at the engine: the attempt
 * stops at the 3DS Method (`threeDsMethodFirst`), `authenticateThreeDs` brings the browser data
 * and the bank decides. The step is claimed like a continuation, so a lost answer is settled by
 * the janitor as for any 3-D Secure step.
 */

const browser = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', language: 'ru-RU' };

for (const flavor of await testFlavors()) {
  describe(`3-D Secure v2 in two phases on ${flavor}`, () => {
    let gw: TestGateway;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor);
      m = await merchant(gw.engine);
    });
    after(() => gw.close());

    const untilStale = () => gw.clock.advance(2 * gw.engine.deps.config.connectorTimeoutMs + 1);

    const atMethod = async (pan: string) => {
      const p = await payment(gw.engine, m);
      const started = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(pan), threeDsMethodFirst: true }),
      );
      return started.payment;
    };

    it('stops both v2 cards at the 3DS Method: no CReq, nothing decided, no ACS answer taken', async () => {
      for (const pan of [cards.threeDsV2Frictionless, cards.threeDsV2Challenge]) {
        const p = await atMethod(pan);
        assert.equal(p.status, 'pending');
        const c = p.challenge;
        assert.ok(c?.version === '2' && c.stage === 'method');
        assert.equal(c.form.creq, '');
        assert.match(c.methodUrl ?? '', /\/acs\/v2\/method$/);
        expectFail(
          await gw.engine.continueThreeDs({ payment: { id: p.id }, result: { version: '2', cres: 'x' } }),
          'illegal_transition',
        );
      }
      // v1 has no 3DS Method: its challenge comes at once
      const v1 = await atMethod(cards.threeDsV1);
      assert.equal(v1.challenge?.version, '1');
      expectFail(
        await gw.engine.authenticateThreeDs({ payment: { id: v1.id }, browser }),
        'illegal_transition',
      );
      // without the flag a frictionless card is still approved at once (the hosted page's way)
      const p = await payment(gw.engine, m);
      const oneStep = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.threeDsV2Frictionless) }),
      );
      assert.equal(oneStep.payment.status, 'captured');
      expectFail(
        await gw.engine.authenticateThreeDs({ payment: { id: p.id }, browser }),
        'illegal_transition',
      );
    });

    it('frictionless authorizes with the DS transaction id, authentication value and ECI; challenge issues the CReq', async () => {
      const f = await atMethod(cards.threeDsV2Frictionless);
      const authed = unwrap(await gw.engine.authenticateThreeDs({ payment: { id: f.id }, browser }));
      assert.equal(authed.payment.status, 'captured');
      const data = authed.payment.connectorData ?? {};
      assert.match(String(data.dsTransId), /^[0-9a-f-]{36}$/);
      assert.equal(Buffer.from(String(data.authenticationValue), 'base64').length, 20);
      assert.equal(data.eci, '05');
      expectFail(
        await gw.engine.authenticateThreeDs({ payment: { id: f.id }, browser }),
        'illegal_transition',
      );

      const c = await atMethod(cards.threeDsV2Challenge);
      const challenged = unwrap(await gw.engine.authenticateThreeDs({ payment: { id: c.id }, browser }));
      const ch = challenged.payment.challenge;
      assert.equal(challenged.payment.status, 'pending');
      assert.ok(ch?.version === '2' && ch.stage === undefined && ch.form.creq !== '');
      const before = c.challenge?.version === '2' ? c.challenge.threeDsServerTransId : '';
      assert.equal(ch.threeDsServerTransId, before, 'the same 3DS transaction');
      const answer = unwrap(
        gw.simulator.acs.answer(ch.form.creq, gw.simulator.acs.expectedOtp(ch.form.creq)),
      );
      assert.ok(answer.version === '2');
      const paid = unwrap(
        await gw.engine.continueThreeDs({
          payment: { id: c.id },
          result: { version: '2', cres: answer.cres },
        }),
      );
      assert.equal(paid.payment.status, 'captured');
    });

    it('a lost answer is settled by the janitor: approved at the bank → captured; never received → asked again', async () => {
      const done = await atMethod(cards.threeDsV2Frictionless);
      const lost = await atMethod(cards.threeDsV2Frictionless);
      for (const [p, fake] of [
        [done, answerLost],
        [lost, unreachable],
      ] as const) {
        const restore = intercept(gw, 'authenticate3ds', fake);
        try {
          const r = unwrap(await gw.engine.authenticateThreeDs({ payment: { id: p.id }, browser }));
          assert.equal(r.payment.status, 'unknown');
        } finally {
          restore();
        }
      }
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 2);
      const settled = await gw.engine.getPayment({ id: done.id });
      assert.equal(settled?.status, 'captured');
      assert.ok(settled?.connectorData?.authenticationValue, 'the frictionless result is kept');
      const back = await gw.engine.getPayment({ id: lost.id });
      assert.equal(back?.status, 'pending');
      assert.equal(back?.challenge?.version === '2' && back.challenge.stage, 'method');
      const again = unwrap(await gw.engine.authenticateThreeDs({ payment: { id: lost.id }, browser }));
      assert.equal(again.payment.status, 'captured');
      assert.equal(again.payment.attempts, 1);
    });
  });
}
