import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { testFlavors } from '../helpers/databases.ts';
import { card, cards, merchant, paid, payment, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

const tables = [
  'merchants',
  'credentials',
  'payments',
  'payment_events',
  'refunds',
  'payouts',
  'ledger_entries',
  'outbox',
  'delivery_attempts',
  'sim_bank_operations',
];
const cvc = '987';

for (const flavor of await testFlavors()) {
  describe(`card data at rest on ${flavor}`, () => {
    let gw: TestGateway;
    let secrets: string[] = [];
    before(async () => {
      gw = await testGateway(flavor, { config: { connectorTimeoutMs: 100 } });
      const m = await merchant(gw.engine);
      const creds = await gw.engine.createMerchant({ name: 'Secrets' });
      const c = unwrap(creds);
      secrets = [
        c.impay.key,
        c.impay.callback_key,
        c.paymega.secret_key,
        c.paykeeper.password,
        c.paykeeper.informer_seed,
      ];
      // A full tour: charge, hold + capture, decline, 3-DS, timeout, refund, payout.
      await paid(gw.engine, m, { amountMinor: 50_000_00n, callbackUrl: 'http://127.0.0.1:9/cb' });
      for (const pan of Object.values(cards)) {
        const p = await payment(gw.engine, m, { flow: 'hold' });
        await gw.engine.payWithCard({ payment: { id: p.id }, card: card(pan, { cvc }) });
      }
      const p = await paid(gw.engine, m);
      await gw.engine.refundPayment({ merchantId: m, paymentId: p.id, amountMinor: 10n });
      await gw.engine.createPayout({
        merchantId: m,
        amountMinor: 100_00n,
        currency: 'RUB',
        destination: { kind: 'card', card: card(cards.mastercard, { cvc }) },
      });
      await gw.engine.resolveUnsettled();
      await gw.worker.runOnce();
    });
    after(() => gw.close());

    it('keeps no card number, CVC or API secret in clear in the database', async () => {
      let text = '';
      if (flavor === 'sqlite') {
        await sql`pragma wal_checkpoint(FULL)`.execute(gw.database.db);
        const dir = dirname(gw.database.label.replace(/^sqlite:/, ''));
        for (const f of readdirSync(dir)) text += readFileSync(join(dir, f)).toString('latin1');
      } else {
        for (const t of tables) {
          const rows = await sql<{
            j: string;
          }>`select row_to_json(x)::text as j from ${sql.table(t)} x`.execute(gw.database.db);
          text += rows.rows.map((r) => r.j).join('\n');
        }
      }
      assert.ok(text.length > 1000, 'the scan read something');
      for (const pan of Object.values(cards))
        assert.ok(!text.includes(pan), `PAN ${pan.slice(0, 6)}… found in the database`);
      assert.ok(
        !text.includes(`"cvc":"${cvc}"`) && !text.includes(`cvc=${cvc}`),
        'CVC found in the database',
      );
      for (const s of secrets) assert.ok(!text.includes(s), 'an API secret is stored in clear');
      assert.ok(text.includes('411111******1111'), 'the masked card is there');
    });

    it('keeps no card number or CVC in the logs', () => {
      const logs = gw.logs.join('');
      for (const pan of Object.values(cards))
        assert.ok(!logs.includes(pan), `PAN ${pan.slice(0, 6)}… found in the logs`);
      // as a value of its own ("987", =987, :987), not as digits inside a timestamp or a duration
      assert.ok(!new RegExp(`["'=:]${cvc}["'&,}\\s]`).test(logs), 'CVC found in the logs');
    });
  });
}
