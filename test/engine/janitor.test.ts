import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ConnectorOutcome } from '../../src/acquiring/connector.ts';
import { challengeTtlMs } from '../../src/acquiring/sim-acs.ts';
import { applyRefundOutcome } from '../../src/engine/refunds/ops.ts';
import { answerLost, heldAtTheBank, intercept, unreachable } from '../helpers/bank.ts';
import { testFlavors } from '../helpers/databases.ts';
import {
  assertLedgerBalanced,
  card,
  cards,
  expectFail,
  merchant,
  paid,
  payment,
  unwrap,
} from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/**
 * The janitor settles what the bank never answered. A gateway per test: the janitor sweeps
 * every merchant at once, so what it counts must be what this test left behind.
 */
for (const flavor of await testFlavors()) {
  describe(`janitor on ${flavor}`, () => {
    let gw: TestGateway;
    let m: bigint;
    beforeEach(async () => {
      gw = await testGateway(flavor);
      m = await merchant(gw.engine);
    });
    afterEach(async () => {
      await assertLedgerBalanced(gw.engine);
      await gw.close();
    });

    /**
     * Past the janitor's wait for a call that timed out: until then it may still be on its way
     * to the bank, and the janitor does not ask about it.
     */
    const untilStale = () => gw.clock.advance(2 * gw.engine.deps.config.connectorTimeoutMs + 1);

    /** A card attempt whose authorization never reached the bank: the payment is `unknown`. */
    const unknownPayment = async (more: Parameters<typeof payment>[2] = {}) => {
      const p = await payment(gw.engine, m, more);
      const restore = intercept(gw, 'authorize', unreachable);
      try {
        const r = unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
        assert.equal(r.payment.status, 'unknown');
        return r.payment;
      } finally {
        restore();
      }
    };

    it('reopens an unknown payment the bank declined, for another attempt', async () => {
      const p = await unknownPayment();
      assert.equal(await gw.engine.resolveUnsettled(), 0, 'not while the call may be on its way');
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 1);
      const reopened = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(reopened.status, 'created', 'the bank never received it: the payer may try again');
      assert.equal(reopened.attempts, 1);
      assert.equal(reopened.receipt.rc, '25');
      const again = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }),
      );
      assert.equal(again.payment.status, 'captured');
      assert.equal(again.payment.attempts, 2);
      assert.equal(await gw.engine.resolveUnsettled(), 0, 'nothing is left to settle');
    });

    it('fails an unknown payment learnt as declined when it is past its deadline or out of attempts', async () => {
      const late = await unknownPayment({ expiresAt: new Date(gw.clock.ms + 60_000) });
      const last = await payment(gw.engine, m);
      for (let i = 1; i < gw.engine.deps.config.paymentAttemptsMax; i++)
        unwrap(await gw.engine.payWithCard({ payment: { id: last.id }, card: card(cards.declined) }));
      const restore = intercept(gw, 'authorize', unreachable);
      try {
        unwrap(await gw.engine.payWithCard({ payment: { id: last.id }, card: card(cards.approved) }));
      } finally {
        restore();
      }
      gw.clock.advance(60_000);
      assert.equal(await gw.engine.resolveUnsettled(), 2);
      assert.equal((await gw.engine.getPayment({ id: late.id }))?.status, 'failed');
      assert.equal((await gw.engine.getPayment({ id: last.id }))?.status, 'failed');
    });

    it('asks the bank about the 3-DS continuation, not the authorization, after it timed out', async () => {
      const askedAbout: string[] = [];
      const challenged = async () => {
        const p = await payment(gw.engine, m);
        const started = unwrap(
          await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.threeDsV1) }),
        );
        const challenge = started.payment.challenge;
        assert.ok(challenge?.version === '1');
        const answer = unwrap(
          gw.simulator.acs.answer(challenge.form.PaReq, gw.simulator.acs.expectedOtp(challenge.form.PaReq)),
        );
        assert.ok('paRes' in answer && answer.paRes);
        return {
          p,
          challenge,
          result: { version: '1' as const, paRes: answer.paRes, md: challenge.form.MD },
        };
      };
      // one continuation never reaches the bank, the other's approval is lost on the way back
      const lost = await challenged();
      const done = await challenged();
      for (const [c, fake] of [
        [lost, unreachable],
        [done, answerLost],
      ] as const) {
        const restore = intercept(gw, 'continue3ds', fake);
        try {
          const r = unwrap(await gw.engine.continueThreeDs({ payment: { id: c.p.id }, result: c.result }));
          assert.equal(r.payment.status, 'unknown');
        } finally {
          restore();
        }
      }
      const restore = intercept(gw, 'status', (real, input) => {
        askedAbout.push(input.operationId);
        return real(input);
      });
      try {
        untilStale();
        assert.equal(await gw.engine.resolveUnsettled(), 2);
      } finally {
        restore();
      }
      assert.deepEqual(askedAbout.sort(), [`pay-${lost.p.id}-1-3ds`, `pay-${done.p.id}-1-3ds`].sort());
      // The bank never saw that 3-DS answer: no decline, the payer gets the challenge back.
      const back = (await gw.engine.getPayment({ id: lost.p.id }))!;
      assert.equal(back.status, 'pending');
      assert.equal(back.opInFlight, null);
      assert.equal(back.attempts, 1, 'the same attempt');
      assert.deepEqual(back.challenge, lost.challenge);
      assert.equal((await gw.engine.getPayment({ id: done.p.id }))?.status, 'captured');
      // ... and the payer's answer, posted again, pays
      const again = unwrap(
        await gw.engine.continueThreeDs({ payment: { id: lost.p.id }, result: lost.result }),
      );
      assert.equal(again.payment.status, 'captured');
      assert.equal(again.payment.attempts, 1);
    });

    it('does not ask about a 3-DS answer still on its way to the bank, and so never declines what the bank approves', async () => {
      gw.engine.deps.config.connectorTimeoutMs = 50; // this gateway's only: a real timer
      const p = await payment(gw.engine, m);
      const started = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.threeDsV1) }),
      );
      const challenge = started.payment.challenge;
      assert.ok(challenge?.version === '1');
      const answer = unwrap(
        gw.simulator.acs.answer(challenge.form.PaReq, gw.simulator.acs.expectedOtp(challenge.form.PaReq)),
      );
      assert.ok('paRes' in answer);
      // The payer's answer reaches the bank only after the engine has stopped waiting for it.
      let arrive!: () => void;
      const onTheWay = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      let atTheBank: Promise<ConnectorOutcome> | undefined;
      const askedAbout: string[] = [];
      const restore = [
        intercept(gw, 'continue3ds', (real, input) => {
          atTheBank = onTheWay.then(() => real({ ...input, signal: new AbortController().signal }));
          return atTheBank;
        }),
        intercept(gw, 'status', (real, input) => {
          askedAbout.push(input.operationId);
          return real(input);
        }),
      ];
      try {
        const r = unwrap(
          await gw.engine.continueThreeDs({
            payment: { id: p.id },
            result: { version: '1', paRes: answer.paRes, md: challenge.form.MD },
          }),
        );
        assert.equal(r.payment.status, 'unknown');
        assert.equal(await gw.engine.resolveUnsettled(), 0);
        assert.deepEqual(askedAbout, [], 'not asked before the call is stale');
        arrive();
        assert.equal((await atTheBank!).kind, 'approved');
        untilStale();
        assert.equal(await gw.engine.resolveUnsettled(), 1);
      } finally {
        for (const undo of restore) undo();
      }
      assert.deepEqual(askedAbout, [`pay-${p.id}-1-3ds`]);
      const settled = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(settled.status, 'captured');
      assert.equal(settled.attempts, 1);
    });

    it('asks about a new card attempt or 3-DS answer without the wait left from an earlier question', async () => {
      const p = await payment(gw.engine, m);
      /** A wait left on the payment, as by a janitor that lost the race to settle an earlier attempt. */
      const waitLeft = () =>
        gw.db.db
          .updateTable('payments')
          .set({ next_check_at: gw.clock.ms + 60 * 60_000 })
          .where('id', '=', p.id)
          .execute();
      unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.declined) }));
      await waitLeft();
      let restore = intercept(gw, 'authorize', unreachable);
      try {
        const r = unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
        assert.equal(r.payment.status, 'unknown');
      } finally {
        restore();
      }
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 1, 'the new attempt is asked about');
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'created');

      const started = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.threeDsV1) }),
      );
      const challenge = started.payment.challenge;
      assert.ok(challenge?.version === '1');
      await waitLeft();
      restore = intercept(gw, 'continue3ds', unreachable);
      try {
        const r = unwrap(
          await gw.engine.continueThreeDs({
            payment: { id: p.id },
            result: { version: '1', paRes: 'x', md: challenge.form.MD },
          }),
        );
        assert.equal(r.payment.status, 'unknown');
      } finally {
        restore();
      }
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 1, 'the new 3-DS answer is asked about');
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'pending');
    });

    it('sweeps lapsed challenges longest lapsed first, and waits before asking again about one the bank still works on', async () => {
      const challengedPayment = async () => {
        const p = await payment(gw.engine, m);
        const r = unwrap(
          await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.threeDsV2Challenge) }),
        );
        assert.equal(r.payment.status, 'pending');
        gw.clock.advance(1000);
        return r.payment;
      };
      const lapsesAt = async (id: bigint) =>
        (
          await gw.db.db
            .selectFrom('payments')
            .select('challenge_expires_at')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).challenge_expires_at;
      const stuck = [await challengedPayment(), await challengedPayment()];
      const free = await challengedPayment();
      const later = await challengedPayment();
      assert.equal(await lapsesAt(free.id), BigInt(Date.parse(free.challenge!.expiresAt!)));
      gw.clock.advance(challengeTtlMs - 2000); // the first three have lapsed, the last not yet
      const askedAbout: bigint[] = [];
      const restore = intercept(gw, 'status', async (real, input): Promise<ConnectorOutcome> => {
        const id = [...stuck, free, later].find((p) => input.operationId === `pay-${p.id}-1`)!.id;
        askedAbout.push(id);
        // the bank still works on the first two
        return stuck.some((p) => p.id === id) ? { kind: 'unknown', connectorData: {} } : real(input);
      });
      try {
        assert.equal(await gw.engine.settleLapsedChallenges(2), 0);
        assert.equal(await gw.engine.settleLapsedChallenges(2), 1, 'the next one is not starved');
        assert.equal(await gw.engine.settleLapsedChallenges(2), 0);
        assert.deepEqual(
          askedAbout,
          [stuck[0]!.id, stuck[1]!.id, free.id],
          'each asked once, the last never',
        );
      } finally {
        restore();
      }
      assert.equal((await gw.engine.getPayment({ id: free.id }))?.status, 'created');
      assert.equal(await lapsesAt(free.id), null, 'cleared with the challenge');
      gw.clock.advance(60 * 60_000);
      assert.equal(await gw.engine.settleLapsedChallenges(), 3);
      for (const p of [...stuck, later])
        assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'created');
    });

    it('counts only the payments whose answer it could apply', async () => {
      const p = await unknownPayment();
      untilStale();
      // a bank that answers a status query with a 3-DS challenge: nothing the janitor can apply
      const restore = intercept(
        gw,
        'status',
        async (_real, input): Promise<ConnectorOutcome> => ({
          kind: 'challenge',
          challenge: { version: '1', acsUrl: 'http://acs.test', form: { PaReq: 'x', MD: 'y', TermUrl: 'z' } },
          connectorData: { operationId: input.operationId },
        }),
      );
      try {
        assert.equal(await gw.engine.resolveUnsettled(), 0);
      } finally {
        restore();
      }
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'unknown');
      gw.clock.advance(60 * 60_000); // past any wait before the next question
      assert.equal(await gw.engine.resolveUnsettled(), 1);
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'created');
    });

    it('asks about the oldest first, and waits before asking again about one the bank is still working on', async () => {
      const stuck = await unknownPayment();
      gw.clock.advance(1000);
      const newer = await unknownPayment();
      untilStale();
      const stuckOp = `pay-${stuck.id}-1`;
      const askedAbout: string[] = [];
      const restore = intercept(gw, 'status', async (real, input): Promise<ConnectorOutcome> => {
        askedAbout.push(input.operationId);
        return input.operationId === stuckOp ? { kind: 'unknown', connectorData: {} } : real(input);
      });
      try {
        assert.equal(await gw.engine.resolveUnsettled(1), 0, 'the oldest first: the bank is still working');
        assert.equal(await gw.engine.resolveUnsettled(1), 1, 'then the next one, not the stuck one again');
        assert.equal((await gw.engine.getPayment({ id: newer.id }))?.status, 'created');
        assert.equal(await gw.engine.resolveUnsettled(1), 0);
        assert.deepEqual(askedAbout, [stuckOp, `pay-${newer.id}-1`], 'not asked again at once');
        gw.clock.advance(60 * 60_000);
        assert.equal(await gw.engine.resolveUnsettled(1), 0);
        assert.deepEqual(askedAbout.at(-1), stuckOp, 'asked again later');
      } finally {
        restore();
      }
      assert.equal((await gw.engine.getPayment({ id: stuck.id }))?.status, 'unknown');
      gw.clock.advance(60 * 60_000);
      assert.equal(await gw.engine.resolveUnsettled(1), 1);
      assert.equal((await gw.engine.getPayment({ id: stuck.id }))?.status, 'created');
    });

    it('expires due payments past a hold whose capture is in flight', async () => {
      const inFlight = await payment(gw.engine, m, { flow: 'hold', amountMinor: 500n });
      unwrap(await gw.engine.payWithCard({ payment: { id: inFlight.id }, card: card(cards.approved) }));
      const restore = intercept(gw, 'capture', unreachable);
      try {
        const r = await gw.engine.capturePayment({ merchantId: m, paymentId: inFlight.id });
        assert.equal(!r.ok && r.error.code, 'connector_unavailable');
      } finally {
        restore();
      }
      const unpaid = await payment(gw.engine, m, { expiresAt: new Date(gw.clock.ms + 60_000) });
      gw.clock.advance(gw.engine.deps.config.holdTtlMs);
      assert.equal(await gw.engine.expireDue(1), 1);
      assert.equal((await gw.engine.getPayment({ id: unpaid.id }))?.status, 'expired');
      assert.equal((await gw.engine.getPayment({ id: inFlight.id }))?.status, 'authorized');
      // the capture reached nobody: the janitor clears the marker, and the hold lapses next sweep
      assert.equal(await gw.engine.resolveUnsettled(), 1);
      assert.equal(await gw.engine.expireDue(1), 1);
      assert.equal((await gw.engine.getPayment({ id: inFlight.id }))?.status, 'expired');
    });

    /** An approved hold of 100.00 RUB, and the clock moved past its deadline. */
    const lapsedHold = async () => {
      const p = await payment(gw.engine, m, { flow: 'hold' });
      unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
      gw.clock.advance(gw.engine.deps.config.holdTtlMs);
      return p;
    };
    const heldInOurBooks = async () => (await gw.engine.balances(m, 'RUB')).held;

    it("settles a lapsed hold's void whose answer was lost as expired, not canceled", async () => {
      const p = await lapsedHold();
      const restore = intercept(gw, 'void', answerLost);
      try {
        assert.equal(await gw.engine.expireDue(), 0, 'no answer: not expired yet');
      } finally {
        restore();
      }
      const claimed = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(claimed.status, 'authorized');
      assert.match(claimed.opInFlight ?? '', /^expiry#\d+$/, 'claimed, as an expiry');
      assert.equal(await heldAtTheBank(gw, p.id), 'voided', 'the bank did it');
      assert.equal(await heldInOurBooks(), 100_00n, 'our books wait for the answer');
      expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: p.id }), 'payment_expired');
      expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: p.id }), 'payment_expired');
      assert.equal(await gw.engine.expireDue(), 0, 'the sweep leaves the claim to the janitor');
      assert.equal(await gw.engine.expireIfDue({ id: p.id }), false);
      assert.equal(await gw.engine.resolveUnsettled(), 0, 'not while the call may be on its way');
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 1);
      const settled = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(settled.status, 'expired');
      assert.equal(settled.opInFlight, null);
      assert.equal(await heldInOurBooks(), 0n);
      assert.equal(await heldAtTheBank(gw, p.id), 'voided');
      assert.equal(await gw.engine.resolveUnsettled(), 0, 'nothing is left to settle');
    });

    it('finishes releasing a lapsed hold at a bank it could not reach, once the bank is back', async () => {
      const p = await lapsedHold();
      let restore = intercept(gw, 'void', unreachable);
      try {
        assert.equal(await gw.engine.expireDue(), 0);
        assert.equal(await heldAtTheBank(gw, p.id), 'held');
        untilStale();
        assert.equal(await gw.engine.resolveUnsettled(), 0, 'still unreachable');
      } finally {
        restore();
      }
      const waiting = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(waiting.status, 'authorized');
      assert.match(waiting.opInFlight ?? '', /^expiry#/, 'still claimed');
      assert.equal(await heldInOurBooks(), 100_00n);
      assert.equal(await gw.engine.resolveUnsettled(), 0, 'asked again only after a wait');
      gw.clock.advance(60 * 60_000);
      const voids: string[] = [];
      restore = intercept(gw, 'void', (real, input) => {
        voids.push(input.operationId);
        return real(input);
      });
      try {
        assert.equal(await gw.engine.resolveUnsettled(), 1);
      } finally {
        restore();
      }
      assert.deepEqual(voids, [`void-${p.id}-1`], 'the same operation, sent again');
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'expired');
      assert.equal(await heldAtTheBank(gw, p.id), 'voided');
      assert.equal(await heldInOurBooks(), 0n);
    });

    it('reads a void marker written before expiries were marked, and settles it as before', async () => {
      const p = await payment(gw.engine, m, { flow: 'hold' });
      unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
      // as a process of the version before left it: a merchant's void, unnumbered, never sent
      await gw.db.db
        .updateTable('payments')
        .set({ op_in_flight: 'void', op_started_at: gw.clock.ms })
        .where('id', '=', p.id)
        .execute();
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 1);
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'canceled');
      assert.equal(await heldAtTheBank(gw, p.id), 'voided');
    });

    it('releases a card verification hold at the bank, by the janitor or once it lapses', async () => {
      const verify = async (fake: Parameters<typeof intercept<'void'>>[2]) => {
        const reg = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
        const restore = intercept(gw, 'void', fake);
        try {
          const paid = unwrap(
            await gw.engine.payWithCard({
              payment: { publicId: reg.payment.publicId },
              card: card(cards.approved),
            }),
          );
          assert.equal(paid.payment.status, 'authorized', 'the payer sees the approval');
        } finally {
          restore();
        }
        assert.equal((await gw.engine.getCard(m, { id: reg.card.id }))?.status, 'active');
        assert.equal(await heldAtTheBank(gw, reg.payment.id), 'held');
        return reg;
      };
      // the void right after the approval never reached the bank: the janitor sends it again
      const lost = await verify(unreachable);
      // the bank turned the void down then (busy, say): the hold waits, and lapses
      const refused = await verify(
        async (): Promise<ConnectorOutcome> => ({
          kind: 'declined',
          reason: 'processing_error',
          rc: '96',
          message: 'System malfunction',
          connectorData: {},
        }),
      );
      untilStale();
      assert.equal(await gw.engine.resolveUnsettled(), 1);
      assert.equal((await gw.engine.getPayment({ id: lost.payment.id }))?.status, 'canceled');
      assert.equal(await heldAtTheBank(gw, lost.payment.id), 'voided');
      gw.clock.advance(gw.engine.deps.config.holdTtlMs);
      assert.equal(await gw.engine.expireDue(), 1);
      assert.equal((await gw.engine.getPayment({ id: refused.payment.id }))?.status, 'expired');
      assert.equal(await heldAtTheBank(gw, refused.payment.id), 'voided');
      assert.equal((await gw.engine.getCard(m, { id: refused.card.id }))?.status, 'active', 'the card stays');
      assert.equal(await heldInOurBooks(), 0n);
    });

    it('settles a refund once when several janitors apply the same answer', async () => {
      await paid(gw.engine, m, { amountMinor: 1000_00n }); // balance to cover the refund
      const p = await paid(gw.engine, m, { amountMinor: 100_00n });
      const restore = intercept(gw, 'refund', answerLost);
      let refundId: bigint;
      try {
        const r = unwrap(await gw.engine.refundPayment({ merchantId: m, paymentId: p.id }));
        assert.equal(r.refund.status, 'unknown');
        refundId = r.refund.id;
      } finally {
        restore();
      }
      const answer = await gw.simulator.status({
        operationId: `refund-${refundId}`,
        testMode: false,
        signal: new AbortController().signal,
        connectorData: p.connectorData ?? {},
      });
      assert.equal(answer.kind, 'approved');
      const results = await Promise.all(
        Array.from({ length: 8 }, () => applyRefundOutcome(gw.engine.deps, refundId, answer)),
      );
      for (const r of results) assert.equal(unwrap(r).refund.status, 'succeeded');
      const after = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(after.status, 'refunded');
      assert.equal(after.refundedMinor, 100_00n);
      assert.equal(after.refundReservedMinor, 0n);
      assert.equal((await gw.engine.balances(m, 'RUB')).refunds_pending, 0n);
    });
  });
}
