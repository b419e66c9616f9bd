import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type DeliveryHandler,
  DeliveryWorker,
  type OutboxJob,
  requeue,
  scheduleBackoff,
} from '../../src/delivery/worker.ts';
import type { Notifier } from '../../src/engine/notify.ts';
import { testFlavors } from '../helpers/databases.ts';
import { merchant, paid, payment } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** Every payment event goes to the `test` channel, whose handler the test scripts. */
const testNotifier: Notifier = (e) =>
  e.type === 'payment' ? [{ channel: 'test', payload: { status: e.payment.status } }] : [];

for (const flavor of await testFlavors()) {
  describe(`outbox delivery on ${flavor}`, () => {
    let gw: TestGateway;
    let answers: boolean[] = [];
    const seen: OutboxJob[] = [];
    const handler: DeliveryHandler = async (job) => {
      seen.push(job);
      const ok = answers.shift() ?? true;
      return ok
        ? { delivered: true, responseStatus: 200, responseBody: 'OK' }
        : { delivered: false, responseStatus: 500, responseBody: 'nope' };
    };
    const policy = scheduleBackoff([1000, 5000], 3);
    let receiver: Server;
    let received: { body: string; headers: Record<string, unknown> }[] = [];
    let receiverStatus = 200;
    let receiverUrl = '';

    before(async () => {
      gw = await testGateway(flavor, {
        notifiers: [testNotifier],
        handlers: new Map([['test', handler]]),
        retryPolicy: () => policy,
      });
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          received.push({ body, headers: req.headers });
          res.statusCode = receiverStatus;
          res.end('thanks');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
    });
    after(async () => {
      receiver.close();
      await gw.close();
    });

    const outboxOf = (refId: bigint) =>
      gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('ref_id', '=', refId)
        .where('channel', '=', 'test')
        .orderBy('id')
        .execute();

    it('writes notifications in the same transaction as the state change', async () => {
      const m = await merchant(gw.engine);
      const p = await paid(gw.engine, m);
      const rows = await outboxOf(p.id);
      assert.deepEqual(
        rows.map((r) => JSON.parse(r.payload).status),
        ['created', 'pending', 'captured'],
      );
      assert.ok(rows.every((r) => r.notice === 'queued'));
    });

    it('delivers, retries on the schedule, logs each attempt, and dead-letters after the limit', async () => {
      await gw.worker.runOnce(); // drain earlier rows
      const m = await merchant(gw.engine);
      const p = await payment(gw.engine, m);
      answers = [false, false, false];
      seen.length = 0;
      assert.equal(await gw.worker.runOnce(), 1);
      let [row] = await outboxOf(p.id);
      assert.equal(row?.notice, 'queued');
      assert.equal(row?.attempts, 1n);
      assert.equal(row?.next_attempt_at, BigInt(gw.clock.ms + 1000));
      assert.equal(await gw.worker.runOnce(), 0, 'not due yet');
      gw.clock.advance(1000);
      assert.equal(await gw.worker.runOnce(), 1);
      [row] = await outboxOf(p.id);
      assert.equal(row?.next_attempt_at, BigInt(gw.clock.ms + 5000), 'second delay from the schedule');
      gw.clock.advance(5000);
      await gw.worker.runOnce();
      [row] = await outboxOf(p.id);
      assert.equal(row?.notice, 'exhausted');
      assert.equal(row?.attempts, 3n);
      assert.deepEqual(
        seen.map((j) => j.attempt),
        [1, 2, 3],
      );
      const attempts = await gw.database.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('outbox_id', '=', row!.id)
        .orderBy('attempt_no')
        .execute();
      assert.deepEqual(
        attempts.map((a) => [a.attempt_no, a.delivered, a.response_status, a.response_body]),
        [
          [1n, 0n, 500n, 'nope'],
          [2n, 0n, 500n, 'nope'],
          [3n, 0n, 500n, 'nope'],
        ],
      );
      gw.clock.advance(60_000);
      assert.equal(await gw.worker.runOnce(), 0, 'an exhausted row is not retried');
      assert.ok(await requeue(gw.database, row!.id, gw.clock.now()));
      answers = [true];
      assert.equal(await gw.worker.runOnce(), 1);
      [row] = await outboxOf(p.id);
      assert.equal(row?.notice, 'delivered');
      assert.equal(row?.delivered_at, BigInt(gw.clock.ms));
    });

    it('retries a row whose channel has no handler, and records why', async () => {
      await gw.database.db
        .insertInto('outbox')
        .values({
          merchant_id: 1n,
          channel: 'nobody',
          event: 'x',
          ref_type: 'payment',
          ref_id: 0n,
          payload: '{}',
          notice: 'queued',
          attempts: 0,
          next_attempt_at: gw.clock.ms,
          created_at: gw.clock.ms,
          updated_at: gw.clock.ms,
        })
        .execute();
      await gw.worker.runOnce();
      const row = await gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('channel', '=', 'nobody')
        .executeTakeFirstOrThrow();
      assert.equal(row.notice, 'queued');
      const attempt = await gw.database.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('outbox_id', '=', row.id)
        .executeTakeFirstOrThrow();
      assert.match(attempt.error ?? '', /no handler/);
      await gw.database.db
        .updateTable('outbox')
        .set({ notice: 'exhausted' })
        .where('id', '=', row.id)
        .execute();
    });

    it('gives each due row to one worker when several run at once', async () => {
      await gw.worker.runOnce();
      const m = await merchant(gw.engine);
      for (let i = 0; i < 30; i++) await payment(gw.engine, m);
      seen.length = 0;
      answers = [];
      const workers = Array.from(
        { length: 4 },
        (_, i) =>
          new DeliveryWorker({
            database: gw.database,
            handlers: new Map([['test', handler]]),
            retryPolicy: () => policy,
            workerId: `w${i}`,
            now: gw.clock.now,
            batch: 10,
          }),
      );
      const counts = await Promise.all(workers.map((w) => w.runOnce()));
      await Promise.all(workers.map((w) => w.runOnce()));
      const ids = seen.map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length, 'no row delivered twice');
      assert.equal(ids.length, 30);
      assert.ok(counts.reduce((a, b) => a + b, 0) <= 30);
    });

    it('posts the core JSON callback to the payment callback URL, retrying until a 2xx', async () => {
      await gw.worker.runOnce();
      const m = await merchant(gw.engine);
      received = [];
      receiverStatus = 503;
      const p = await paid(gw.engine, m, { callbackUrl: receiverUrl, externalId: 'cb-1' });
      await gw.worker.runOnce();
      assert.equal(received.length, 3, 'created, pending and captured were each attempted');
      const rows = await gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('ref_id', '=', p.id)
        .where('channel', '=', 'callback.core')
        .execute();
      assert.ok(rows.every((r) => r.notice === 'queued' && r.attempts === 1n));
      receiverStatus = 200;
      received = [];
      gw.clock.advance(5000);
      await gw.worker.runOnce();
      assert.equal(received.length, 3);
      const last = received.map((r) => JSON.parse(r.body)).find((b) => b.event === 'payment.captured');
      assert.equal(last.payment.externalId, 'cb-1');
      assert.equal(last.payment.status, 'captured');
      assert.equal(last.payment.amountMinor, '10000');
      assert.equal(last.payment.card.mask, '411111******1111');
      assert.ok(!received.some((r) => r.body.includes('4111111111111111')));
      const after = await gw.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('ref_id', '=', p.id)
        .where('channel', '=', 'callback.core')
        .execute();
      assert.ok(after.every((r) => r.notice === 'delivered'));
    });
  });
}
