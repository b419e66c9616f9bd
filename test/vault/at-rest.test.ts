import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { testFlavors } from '../helpers/databases.ts';
import { card, cards, merchant, paid, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { registered } from './vault-fixtures.ts';

/**
 * Issue #3's check: after a full card-vault tour (registrations, one through 3-D Secure and
 * one declined first, autopay, a payout to a kept card, a payment that saves its card), neither
 * the database nor the logs hold a card number or a CVC in clear, while the masks are there.
 */
const pans = {
  autopay: '4556737586899855', // registered for payments, then charged merchant-initiated
  payout: '5222334455667786', // registered for payouts, then paid out to
  saved: '2200123456789019', // saved by an ordinary payment
  threeDs: cards.threeDsV2Challenge, // registered through a 3-D Secure v2 challenge
  declined: cards.declined, // tried first on a registration, declined
} as const;
const cvc = '987';

/** 4111111111111111 → 4111 1111 1111 1111, as payers type it. */
const spaced = (pan: string) => pan.replace(/(\d{4})(?=\d)/g, '$1 ');
const maskOf = (pan: string) => `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;

for (const flavor of await testFlavors()) {
  describe(`card vault data at rest on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
      const m = await merchant(gw.engine);
      await paid(gw.engine, m, { amountMinor: 10_000_00n }); // a balance to pay out from
      const callbackUrl = 'http://127.0.0.1:9/cb';

      // register for autopay, after a declined first attempt, typed with spaces
      const reg = unwrap(
        await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay', callbackUrl }),
      );
      await gw.engine.payWithCard({
        payment: { id: reg.payment.id },
        card: card(spaced(pans.declined), { cvc }),
      });
      unwrap(
        await gw.engine.payWithCard({
          payment: { id: reg.payment.id },
          card: card(spaced(pans.autopay), { cvc }),
        }),
      );
      const autopay = unwrap(
        await gw.engine.chargeSavedCard({
          merchantId: m,
          cardId: reg.card.id,
          origin: 'core',
          amountMinor: 99_00n,
          currency: 'RUB',
          externalId: 'auto-1',
          callbackUrl,
        }),
      );
      assert.equal(autopay.payment.status, 'captured');

      // register for payouts, then pay out to it
      const payoutCard = await registered(gw.engine, m, pans.payout, { purpose: 'payout', cvc });
      const payout = unwrap(
        await gw.engine.createPayout({
          merchantId: m,
          amountMinor: 500_00n,
          currency: 'RUB',
          destination: { kind: 'saved_card', cardId: payoutCard.id },
        }),
      );
      assert.equal(payout.status, 'succeeded');

      // register through a 3-D Secure v2 challenge: the number waits sealed meanwhile
      const reg3ds = unwrap(await gw.engine.registerCard({ merchantId: m, origin: 'core', purpose: 'pay' }));
      const started = unwrap(
        await gw.engine.payWithCard({
          payment: { id: reg3ds.payment.id },
          card: card(pans.threeDs, { cvc }),
        }),
      );
      const challenge = started.payment.challenge;
      assert.ok(challenge && challenge.version === '2');
      const answer = unwrap(
        gw.simulator.acs.answer(challenge.form.creq, gw.simulator.acs.expectedOtp(challenge.form.creq)),
      );
      assert.ok('cres' in answer && answer.cres);
      unwrap(
        await gw.engine.continueThreeDs({
          payment: { id: reg3ds.payment.id },
          result: { version: '2', cres: answer.cres },
        }),
      );
      assert.equal((await gw.engine.getCard(m, { id: reg3ds.card.id }))?.status, 'active');

      // an ordinary payment that saves its card
      const saving = unwrap(
        await gw.engine.createPayment({
          merchantId: m,
          origin: 'core',
          amountMinor: 300_00n,
          currency: 'RUB',
          saveCard: true,
          callbackUrl,
        }),
      ).payment;
      unwrap(await gw.engine.payWithCard({ payment: { id: saving.id }, card: card(pans.saved, { cvc }) }));
      assert.equal((await gw.engine.getCard(m, { id: saving.cardLink!.cardId }))?.status, 'active');

      await gw.engine.releaseVerificationHolds();
      await gw.worker.runOnce();
    });
    after(() => gw.close());

    async function databaseText(): Promise<string> {
      if (flavor === 'sqlite') {
        const dir = dirname(gw.database.label.replace(/^sqlite:/, ''));
        const read = () =>
          readdirSync(dir)
            .map((f) => readFileSync(join(dir, f)).toString('latin1'))
            .join('\n');
        const beforeCheckpoint = read(); // the -wal file holds the latest pages
        await sql`pragma wal_checkpoint(FULL)`.execute(gw.database.db);
        return `${beforeCheckpoint}\n${read()}`;
      }
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(gw.database.db);
      assert.ok(tables.rows.length >= 15, 'every table of the schema');
      let text = '';
      for (const { table_name } of tables.rows) {
        const rows = await sql<{
          j: string;
        }>`select row_to_json(x)::text as j from ${sql.table(table_name)} x`.execute(gw.database.db);
        text += `${rows.rows.map((r) => r.j).join('\n')}\n`;
      }
      return text;
    }

    const assertNoCardData = (text: string, where: string) => {
      for (const [name, pan] of Object.entries(pans)) {
        assert.ok(!text.includes(pan), `the ${name} card number is in the ${where}`);
        assert.ok(!text.includes(spaced(pan)), `the ${name} card number, spaced, is in the ${where}`);
      }
      for (const form of [`"cvc":"${cvc}"`, `"cvc": "${cvc}"`, `cvc=${cvc}`, `"${cvc}"`])
        assert.ok(!text.includes(form), `a CVC (${form}) is in the ${where}`);
    };

    it('keeps no card number or CVC in clear in the database; masks and ciphertexts are there', async () => {
      const text = await databaseText();
      assert.ok(text.length > 10_000, 'the scan read something');
      assertNoCardData(text, 'database');
      for (const name of ['autopay', 'payout', 'saved', 'threeDs'] as const)
        assert.ok(text.includes(maskOf(pans[name])), `the ${name} mask is there`);
      const kept = await gw.database.db
        .selectFrom('cards')
        .select(['pan_key_id', 'pan_encrypted', 'status'])
        .where('status', '=', 'active')
        .execute();
      assert.equal(kept.length, 4);
      for (const k of kept) {
        assert.equal(k.pan_key_id, 't1');
        assert.ok(k.pan_encrypted && text.includes(k.pan_encrypted), 'the ciphertext is what is stored');
      }
    });

    it('keeps no card number or CVC in the outbox', async () => {
      const outbox = await gw.database.db.selectFrom('outbox').select(['payload']).execute();
      assert.ok(outbox.length > 0, 'callbacks were queued');
      assertNoCardData(outbox.map((o) => o.payload).join('\n'), 'outbox');
    });

    it('keeps no card number or CVC in the logs', () => {
      const logs = gw.logs.join('');
      assert.ok(logs.length > 0, 'something was logged');
      for (const [name, pan] of Object.entries(pans)) {
        assert.ok(!logs.includes(pan), `the ${name} card number is in the logs`);
        assert.ok(!logs.includes(spaced(pan)), `the ${name} card number, spaced, is in the logs`);
      }
      // as a value of its own ("987", =987, :987), not as digits inside a timestamp or a duration
      assert.ok(!new RegExp(`["'=:]${cvc}["'&,}\\s]`).test(logs), 'a CVC is in the logs');
    });
  });
}
