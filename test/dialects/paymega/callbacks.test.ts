import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, unwrap } from '../../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import {
  basicAuth,
  type CreatedInvoice,
  callbackReceiver,
  createInvoiceViaApi,
  newReference,
  type PaymegaCreds,
  paymegaMerchant,
  type Received,
} from './helpers.ts';

/**
 * End to end without a browser: an invoice created through the API, paid through the engine
 * (a card, and the test service), refunded; the delivery worker POSTs the signed invoice to a
 * local receiver; a failing receiver shows the retries and `callback_logs`.
 */

/** COMPAT.md's formula, written out again here rather than imported: base64(sha1_raw(secret + body + secret)). */
const expectedSignature = (secret: string, body: string) =>
  createHash('sha1').update(secret).update(body).update(secret).digest().toString('base64');

type Logs = Record<
  string,
  { status: string; processed: number; response_code: number | null; transaction_status: string }
>;

for (const flavor of await testFlavors()) {
  describe(`Paymega callbacks on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PaymegaCreds;
    let answer = 200;
    let receiver: Awaited<ReturnType<typeof callbackReceiver>>;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await paymegaMerchant(gw.engine);
      receiver = await callbackReceiver(() => answer);
    });
    after(async () => {
      await app.close();
      await receiver.close();
      await gw.close();
    });
    afterEach(async () => {
      answer = 200;
      receiver.received.length = 0;
      await assertLedgerBalanced(gw.engine);
    });

    const deliverAll = async () => {
      let total = 0;
      for (let n = await gw.worker.runOnce(); n > 0; n = await gw.worker.runOnce()) total += n;
      return total;
    };
    const invoice = async (id: string) =>
      (
        await app.inject({ method: 'GET', url: `/api/payment-invoices/${id}`, headers: basicAuth(shop) })
      ).json().data;
    const logsOf = async (id: string): Promise<Logs> => (await invoice(id)).attributes.callback_logs;
    const statuses = (logs: Logs) => Object.values(logs).map((l) => l.transaction_status);
    /** Each callback: signed with the merchant's secret key, the private invoice document. */
    const verified = (r: Received) => {
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['x-signature'], expectedSignature(shop.secret_key, r.body));
      const body = JSON.parse(r.body);
      assert.equal(body.data.type, 'payment-invoices');
      return body.data as { id: string; attributes: { status: string; updated: number } };
    };

    it('card: created, then paid; each status change is a signed callback; logs record each', async () => {
      const created: CreatedInvoice = await createInvoiceViaApi(app, shop, {
        callback_url: receiver.url,
        amount: 25.5,
      });
      assert.equal(await deliverAll(), 1);
      assert.equal(verified(receiver.received[0]!).attributes.status, 'process_pending');
      assert.equal(JSON.parse(receiver.received[0]!.body).data.attributes.hpp_url, created.pageUrl);

      gw.clock.advance(3_000);
      const paid = unwrap(
        await gw.engine.payWithCard({ payment: { publicId: created.publicId }, card: card(cards.approved) }),
      );
      assert.equal(paid.payment.status, 'captured');
      assert.equal(await deliverAll(), 1, 'the hop to the bank (pending) is no status change for Paymega');
      const second = verified(receiver.received[1]!);
      assert.equal(second.id, created.id);
      assert.equal(second.attributes.status, 'processed');

      const logs = await logsOf(created.id);
      assert.deepEqual(statuses(logs), ['process_pending', 'processed']);
      assert.ok(Object.values(logs).every((l) => l.status === 'done' && l.response_code === 200));
      assert.deepEqual(Object.keys(logs), [String(gw.clock.ms / 1000 - 3), String(gw.clock.ms / 1000)]);
      // the signature is over the exact bytes sent, amounts included
      assert.ok(receiver.received[1]!.body.includes('"amount":25.5,'));
    });

    it('refunds: pending, then done, each told; the invoice says refunded', async () => {
      const created = await createInvoiceViaApi(app, shop, { callback_url: receiver.url, amount: 40 });
      unwrap(
        await gw.engine.payWithCard({
          payment: { publicId: created.publicId },
          card: card(cards.mastercard),
        }),
      );
      assert.equal(await deliverAll(), 2, 'created and paid before any was sent: one callback');
      assert.equal(receiver.received.length, 1);
      receiver.received.length = 0;
      for (const amount of [15, 25]) {
        const res = await app.inject({
          method: 'POST',
          url: `/api/payment-invoices/${created.id}/refund`,
          headers: basicAuth(shop),
          payload: { data: { type: 'refund', attributes: { reference_id: newReference(), amount } } },
        });
        assert.equal(res.statusCode, 201, res.body);
        // each refund's pending and done rows: the pending one, rendered now, would tell the
        // same document as the done one, so only the latest is sent
        assert.equal(await deliverAll(), 2);
      }
      assert.deepEqual(
        receiver.received.map((r) => verified(r).attributes.status),
        ['partially_refunded', 'refunded'],
      );
      assert.deepEqual(statuses(await logsOf(created.id)), ['processed', 'partially_refunded', 'refunded']);
      const a = (await invoice(created.id)).attributes;
      assert.deepEqual([a.status, a.refunded_amount], ['refunded', 40]);
    });

    it('the test service settles without a card and calls back like a card payment', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/payment-invoices',
        headers: basicAuth(shop),
        payload: {
          data: {
            type: 'payment-invoices',
            attributes: {
              reference_id: newReference(),
              amount: 7,
              currency: 'USD',
              service: 'test_usd_test',
              service_fields: { status: 'process_failed' },
              callback_url: receiver.url,
            },
          },
        },
      });
      assert.equal(res.statusCode, 201);
      assert.equal(await deliverAll(), 2, 'two rows: created, then failed');
      // the `created` row, rendered now, would say process_failed again: one callback, not two
      const bodies = receiver.received.map(verified);
      assert.deepEqual(
        bodies.map((b) => b.attributes.status),
        ['process_failed'],
      );
      assert.deepEqual(statuses(await logsOf(res.json().data.id)), ['process_failed']);
      gw.clock.advance(3_600_000);
      assert.equal(await deliverAll(), 0, 'the skipped row is closed, not retried');
    });

    it('only HTTP 200 counts; failures are retried 1, 2, 3 … steps apart and logged, then given up', async () => {
      process.env.PAYMEGA_CALLBACK_STEP_MS = '1000';
      process.env.PAYMEGA_CALLBACK_ATTEMPTS = '4';
      try {
        const created = await createInvoiceViaApi(app, shop, { callback_url: receiver.url });
        const answers = [500, 204, 201];
        answer = answers[0]!;
        assert.equal(await gw.worker.runOnce(), 1);
        for (const [i, status] of answers.slice(1).entries()) {
          answer = status;
          gw.clock.advance((i + 1) * 1000 - 1);
          assert.equal(await gw.worker.runOnce(), 0, 'not before its time');
          gw.clock.advance(1);
          assert.equal(await gw.worker.runOnce(), 1);
        }
        answer = 200;
        gw.clock.advance(3000);
        assert.equal(await gw.worker.runOnce(), 1);
        assert.equal(receiver.received.length, 4);
        receiver.received.forEach(verified);
        const logs = Object.values(await logsOf(created.id));
        assert.deepEqual(
          logs.map((l) => [l.status, l.response_code, l.transaction_status]),
          [
            ['error', 500, 'process_pending'],
            ['error', 204, 'process_pending'],
            ['error', 201, 'process_pending'],
            ['done', 200, 'process_pending'],
          ],
        );

        // a receiver that never says 200: four attempts, then the row is given up
        const unlucky = await createInvoiceViaApi(app, shop, { callback_url: receiver.url });
        answer = 503;
        for (let attempt = 1; attempt <= 6; attempt++) {
          await gw.worker.runOnce();
          gw.clock.advance(attempt * 1000);
        }
        const payment = await gw.engine.getPayment({ publicId: unlucky.publicId });
        const row = await gw.database.db
          .selectFrom('outbox')
          .select(['notice', 'attempts'])
          .where('channel', '=', 'callback.paymega')
          .where('ref_id', '=', payment!.id)
          .executeTakeFirstOrThrow();
        assert.deepEqual([row.notice, Number(row.attempts)], ['exhausted', 4]);
        assert.equal(Object.keys(await logsOf(unlucky.id)).length, 4);
      } finally {
        delete process.env.PAYMEGA_CALLBACK_STEP_MS;
        delete process.env.PAYMEGA_CALLBACK_ATTEMPTS;
      }
    });

    it('an unreachable receiver is logged without a response code', async () => {
      const gone = await callbackReceiver();
      await gone.close();
      const created = await createInvoiceViaApi(app, shop, { callback_url: gone.url });
      assert.equal(await gw.worker.runOnce(), 1);
      const [log] = Object.values(await logsOf(created.id));
      assert.deepEqual(
        [log?.status, log?.response_code, log?.transaction_status],
        ['error', null, 'process_pending'],
      );
    });

    it('no callback URL, no callbacks; the schedule defaults to Paymega’s', async () => {
      await createInvoiceViaApi(app, shop);
      assert.equal(await gw.worker.runOnce(), 0);
      const policy = gw.dialects.find((d) => d.name === 'paymega')?.retryPolicies?.get('callback.paymega');
      assert.equal(policy?.attemptsMax, 100);
      assert.deepEqual(
        [1, 2, 3].map((n) => policy?.delayMs(n)),
        [60_000, 120_000, 180_000],
      );
    });
  });
  describe(`Paymega callbacks to private addresses, refused (the default) on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: PaymegaCreds;
    let receiver: Awaited<ReturnType<typeof callbackReceiver>>;

    before(async () => {
      gw = await testGateway(flavor, { config: { callbacksAllowPrivate: false } });
      app = await buildApp(gw);
      shop = await paymegaMerchant(gw.engine);
      receiver = await callbackReceiver();
    });
    after(async () => {
      await app.close();
      await receiver.close();
      await gw.close();
    });

    const create = (callbackUrl: string) =>
      app.inject({
        method: 'POST',
        url: '/api/payment-invoices',
        headers: basicAuth(shop),
        payload: {
          data: {
            type: 'payment-invoices',
            attributes: {
              reference_id: newReference(),
              amount: 10,
              currency: 'USD',
              service: 'payment_card_usd_hpp',
              callback_url: callbackUrl,
            },
          },
        },
      });

    it('a literal forbidden address is a 422 when the invoice is created', async () => {
      for (const url of [
        receiver.url,
        'http://169.254.169.254/latest/meta-data/',
        'http://[::ffff:10.0.0.1]/cb',
        'http://10.1.2.3/cb',
      ]) {
        const res = await create(url);
        assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
        assert.match(res.json().errors.callback_url, /^Callbacks may not go to this address: /);
      }
    });

    it('a name that resolves to a forbidden address: one failed attempt, recorded, never retried', async () => {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      const res = await create(url);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(await gw.worker.runOnce(), 1);
      assert.equal(receiver.received.length, 0, 'the receiver heard nothing');
      const notices = await gw.database.db.selectFrom('outbox').select(['notice', 'attempts']).execute();
      assert.deepEqual(notices, [{ notice: 'exhausted', attempts: 1n }]);
      const attempt = await gw.database.db
        .selectFrom('delivery_attempts')
        .select('error')
        .executeTakeFirstOrThrow();
      assert.match(attempt.error ?? '', /private address/);
      gw.clock.advance(86_400_000);
      assert.equal(await gw.worker.runOnce(), 0, 'not retried');
    });
  });
}
