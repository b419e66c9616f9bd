import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { limits } from '../../src/domain/limits.ts';
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

for (const flavor of await testFlavors()) {
  describe(`payments on ${flavor}`, () => {
    let gw: TestGateway;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor);
      m = await merchant(gw.engine);
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    it('creates a payment with every field and reads it back', async () => {
      const created = unwrap(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 1205_98n,
          currency: 'RUB',
          externalId: 'order-1',
          description: 'Заказ №1',
          customer: { email: 'a@b.ru', phone: '+79990000000', name: 'Ivan' },
          metadata: { cart: [1, 2] },
          returnUrls: { success: 'https://shop.test/ok', fail: 'https://shop.test/fail' },
          callbackUrl: 'https://shop.test/cb',
          testMode: true,
          flow: 'charge',
        }),
      );
      assert.equal(created.created, true);
      const p = created.payment;
      assert.equal(p.status, 'created');
      assert.equal(p.amountMinor, 1205_98n);
      assert.equal(p.feeMinor, 30_15n); // 2.5 % of 1205.98 = 30.1495 → 30.15 (half up)
      assert.match(p.publicId, /^[0-9A-Za-z]{16}$/);
      assert.equal(p.expiresAt.getTime(), gw.clock.ms + limits.paymentTtlMs);
      const read = await gw.engine.getPayment({ externalId: 'order-1' }, m);
      assert.deepEqual(read, p);
      assert.equal(await gw.engine.getPayment({ id: p.id }, m + 1000n), null, 'scoped by merchant');
    });

    it('rejects bad input with the field at fault', async () => {
      const base = { merchantId: m, origin: 'core' as const, currency: 'RUB' as const };
      expectFail(await gw.engine.createPayment({ ...base, amountMinor: 0n }), 'invalid_amount');
      expectFail(await gw.engine.createPayment({ ...base, amountMinor: -1n }), 'invalid_amount');
      unwrap(await gw.engine.createPayment({ ...base, amountMinor: limits.amountMinorMax }));
      expectFail(
        await gw.engine.createPayment({ ...base, amountMinor: limits.amountMinorMax + 1n }),
        'invalid_amount',
      );
      expectFail(
        await gw.engine.createPayment({ ...base, currency: 'XXX' as unknown as 'RUB', amountMinor: 1n }),
        'invalid_currency',
      );
      const url = expectFail(
        await gw.engine.createPayment({
          ...base,
          amountMinor: 1n,
          returnUrls: { success: 'javascript:alert(1)' },
        }),
        'invalid_argument',
      );
      assert.equal(url.field, 'returnUrls.success');
      expectFail(
        await gw.engine.createPayment({ ...base, amountMinor: 1n, externalId: 'x'.repeat(65) }),
        'invalid_argument',
      );
      unwrap(await gw.engine.createPayment({ ...base, amountMinor: 1n, externalId: 'x'.repeat(64) }));
      expectFail(
        await gw.engine.createPayment({ ...base, amountMinor: 1n, expiresAt: gw.clock.now() }),
        'invalid_argument',
      );
      expectFail(
        await gw.engine.createPayment({ ...base, merchantId: 999_999n, amountMinor: 1n }),
        'merchant_not_found',
      );
      expectFail(
        await gw.engine.createPayment({ ...base, amountMinor: 1n, serviceCode: 'nope' }),
        'service_not_found',
      );
      expectFail(
        await gw.engine.createPayment({ ...base, amountMinor: 1n, serviceCode: 'card_usd' }),
        'currency_mismatch',
      );
    });

    it('returns the same payment for a repeated external id and refuses a different one', async () => {
      const first = unwrap(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 500n,
          currency: 'RUB',
          externalId: 'dup',
        }),
      );
      const again = unwrap(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 500n,
          currency: 'RUB',
          externalId: 'dup',
        }),
      );
      assert.equal(again.created, false);
      assert.equal(again.payment.id, first.payment.id);
      expectFail(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 501n,
          currency: 'RUB',
          externalId: 'dup',
        }),
        'exists_with_different_amount',
      );
      expectFail(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 500n,
          currency: 'USD',
          externalId: 'dup',
        }),
        'exists_with_different_currency',
      );
      expectFail(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 500n,
          currency: 'RUB',
          externalId: 'dup',
          flow: 'hold',
        }),
        'exists_with_different_request',
      );
      const other = await merchant(gw.engine, 'Other');
      const theirs = unwrap(
        await gw.engine.createPayment({
          merchantId: other,
          origin: 'core',
          amountMinor: 500n,
          currency: 'RUB',
          externalId: 'dup',
        }),
      );
      assert.equal(theirs.created, true, 'external ids are per merchant');
    });

    it('charges an approved card: captured, receipt, ledger and statistics', async () => {
      const p = await paid(gw.engine, m, { amountMinor: 100_00n });
      assert.equal(p.status, 'captured');
      assert.equal(p.capturedMinor, 100_00n);
      assert.equal(p.card?.mask, '411111******1111');
      assert.equal(p.receipt.rc, '00');
      assert.match(p.receipt.rrn ?? '', /^\d{12}$/);
      assert.match(p.receipt.approvalCode ?? '', /^[0-9A-Z]{6}$/);
      assert.ok(p.paidAt);
      const balances = await gw.engine.balances(m, 'RUB');
      assert.ok((balances.available ?? 0n) >= 97_50n);
      const day = '2026-11-23';
      const stats = await gw.engine.statistics({ merchantId: m, fromDay: day, toDay: day });
      const captured = stats.filter((s) => s.status === 'captured');
      assert.ok(captured.reduce((n, s) => n + s.count, 0n) >= 1n);
    });

    it('approves Mastercard and Mir, and a 3-DS v2 frictionless card straight away', async () => {
      for (const pan of [cards.mastercard, cards.mir, cards.threeDsV2Frictionless]) {
        const p = await payment(gw.engine, m);
        const r = unwrap(await gw.engine.payWithCard({ payment: { publicId: p.publicId }, card: card(pan) }));
        assert.equal(r.payment.status, 'captured', pan);
      }
    });

    it('lets the payer retry after a decline, then fails after the last attempt', async () => {
      const p = await payment(gw.engine, m);
      const first = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.declined) }),
      );
      assert.equal(first.payment.status, 'created');
      assert.equal(first.payment.decline?.reason, 'do_not_honor');
      assert.equal(first.payment.receipt.rc, '05');
      const second = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.insufficientFunds) }),
      );
      assert.equal(second.payment.status, 'created');
      assert.equal(second.payment.decline?.reason, 'insufficient_funds');
      const third = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.declined) }),
      );
      assert.equal(third.payment.status, 'failed');
      expectFail(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }),
        'illegal_transition',
      );
    });

    it('rejects a bad card before the bank sees it', async () => {
      const p = await payment(gw.engine, m);
      assert.equal(
        expectFail(
          await gw.engine.payWithCard({ payment: { id: p.id }, card: card('4111111111111112') }),
          'invalid_card',
        ).field,
        'pan',
      );
      assert.equal(
        expectFail(
          await gw.engine.payWithCard({
            payment: { id: p.id },
            card: card(cards.approved, { expiry: { month: 10, year: 2026 } }),
          }),
          'invalid_card',
        ).field,
        'expiry',
      );
      unwrap(
        await gw.engine.payWithCard({
          payment: { id: p.id },
          card: card(cards.approved, { expiry: { month: 11, year: 2026 } }),
        }),
      );
      const q = await payment(gw.engine, m);
      assert.equal(
        expectFail(
          await gw.engine.payWithCard({ payment: { id: q.id }, card: card(cards.approved, { cvc: '12' }) }),
          'invalid_card',
        ).field,
        'cvc',
      );
      assert.equal(
        expectFail(
          await gw.engine.payWithCard({
            payment: { id: q.id },
            card: card(cards.threeDsV1),
            threeDsReturnUrl: 'javascript:alert(1)',
          }),
          'invalid_argument',
        ).field,
        'threeDsReturnUrl',
      );
      assert.equal((await gw.engine.getPayment({ id: q.id }))?.attempts, 0, 'no attempt was used');
    });

    it('holds, captures part, and charges the fee on the captured amount', async () => {
      const p = await payment(gw.engine, m, { flow: 'hold', amountMinor: 1000_00n });
      const held = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }),
      ).payment;
      assert.equal(held.status, 'authorized');
      assert.equal(held.authorizedMinor, 1000_00n);
      expectFail(
        await gw.engine.capturePayment({ merchantId: m, paymentId: p.id, amountMinor: 1000_01n }),
        'capture_exceeds_authorized',
      );
      expectFail(
        await gw.engine.capturePayment({ merchantId: m, paymentId: p.id, amountMinor: 0n }),
        'invalid_amount',
      );
      expectFail(
        await gw.engine.capturePayment({ merchantId: m + 1000n, paymentId: p.id }),
        'payment_not_found',
      );
      const captured = unwrap(
        await gw.engine.capturePayment({ merchantId: m, paymentId: p.id, amountMinor: 600_00n }),
      );
      assert.equal(captured.status, 'captured');
      assert.equal(captured.capturedMinor, 600_00n);
      assert.equal(captured.feeMinor, 15_00n);
      expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: p.id }), 'illegal_transition');
      expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: p.id }), 'illegal_transition');
    });

    it('captures a hold in full by default, and voids another', async () => {
      const a = await payment(gw.engine, m, { flow: 'hold', amountMinor: 300n });
      unwrap(await gw.engine.payWithCard({ payment: { id: a.id }, card: card(cards.approved) }));
      assert.equal(
        unwrap(await gw.engine.capturePayment({ merchantId: m, paymentId: a.id })).capturedMinor,
        300n,
      );
      const b = await payment(gw.engine, m, { flow: 'hold', amountMinor: 300n });
      unwrap(await gw.engine.payWithCard({ payment: { id: b.id }, card: card(cards.approved) }));
      const voided = unwrap(await gw.engine.voidPayment({ merchantId: m, paymentId: b.id }));
      assert.equal(voided.status, 'canceled');
      const c = await payment(gw.engine, m, { flow: 'hold' });
      expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: c.id }), 'illegal_transition');
    });

    it('runs 3-D Secure v1 through the ACS: right code approves, wrong code declines', async () => {
      const p = await payment(gw.engine, m);
      const started = unwrap(
        await gw.engine.payWithCard({
          payment: { id: p.id },
          card: card(cards.threeDsV1),
          threeDsReturnUrl: 'http://kopek.test/back',
        }),
      );
      assert.equal(started.outcome, 'challenge');
      assert.equal(started.payment.status, 'pending');
      const challenge = started.payment.challenge;
      assert.ok(challenge && challenge.version === '1');
      assert.equal(challenge.form.TermUrl, 'http://kopek.test/back');
      const answer = unwrap(
        gw.simulator.acs.answer(challenge.form.PaReq, gw.simulator.acs.expectedOtp(challenge.form.PaReq)),
      );
      assert.ok('paRes' in answer && answer.paRes);
      const done = unwrap(
        await gw.engine.continueThreeDs({
          payment: { publicId: p.publicId },
          result: { version: '1', paRes: answer.paRes, md: challenge.form.MD },
        }),
      );
      assert.equal(done.payment.status, 'captured');
      expectFail(
        await gw.engine.continueThreeDs({
          payment: { publicId: p.publicId },
          result: { version: '1', paRes: answer.paRes, md: challenge.form.MD },
        }),
        'illegal_transition',
      );

      const q = await payment(gw.engine, m);
      const s2 = unwrap(await gw.engine.payWithCard({ payment: { id: q.id }, card: card(cards.threeDsV1) }));
      const ch2 = s2.payment.challenge;
      assert.ok(ch2 && ch2.version === '1');
      const wrong = unwrap(gw.simulator.acs.answer(ch2.form.PaReq, '000000'));
      assert.ok('paRes' in wrong && wrong.paRes);
      const failed = unwrap(
        await gw.engine.continueThreeDs({
          payment: { id: q.id },
          result: { version: '1', paRes: wrong.paRes, md: ch2.form.MD },
        }),
      );
      assert.equal(
        failed.payment.status,
        'created',
        'a failed authentication is a decline: the payer may try again',
      );
      assert.equal(failed.payment.decline?.reason, 'authentication_failed');
    });

    it('runs a 3-D Secure v2 challenge and refuses a forged CRes without ending the attempt', async () => {
      const p = await payment(gw.engine, m);
      const started = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.threeDsV2Challenge) }),
      );
      const ch = started.payment.challenge;
      assert.ok(ch && ch.version === '2');
      assert.equal(ch.acsUrl, 'http://kopek.test/acs/v2');
      const forged = expectFail(
        await gw.engine.continueThreeDs({
          payment: { id: p.id },
          result: {
            version: '2',
            cres: 'eyJmb3JnZWQiOnRydWV9',
            threeDSSessionData: ch.form.threeDSSessionData,
          },
        }),
        'invalid_argument',
      );
      assert.equal(forged.field, 'threeDsResult');
      // Whoever sent it may not be the payer: the challenge stays open for the genuine answer.
      const waiting = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(
        waiting.status,
        'pending',
        'a forged CRes is never an approval, nor the end of the attempt',
      );
      assert.deepEqual(waiting.challenge, ch);
      assert.equal(waiting.opInFlight, null);
      assert.equal(waiting.decline, null);
      const answer = unwrap(
        gw.simulator.acs.answer(ch.form.creq, gw.simulator.acs.expectedOtp(ch.form.creq)),
      );
      assert.ok('cres' in answer && answer.cres);
      const done = unwrap(
        await gw.engine.continueThreeDs({
          payment: { id: p.id },
          result: { version: '2', cres: answer.cres, threeDSSessionData: ch.form.threeDSSessionData },
        }),
      );
      assert.equal(done.payment.status, 'captured');
      assert.equal(done.payment.attempts, 1);
    });

    it('leaves a timed-out payment unknown, and the janitor settles it by asking the bank', async () => {
      gw.engine.deps.config.connectorTimeoutMs = 50;
      try {
        const p = await payment(gw.engine, m);
        const r = unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.timeout) }));
        assert.equal(r.payment.status, 'unknown');
        assert.equal(r.outcome, 'unknown');
        gw.clock.advance(2 * gw.engine.deps.config.connectorTimeoutMs + 1); // the janitor's wait
        assert.ok((await gw.engine.resolveUnsettled()) >= 1);
        const settled = await gw.engine.getPayment({ id: p.id });
        assert.equal(settled?.status, 'captured');
      } finally {
        gw.engine.deps.config.connectorTimeoutMs = 2000;
      }
    });

    it('expires unpaid payments and refuses to take money after expiry', async () => {
      const p = await payment(gw.engine, m, { expiresAt: new Date(gw.clock.ms + 60_000) });
      const q = await payment(gw.engine, m, { expiresAt: new Date(gw.clock.ms + 60_000) });
      gw.clock.advance(60_000);
      expectFail(
        await gw.engine.payWithCard({ payment: { id: q.id }, card: card(cards.approved) }),
        'payment_expired',
      );
      assert.ok((await gw.engine.expireDue()) >= 1);
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'expired');
      assert.equal((await gw.engine.getPayment({ id: q.id }))?.status, 'expired');
      expectFail(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }),
        'payment_expired',
      );
    });

    it('releases an uncaptured hold when it lapses', async () => {
      const p = await payment(gw.engine, m, { flow: 'hold', amountMinor: 700n });
      unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
      const heldBefore = (await gw.engine.balances(m, 'RUB')).held ?? 0n;
      gw.clock.advance(gw.engine.deps.config.holdTtlMs);
      await gw.engine.expireDue();
      assert.equal((await gw.engine.getPayment({ id: p.id }))?.status, 'expired');
      assert.equal((await gw.engine.balances(m, 'RUB')).held, heldBefore - 700n);
    });

    it('cancels an unpaid payment, once', async () => {
      const p = await payment(gw.engine, m);
      assert.equal(unwrap(await gw.engine.cancelPayment({ publicId: p.publicId })).status, 'canceled');
      expectFail(await gw.engine.cancelPayment({ publicId: p.publicId }), 'illegal_transition');
      expectFail(await gw.engine.cancelPayment({ publicId: 'nope' }), 'payment_not_found');
    });

    it('lists the registry newest first with keyset pages and filters', async () => {
      const mm = await merchant(gw.engine, 'Registry');
      const made = [];
      for (let i = 0; i < 5; i++)
        made.push(await payment(gw.engine, mm, { externalId: `reg-${i}`, description: `item ${i}` }));
      await gw.engine.cancelPayment({ id: made[0]!.id }, mm);
      const page1 = await gw.engine.listPayments({ merchantId: mm, limit: 2 });
      assert.deepEqual(
        page1.map((p) => p.externalId),
        ['reg-4', 'reg-3'],
      );
      const page2 = await gw.engine.listPayments({ merchantId: mm, limit: 2, beforeId: page1.at(-1)!.id });
      assert.deepEqual(
        page2.map((p) => p.externalId),
        ['reg-2', 'reg-1'],
      );
      assert.deepEqual(
        (await gw.engine.listPayments({ merchantId: mm, statuses: ['canceled'] })).map((p) => p.externalId),
        ['reg-0'],
      );
      assert.deepEqual(
        (await gw.engine.listPayments({ merchantId: mm, search: 'reg-3' })).map((p) => p.externalId),
        ['reg-3'],
      );
      assert.equal((await gw.engine.listPayments({ merchantId: m + 1000n })).length, 0);
    });

    it('keeps statistics equal to what the payments say', async () => {
      const mm = await merchant(gw.engine, 'Stats');
      await paid(gw.engine, mm, { amountMinor: 100n });
      await paid(gw.engine, mm, { amountMinor: 250n });
      const p = await payment(gw.engine, mm, { amountMinor: 999n });
      await gw.engine.cancelPayment({ id: p.id }, mm);
      const q = await paid(gw.engine, mm, { amountMinor: 400n });
      unwrap(await gw.engine.refundPayment({ merchantId: mm, paymentId: q.id, amountMinor: 150n }));
      const stats = await gw.engine.statistics(
        { merchantId: mm, fromDay: '2026-11-01', toDay: '2026-11-30' },
        false,
      );
      const by = (status: string) => stats.find((s) => s.status === status);
      assert.equal(by('captured')?.count, 2n);
      assert.equal(by('captured')?.amountMinor, 350n);
      assert.equal(by('canceled')?.count, 1n);
      assert.equal(by('partially_refunded')?.refundedMinor, 150n);
      assert.equal(by('created'), undefined, 'no payment is left in created');
      const all = await gw.engine.listPayments({ merchantId: mm });
      assert.equal(
        stats.reduce((n, s) => n + s.count, 0n),
        BigInt(all.length),
      );
    });
  });
}
