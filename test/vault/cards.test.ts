import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
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
import { cardRow, keptPan, registered } from './vault-fixtures.ts';

for (const flavor of await testFlavors()) {
  describe(`card vault: registration and saved cards on ${flavor}`, () => {
    let gw: TestGateway;
    let m: bigint;
    before(async () => {
      gw = await testGateway(flavor);
      m = await merchant(gw.engine);
    });
    after(() => gw.close());
    afterEach(() => assertLedgerBalanced(gw.engine));

    it('registers a card: the hold is approved, the card kept and active, the hold voided', async () => {
      const reg = unwrap(
        await gw.engine.registerCard({
          merchantId: m,
          origin: 'core',
          purpose: 'pay',
          externalId: 'reg-1',
          returnUrls: { success: 'https://shop.test/ok', fail: 'https://shop.test/fail' },
        }),
      );
      assert.equal(reg.created, true);
      assert.equal(reg.card.status, 'created');
      assert.equal(reg.card.externalId, 'reg-1');
      assert.equal(reg.card.purpose, 'pay');
      assert.equal(reg.card.paymentId, reg.payment.id);
      assert.equal(reg.payment.flow, 'hold');
      assert.equal(reg.payment.amountMinor, 100n, 'a hold of 1.00');
      assert.equal(reg.payment.currency, 'RUB');
      assert.deepEqual(reg.payment.cardLink, { cardId: reg.card.id, role: 'verify' });
      assert.deepEqual(reg.payment.returnUrls, {
        success: 'https://shop.test/ok',
        fail: 'https://shop.test/fail',
      });
      assert.equal(reg.url, `http://kopek.test/pay/${reg.payment.publicId}`);

      const paid = unwrap(
        await gw.engine.payWithCard({
          payment: { publicId: reg.payment.publicId },
          card: card('5555 5555 5555 4444', { holder: 'PETR PETROV', expiry: { month: 3, year: 2029 } }),
        }),
      );
      assert.equal(paid.outcome, 'approved');
      assert.equal(paid.payment.status, 'authorized', 'the payer sees the approval');

      const kept = await gw.engine.getCard(m, { externalId: 'reg-1' });
      assert.ok(kept);
      assert.equal(kept.status, 'active');
      assert.equal(kept.mask, '555555******4444');
      assert.equal(kept.bin, '555555');
      assert.equal(kept.last4, '4444');
      assert.equal(kept.brand, 'mastercard');
      assert.equal(kept.expiry, '03/29');
      assert.equal(kept.holder, 'PETR PETROV');
      assert.deepEqual(await gw.engine.getCard(m, { paymentId: reg.payment.id }), kept);
      const row = await cardRow(gw.engine, kept.id);
      assert.equal(row.pan_key_id, 't1');
      assert.ok(row.pan_encrypted && !row.pan_encrypted.includes('5555555555554444'));
      assert.equal(await keptPan(gw.engine, kept.id), '5555555555554444');
      assert.ok(
        !JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes('5555555555554444'),
      );

      const hold = await gw.engine.getPayment({ id: reg.payment.id }, m);
      assert.equal(hold?.status, 'canceled', 'the verification hold is voided at once');
      assert.equal((await gw.engine.balances(m, 'RUB')).held ?? 0n, 0n);
      assert.equal(await gw.engine.releaseVerificationHolds(), 0, 'nothing left to release');

      const again = unwrap(
        await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay', externalId: 'reg-1' }),
      );
      assert.equal(again.created, false);
      assert.equal(again.card.id, kept.id);
      assert.equal(again.payment.id, reg.payment.id);
      expectFail(
        await gw.engine.registerCard({
          merchantId: m,
          origin: 'core',
          purpose: 'payout',
          externalId: 'reg-1',
        }),
        'exists_with_different_request',
      );
      expectFail(
        await gw.engine.payWithCard({
          payment: { publicId: reg.payment.publicId },
          card: card(cards.approved),
        }),
        'illegal_transition',
      );
    });

    it('validates a registration', async () => {
      expectFail(
        await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'gift' as 'pay' }),
        'invalid_argument',
      );
      expectFail(
        await gw.engine.registerCard({
          merchantId: m,
          origin: 'core',
          purpose: 'pay',
          externalId: 'x'.repeat(65),
        }),
        'invalid_argument',
      );
      expectFail(
        await gw.engine.registerCard({ merchantId: 999_999n, origin: 'core', purpose: 'pay' }),
        'merchant_not_found',
      );
      expectFail(
        await gw.engine.registerCard({
          merchantId: m,
          origin: 'core',
          purpose: 'pay',
          returnUrls: { success: 'javascript:alert(1)' },
        }),
        'invalid_argument',
      );
      assert.equal(
        (await gw.engine.listCards({ merchantId: m })).filter((c) => c.externalId === null).length,
        0,
        'a refused registration leaves no card behind',
      );
      const usd = unwrap(
        await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay', currency: 'USD' }),
      );
      assert.equal(usd.payment.amountMinor, 100n);
      assert.equal(usd.payment.currency, 'USD');
    });

    it('takes the number of a registration from the payer only, never from the merchant', async () => {
      const reg = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'payout' }));
      expectFail(
        await gw.engine.payWithCard({
          payment: { id: reg.payment.id },
          merchantId: m,
          card: card(cards.approved),
        }),
        'illegal_transition',
      );
      const row = await cardRow(gw.engine, reg.card.id);
      assert.equal(row.status, 'created');
      assert.equal(row.pan_encrypted, null);
      assert.equal((await gw.engine.getPayment({ id: reg.payment.id }))?.attempts, 0);
    });

    it('keeps the number sealed while the bank is silent, and activates when the janitor learns', async () => {
      const reg = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
      const started = unwrap(
        await gw.engine.payWithCard({
          payment: { publicId: reg.payment.publicId },
          card: card(cards.timeout),
        }),
      );
      assert.equal(started.payment.status, 'unknown');
      const waiting = await cardRow(gw.engine, reg.card.id);
      assert.equal(waiting.status, 'pending');
      assert.ok(waiting.pan_encrypted);
      gw.clock.advance(60_000);
      assert.ok((await gw.engine.resolveUnsettled()) >= 1);
      assert.equal((await gw.engine.getCard(m, { id: reg.card.id }))?.status, 'active');
      assert.equal(await keptPan(gw.engine, reg.card.id), cards.timeout);
      assert.equal((await gw.engine.getPayment({ id: reg.payment.id }))?.status, 'canceled', 'hold voided');
    });

    it('keeps nothing from declined attempts, and fails the card with its registration', async () => {
      const reg = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
      const first = unwrap(
        await gw.engine.payWithCard({ payment: { id: reg.payment.id }, card: card(cards.declined) }),
      );
      assert.equal(first.payment.status, 'created', 'the payer may try again');
      let row = await cardRow(gw.engine, reg.card.id);
      assert.equal(row.status, 'created');
      assert.equal(row.pan_encrypted, null, 'the declined number is erased');
      assert.equal(row.pan_key_id, null);
      await gw.engine.payWithCard({ payment: { id: reg.payment.id }, card: card(cards.insufficientFunds) });
      const last = unwrap(
        await gw.engine.payWithCard({ payment: { id: reg.payment.id }, card: card(cards.declined) }),
      );
      assert.equal(last.payment.status, 'failed');
      row = await cardRow(gw.engine, reg.card.id);
      assert.equal(row.status, 'failed');
      assert.equal(row.pan_encrypted, null);
      expectFail(await gw.engine.deleteCard({ merchantId: m, cardId: reg.card.id }), 'illegal_transition');
    });

    it('expires a registration nobody completes, and one abandoned at 3-D Secure', async () => {
      const unpaid = unwrap(
        await gw.engine.registerCard({
          merchantId: m,
          origin: 'core',
          purpose: 'payout',
          expiresAt: new Date(gw.clock.ms + 10 * 60_000),
        }),
      );
      const abandoned = unwrap(
        await gw.engine.registerCard({
          merchantId: m,
          origin: 'core',
          purpose: 'pay',
          expiresAt: new Date(gw.clock.ms + 10 * 60_000),
        }),
      );
      const started = unwrap(
        await gw.engine.payWithCard({
          payment: { id: abandoned.payment.id },
          card: card(cards.threeDsV2Challenge),
        }),
      );
      assert.equal(started.outcome, 'challenge');
      const waiting = await cardRow(gw.engine, abandoned.card.id);
      assert.equal(waiting.status, 'pending', 'the bank is checking the card');
      assert.ok(waiting.pan_encrypted, 'its number waits sealed for the 3-D Secure answer');
      expectFail(
        await gw.engine.deleteCard({ merchantId: m, cardId: abandoned.card.id }),
        'illegal_transition',
      );

      gw.clock.advance(11 * 60_000);
      assert.ok((await gw.engine.expireDue()) >= 2);
      for (const id of [unpaid.card.id, abandoned.card.id]) {
        const row = await cardRow(gw.engine, id);
        assert.equal(row.status, 'expired');
        assert.equal(row.pan_encrypted, null);
      }
      expectFail(
        await gw.engine.payWithCard({ payment: { id: unpaid.payment.id }, card: card(cards.approved) }),
        'payment_expired',
      );
    });

    it('completes a registration through a 3-D Secure v1 challenge', async () => {
      const reg = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
      const started = unwrap(
        await gw.engine.payWithCard({ payment: { id: reg.payment.id }, card: card(cards.threeDsV1) }),
      );
      const challenge = started.payment.challenge;
      assert.ok(challenge && challenge.version === '1');
      const answer = unwrap(
        gw.simulator.acs.answer(challenge.form.PaReq, gw.simulator.acs.expectedOtp(challenge.form.PaReq)),
      );
      assert.ok('paRes' in answer && answer.paRes);
      const done = unwrap(
        await gw.engine.continueThreeDs({
          payment: { id: reg.payment.id },
          result: { version: '1', paRes: answer.paRes, md: challenge.form.MD },
        }),
      );
      assert.equal(done.payment.status, 'authorized');
      const kept = await gw.engine.getCard(m, { id: reg.card.id });
      assert.equal(kept?.status, 'active');
      assert.equal(await keptPan(gw.engine, reg.card.id), cards.threeDsV1);
      assert.equal((await gw.engine.getPayment({ id: reg.payment.id }))?.status, 'canceled');
    });

    it('saves the card a payment is paid with, when asked to', async () => {
      const p = await payment(gw.engine, m, { saveCard: true, externalId: 'save-1' });
      assert.equal(p.cardLink?.role, 'save');
      const cardId = p.cardLink?.cardId;
      assert.ok(cardId);
      assert.equal((await gw.engine.getCard(m, { id: cardId }))?.status, 'created');
      expectFail(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: p.amountMinor,
          currency: 'RUB',
          externalId: 'save-1',
        }),
        'exists_with_different_request',
      );
      const same = unwrap(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: p.amountMinor,
          currency: 'RUB',
          externalId: 'save-1',
          saveCard: true,
        }),
      );
      assert.equal(same.created, false);
      assert.equal(same.payment.cardLink?.cardId, cardId, 'a repeat makes no second card');

      const paid = unwrap(
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(cards.mir, { holder: 'ANNA' }) }),
      );
      assert.equal(paid.payment.status, 'captured', 'a saving payment is an ordinary charge');
      const kept = await gw.engine.getCard(m, { id: cardId });
      assert.equal(kept?.status, 'active');
      assert.equal(kept?.mask, '220000******0004');
      assert.equal(kept?.brand, 'mir');
      assert.equal(kept?.paymentId, p.id);
      assert.equal(await keptPan(gw.engine, cardId), cards.mir);

      const refunded = unwrap(
        await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 10_00n }),
      );
      assert.equal(refunded.payment.status, 'partially_refunded');
      assert.equal((await gw.engine.getCard(m, { id: cardId }))?.status, 'active', 'a refund keeps the card');

      const plain = await payment(gw.engine, m);
      assert.equal(plain.cardLink, null, 'no card is kept unless asked');
      const canceled = await payment(gw.engine, m, { saveCard: true });
      unwrap(await gw.engine.cancelPayment({ id: canceled.id }, m));
      assert.equal((await gw.engine.getCard(m, { id: canceled.cardLink!.cardId }))?.status, 'failed');
    });

    it('deletes a card: status deleted, number erased; an open registration is withdrawn', async () => {
      const kept = await registered(gw.engine, m, cards.approved);
      const deleted = unwrap(await gw.engine.deleteCard({ merchantId: m, cardId: kept.id }));
      assert.equal(deleted.status, 'deleted');
      const row = await cardRow(gw.engine, kept.id);
      assert.equal(row.pan_encrypted, null);
      assert.equal(row.pan_key_id, null);
      assert.equal(row.mask, '411111******1111', 'what may be shown stays');
      assert.equal(unwrap(await gw.engine.deleteCard({ merchantId: m, cardId: kept.id })).status, 'deleted');

      const open = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
      unwrap(await gw.engine.deleteCard({ merchantId: m, cardId: open.card.id }));
      assert.equal((await gw.engine.getPayment({ id: open.payment.id }))?.status, 'canceled');
      expectFail(
        await gw.engine.payWithCard({ payment: { id: open.payment.id }, card: card(cards.approved) }),
        'illegal_transition',
      );
      assert.equal((await cardRow(gw.engine, open.card.id)).status, 'deleted');
    });

    it('shows each merchant its own cards only', async () => {
      const other = await merchant(gw.engine, 'Other');
      const mine = await registered(gw.engine, m, cards.mastercard, { externalId: 'mine' });
      const theirs = await registered(gw.engine, other, cards.mastercard, { externalId: 'mine' });
      assert.notEqual(mine.id, theirs.id, 'external ids are per merchant');
      assert.equal(await gw.engine.getCard(other, { id: mine.id }), null);
      assert.equal(await gw.engine.getCard(other, { paymentId: mine.paymentId! }), null);
      expectFail(await gw.engine.deleteCard({ merchantId: other, cardId: mine.id }), 'card_not_found');
      const listed = await gw.engine.listCards({ merchantId: other });
      assert.deepEqual(
        listed.map((c) => c.id),
        [theirs.id],
      );
      const active = await gw.engine.listCards({ merchantId: m, statuses: ['active'], limit: 1000 });
      assert.ok(active.some((c) => c.id === mine.id));
      assert.ok(active.every((c) => c.status === 'active' && c.merchantId === m));
      const page = await gw.engine.listCards({ merchantId: m, limit: 2 });
      assert.equal(page.length, 2);
      const next = await gw.engine.listCards({ merchantId: m, limit: 2, beforeId: page[1]!.id });
      assert.ok(
        next.every((c) => c.id < page[1]!.id),
        'newest first, keyset pages',
      );
    });
  });
}
