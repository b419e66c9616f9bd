import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ConnectorOutcome } from '../../src/acquiring/connector.ts';
import { answerLost, heldAtTheBank, intercept, unreachable } from '../helpers/bank.ts';
import { testFlavors } from '../helpers/databases.ts';
import {
  assertLedgerBalanced,
  card,
  cards,
  expectFail,
  merchant,
  payment,
  unwrap,
} from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

for (const flavor of await testFlavors()) {
  describe(`holds on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    const held = async (m: bigint, amountMinor: bigint) => {
      const p = await payment(gw.engine, m, { flow: 'hold', amountMinor });
      const r = unwrap(await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.approved) }));
      assert.equal(r.payment.status, 'authorized');
      return r.payment;
    };

    it('captures a hold up to its last millisecond, and expires it instead after that', async () => {
      const m = await merchant(gw.engine);
      const inTime = await held(m, 700n);
      const late = await held(m, 500n);
      const heldBefore = (await gw.engine.balances(m, 'RUB')).held;
      assert.equal(heldBefore, 1200n);
      gw.clock.advance(gw.engine.deps.config.holdTtlMs - 1);
      assert.equal(
        unwrap(await gw.engine.capturePayment({ merchantId: m, paymentId: inTime.id })).status,
        'captured',
      );
      gw.clock.advance(1);
      expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: late.id }), 'payment_expired');
      const expired = (await gw.engine.getPayment({ id: late.id }))!;
      assert.equal(expired.status, 'expired');
      assert.equal(expired.capturedMinor, 0n);
      assert.equal((await gw.engine.balances(m, 'RUB')).held, 0n, 'the lapsed hold is released in the books');
      assert.equal(await heldAtTheBank(gw, late.id), 'voided', '... and at the bank');
      expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: late.id }), 'payment_expired');
      expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: late.id }), 'payment_expired');
    });

    it("voids a hold past its deadline at the bank, so the payer's money is released there too", async () => {
      const m = await merchant(gw.engine);
      const voided = await held(m, 300n);
      const refused = await held(m, 200n);
      const lost = await held(m, 100n);
      gw.clock.advance(gw.engine.deps.config.holdTtlMs);
      const seen: string[] = [];
      let restore = intercept(gw, 'void', (real, input) => {
        seen.push(input.operationId);
        return real(input);
      });
      try {
        const r = unwrap(await gw.engine.voidPayment({ merchantId: m, paymentId: voided.id }));
        assert.equal(r.status, 'canceled');
      } finally {
        restore();
      }
      const atTheBank = await gw.simulator.status({
        operationId: seen[0]!,
        testMode: false,
        signal: new AbortController().signal,
        connectorData: voided.connectorData ?? {},
      });
      assert.equal(atTheBank.kind, 'approved', 'the bank voided it');

      // A bank that will not void it (it let the hold go itself, say): the hold has lapsed.
      restore = intercept(
        gw,
        'void',
        async (): Promise<ConnectorOutcome> => ({
          kind: 'declined',
          reason: 'not_permitted',
          rc: '12',
          message: 'The hold was released',
          connectorData: {},
        }),
      );
      try {
        expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: refused.id }), 'payment_expired');
      } finally {
        restore();
      }
      assert.equal((await gw.engine.getPayment({ id: refused.id }))?.status, 'expired');

      // A void that never reached the bank: the janitor sends it again under its operation id,
      // and the bank does it now (asked instead, it could only say it never saw it, and the
      // payer's money would stay held).
      restore = intercept(gw, 'void', unreachable);
      try {
        expectFail(
          await gw.engine.voidPayment({ merchantId: m, paymentId: lost.id }),
          'connector_unavailable',
        );
      } finally {
        restore();
      }
      assert.equal(await gw.engine.expireDue(), 0, 'the sweep waits for the void');
      gw.clock.advance(2 * gw.engine.deps.config.connectorTimeoutMs + 1);
      assert.ok((await gw.engine.resolveUnsettled()) >= 1);
      const resent = (await gw.engine.getPayment({ id: lost.id }))!;
      assert.equal(resent.status, 'canceled', "the merchant's void, done");
      assert.equal(resent.opInFlight, null);
      assert.equal(await heldAtTheBank(gw, lost.id), 'voided');

      assert.equal((await gw.engine.balances(m, 'RUB')).held, 0n);
      assert.equal(await gw.engine.expireDue(), 0, 'nothing left for the sweep');
      expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: refused.id }), 'payment_expired');
    });

    it('releases at the bank a hold that lapses by the sweep, a late capture or a page view', async () => {
      const m = await merchant(gw.engine);
      const swept = await held(m, 300n);
      const late = await held(m, 200n);
      const viewed = await held(m, 100n);
      assert.equal(await heldAtTheBank(gw, swept.id), 'held');
      gw.clock.advance(gw.engine.deps.config.holdTtlMs);
      const seen: string[] = [];
      const restore = intercept(gw, 'void', (real, input) => {
        seen.push(input.operationId);
        return real(input);
      });
      try {
        expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: late.id }), 'payment_expired');
        assert.equal(await gw.engine.expireIfDue({ publicId: viewed.publicId }), true);
        assert.ok((await gw.engine.expireDue()) >= 1);
      } finally {
        restore();
      }
      for (const p of [swept, late, viewed]) {
        const after = (await gw.engine.getPayment({ id: p.id }))!;
        assert.equal(after.status, 'expired', 'the deadline, not the merchant, ended it');
        assert.equal(after.opInFlight, null);
        assert.equal(await heldAtTheBank(gw, p.id), 'voided', "the payer's money is released at the issuer");
        assert.ok(seen.includes(`void-${p.id}-1`), 'a void of its own at the bank');
      }
      assert.equal((await gw.engine.balances(m, 'RUB')).held, 0n);
      expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: swept.id }), 'payment_expired');
      expectFail(await gw.engine.capturePayment({ merchantId: m, paymentId: viewed.id }), 'payment_expired');
      assert.equal(await gw.engine.expireIfDue({ id: late.id }), false, 'nothing left to expire');
    });

    /** Waits until the payment's claim of a bank operation has committed. */
    const claimed = async (id: bigint) => {
      for (let i = 0; i < 500; i++) {
        const op = (await gw.engine.getPayment({ id }))?.opInFlight;
        if (op) return op;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.fail(`payment ${id}: no operation claimed`);
    };
    /** A bank call that waits until `open` is called. */
    const gated = () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { gate, open };
    };

    it('lets a capture racing the sweep or the sweep racing a capture win, never both', async () => {
      const m = await merchant(gw.engine);
      const ttl = gw.engine.deps.config.holdTtlMs;

      // the capture is with the bank when the deadline passes: the sweep leaves the hold alone
      const first = await held(m, 400n);
      gw.clock.advance(ttl - 1);
      const slowCapture = gated();
      let restore = intercept(gw, 'capture', async (real, input) => {
        await slowCapture.gate;
        return real(input);
      });
      try {
        const capturing = gw.engine.capturePayment({ merchantId: m, paymentId: first.id });
        assert.match(await claimed(first.id), /^capture:/);
        gw.clock.advance(1);
        await gw.engine.expireDue();
        assert.equal(await gw.engine.expireIfDue({ id: first.id }), false);
        slowCapture.open();
        assert.equal(unwrap(await capturing).status, 'captured');
      } finally {
        restore();
      }
      await gw.engine.expireDue();
      assert.equal((await gw.engine.getPayment({ id: first.id }))?.status, 'captured');
      assert.equal(await heldAtTheBank(gw, first.id), 'captured');

      // the sweep's void is with the bank: a capture now is refused, and the hold expires
      const second = await held(m, 300n);
      gw.clock.advance(ttl);
      const slowVoid = gated();
      restore = intercept(gw, 'void', async (real, input) => {
        await slowVoid.gate;
        return real(input);
      });
      try {
        const sweeping = gw.engine.expireDue();
        assert.match(await claimed(second.id), /^expiry#\d+$/);
        expectFail(
          await gw.engine.capturePayment({ merchantId: m, paymentId: second.id }),
          'payment_expired',
        );
        expectFail(await gw.engine.voidPayment({ merchantId: m, paymentId: second.id }), 'payment_expired');
        slowVoid.open();
        assert.ok((await sweeping) >= 1);
      } finally {
        restore();
      }
      assert.equal((await gw.engine.getPayment({ id: second.id }))?.status, 'expired');
      assert.equal(await heldAtTheBank(gw, second.id), 'voided');

      // both at once, at the deadline's last millisecond: whichever takes the row first decides
      const third = await held(m, 200n);
      gw.clock.advance(ttl - 1);
      const [captured] = await Promise.all([
        gw.engine.capturePayment({ merchantId: m, paymentId: third.id }),
        (async () => {
          gw.clock.advance(1);
          return gw.engine.expireDue();
        })(),
      ]);
      const after = (await gw.engine.getPayment({ id: third.id }))!;
      const bank = await heldAtTheBank(gw, third.id);
      if (captured.ok) {
        assert.equal(after.status, 'captured');
        assert.equal(bank, 'captured');
      } else {
        expectFail(captured, 'payment_expired');
        assert.equal(after.status, 'expired');
        assert.equal(bank, 'voided');
      }
      assert.equal((await gw.engine.balances(m, 'RUB')).held, 0n);
    });

    /** The bank declines the first capture (shown a larger amount than held, it refuses and records that). */
    const declineFirstCapture = async (m: bigint, paymentId: bigint, seen: string[]) => {
      const restore = intercept(gw, 'capture', (real, input) => {
        seen.push(input.operationId);
        return real({ ...input, amountMinor: input.amountMinor + 1_000_000n });
      });
      try {
        expectFail(
          await gw.engine.capturePayment({ merchantId: m, paymentId, amountMinor: 400n }),
          'declined',
        );
      } finally {
        restore();
      }
      assert.equal((await gw.engine.getPayment({ id: paymentId }))?.status, 'authorized');
    };

    it('gives every capture attempt its own bank operation id', async () => {
      const m = await merchant(gw.engine);
      const p = await held(m, 1000n);
      const seen: string[] = [];
      await declineFirstCapture(m, p.id, seen);
      const restore = intercept(gw, 'capture', (real, input) => {
        seen.push(input.operationId);
        return real(input);
      });
      try {
        const captured = unwrap(
          await gw.engine.capturePayment({ merchantId: m, paymentId: p.id, amountMinor: 600n }),
        );
        assert.equal(captured.status, 'captured');
        assert.equal(captured.capturedMinor, 600n);
      } finally {
        restore();
      }
      assert.equal(seen.length, 2);
      assert.notEqual(seen[0], seen[1], 'a retry is a new operation at the bank');
    });

    it('settles a retried capture whose answer was lost by asking about that attempt', async () => {
      const m = await merchant(gw.engine);
      const p = await held(m, 1000n);
      const seen: string[] = [];
      await declineFirstCapture(m, p.id, seen);
      const restore = intercept(gw, 'capture', (real, input) => {
        seen.push(input.operationId);
        return answerLost(real, input);
      });
      try {
        expectFail(
          await gw.engine.capturePayment({ merchantId: m, paymentId: p.id, amountMinor: 600n }),
          'connector_unavailable',
        );
      } finally {
        restore();
      }
      gw.clock.advance(2 * gw.engine.deps.config.connectorTimeoutMs + 1);
      const askedAbout: string[] = [];
      const restoreStatus = intercept(gw, 'status', (real, input) => {
        askedAbout.push(input.operationId);
        return real(input);
      });
      try {
        assert.ok((await gw.engine.resolveUnsettled()) >= 1);
      } finally {
        restoreStatus();
      }
      assert.ok(askedAbout.includes(seen[1]!), 'the janitor asks about the attempt in flight');
      assert.ok(!askedAbout.includes(seen[0]!));
      const settled = (await gw.engine.getPayment({ id: p.id }))!;
      assert.equal(settled.status, 'captured');
      assert.equal(settled.capturedMinor, 600n);
      assert.equal(settled.opInFlight, null);
    });

    it("charges a hold made without fee terms (by the previous version) its service's terms, as before", async () => {
      const m = await merchant(gw.engine);
      const hold = await held(m, 1000_00n);
      // as a process of the version before 0005 inserts it during a rolling upgrade
      await gw.db.db
        .updateTable('payments')
        .set({ fee_rate_ppm: null, fee_fixed_minor: null, fee_min_minor: null, fee_max_minor: null })
        .where('id', '=', hold.id)
        .execute();
      unwrap(
        await gw.engine.setServiceFee(m, 'card_rub', {
          ratePpm: 40_000n,
          fixedMinor: 0n,
          minMinor: 0n,
          maxMinor: 30_00n,
        }),
      );
      const captured = unwrap(
        await gw.engine.capturePayment({ merchantId: m, paymentId: hold.id, amountMinor: 600_00n }),
      );
      assert.equal(captured.feeMinor, 24_00n, "the service's terms at capture: 4 % of 600.00, not nothing");
      assert.equal((await gw.engine.balances(m, 'RUB')).fees, 24_00n);
    });

    it('charges a hold the fee terms it was created with, on the amount captured', async () => {
      const m = await merchant(gw.engine);
      const hold = await held(m, 1000_00n); // card_rub: 2.5 %
      const charge = await payment(gw.engine, m, { amountMinor: 1000_00n });
      assert.equal(charge.feeMinor, 25_00n);
      unwrap(
        await gw.engine.setServiceFee(m, 'card_rub', {
          ratePpm: 50_000n,
          fixedMinor: 0n,
          minMinor: 0n,
          maxMinor: null,
        }),
      );
      const paidCharge = unwrap(
        await gw.engine.payWithCard({ payment: { id: charge.id }, card: card(cards.approved) }),
      ).payment;
      assert.equal(paidCharge.feeMinor, 25_00n, 'a charge pays the terms of its creation');
      const captured = unwrap(
        await gw.engine.capturePayment({ merchantId: m, paymentId: hold.id, amountMinor: 600_00n }),
      );
      assert.equal(captured.feeMinor, 15_00n, 'so does a hold: 2.5 % of 600.00, not the new 5 %');
      const later = await held(m, 1000_00n);
      const capturedLater = unwrap(await gw.engine.capturePayment({ merchantId: m, paymentId: later.id }));
      assert.equal(capturedLater.feeMinor, 50_00n, 'a hold created after the change pays the new terms');
      const balances = await gw.engine.balances(m, 'RUB');
      assert.equal(balances.fees, 25_00n + 15_00n + 50_00n);
      assert.equal(balances.available, 2600_00n - 90_00n);
    });
  });
}
