import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DeliveryHandler,
  type DeliveryResult,
  DeliveryWorker,
  type OutboxJob,
  requeue,
  scheduleBackoff,
} from '../../src/delivery/worker.ts';
import type { Notifier } from '../../src/engine/outbox/notify.ts';
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

    const workerWith = (handler: DeliveryHandler, more: { workerId?: string; concurrency?: number } = {}) =>
      new DeliveryWorker({
        database: gw.database,
        handlers: new Map([['test', handler]]),
        retryPolicy: () => policy,
        workerId: 'solo',
        now: gw.clock.now,
        ...more,
      });
    const attemptsOf = (outboxId: bigint) =>
      gw.database.db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('outbox_id', '=', outboxId)
        .orderBy('attempt_no')
        .execute();
    const insertRow = async (payload: string, dueAt: number) =>
      (
        await gw.database.db
          .insertInto('outbox')
          .values({
            merchant_id: 1n,
            channel: 'test',
            event: 'x',
            ref_type: 'payment',
            ref_id: 0n,
            payload,
            notice: 'queued',
            attempts: 0,
            next_attempt_at: dueAt,
            created_at: gw.clock.ms,
            updated_at: gw.clock.ms,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const rowById = (id: bigint) =>
      gw.database.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('sends a row only under a live lease, though slow sends outlast the lease of a whole batch', async () => {
      await gw.worker.runOnce();
      const m = await merchant(gw.engine);
      const ids: bigint[] = [];
      for (let i = 0; i < 20; i++) ids.push((await outboxOf((await payment(gw.engine, m)).id))[0]!.id);
      const sends = new Map<bigint, number>();
      // Each send takes a fifth of the 3 s lease: a batch of 20 in two lanes outlives it.
      const slow: DeliveryHandler = async (job) => {
        sends.set(job.id, (sends.get(job.id) ?? 0) + 1);
        gw.clock.advance(200);
        await sleep(2);
        return { delivered: true, responseStatus: 200, responseBody: 'OK' };
      };
      const queued = async () =>
        (
          await gw.database.db
            .selectFrom('outbox')
            .select('id')
            .where('id', 'in', ids)
            .where('notice', '=', 'queued')
            .execute()
        ).length;
      const loop = async (workerId: string) => {
        const w = new DeliveryWorker({
          database: gw.database,
          handlers: new Map([['test', slow]]),
          retryPolicy: () => policy,
          workerId,
          now: gw.clock.now,
          timeoutMs: 1000,
          concurrency: 2,
          batch: 20,
        });
        for (let i = 0; i < 1000 && (await queued()) > 0; i++) if ((await w.runOnce()) === 0) await sleep(1);
      };
      await Promise.all([loop('a'), loop('b')]);
      assert.equal(await queued(), 0);
      assert.deepEqual(
        ids.filter((id) => sends.get(id) !== 1),
        [],
        'every row sent exactly once',
      );
      for (const id of ids) {
        assert.equal((await attemptsOf(id)).length, 1, 'one logged attempt per row');
        assert.equal((await rowById(id)).attempts, 1n);
      }
    });

    it('logs no attempt for a row whose lease lapsed and went to another worker mid-send', async () => {
      await gw.worker.runOnce();
      const m = await merchant(gw.engine);
      const [row] = await outboxOf((await payment(gw.engine, m)).id);
      const late = workerWith(
        async (job) => {
          gw.clock.advance(31_000); // past the 30 s lease; another worker claims the row
          await gw.database.db
            .updateTable('outbox')
            .set({ locked_by: 'other', locked_until: gw.clock.ms + 30_000 })
            .where('id', '=', job.id)
            .execute();
          return { delivered: true, responseStatus: 200, responseBody: 'OK' };
        },
        { workerId: 'late' },
      );
      assert.equal(await late.runOnce(), 1);
      assert.deepEqual(await attemptsOf(row!.id), [], 'the new holder logs its own attempt');
      const after = await rowById(row!.id);
      assert.deepEqual([after.locked_by, after.attempts, after.notice], ['other', 0n, 'queued']);
      await gw.database.db
        .updateTable('outbox')
        .set({ notice: 'exhausted' })
        .where('id', '=', row!.id)
        .execute();
    });

    it('stores response bodies and errors without NUL and other control characters, bounded', async () => {
      await gw.worker.runOnce();
      const m = await merchant(gw.engine);
      const [row] = await outboxOf((await payment(gw.engine, m)).id);
      const results: DeliveryResult[] = [
        {
          delivered: false,
          responseStatus: 500,
          responseBody: 'no\u0000pe\u001b[0m',
          error: 'bad\u0000 \u0007thing',
        },
        { delivered: true, responseStatus: 200, responseBody: `OK\u0000\tfine\r\n${'x'.repeat(5000)}` },
      ];
      const w = workerWith(async () => results.shift()!);
      assert.equal(await w.runOnce(), 1);
      gw.clock.advance(1000);
      assert.equal(await w.runOnce(), 1);
      const after = await rowById(row!.id);
      assert.deepEqual([after.notice, after.attempts], ['delivered', 2n], 'a 200 is a 200, NUL or not');
      const [first, second] = await attemptsOf(row!.id);
      assert.deepEqual([first?.response_body, first?.error], ['nope[0m', 'bad thing']);
      assert.equal(second?.response_body, `OK\tfine\r\n${'x'.repeat(5000)}`.slice(0, 2048));
    });

    it('dead-letters a row whose payload does not parse, and delivers the rows behind it', async () => {
      await gw.worker.runOnce();
      seen.length = 0;
      answers = [];
      const bad = await insertRow('{"status": oops', gw.clock.ms - 2);
      const notObject = await insertRow('[1, 2]', gw.clock.ms - 1);
      const good = await insertRow('{"status":"fine"}', gw.clock.ms);
      const w = workerWith(handler, { concurrency: 1 });
      assert.equal(await w.runOnce(), 3);
      for (const [id, why] of [
        [bad, /payload is not valid JSON/],
        [notObject, /payload is not a JSON object/],
      ] as const) {
        const row = await rowById(id);
        assert.deepEqual([row.notice, row.attempts], ['exhausted', 1n]);
        const [attempt] = await attemptsOf(id);
        assert.match(attempt?.error ?? '', why);
      }
      assert.equal((await rowById(good)).notice, 'delivered');
      assert.deepEqual(
        seen.map((j) => j.id),
        [good],
      );
    });

    it('counts a result that cannot be recorded as a failed attempt, with backoff', async () => {
      await gw.worker.runOnce();
      const id = await insertRow('{"status":"x"}', gw.clock.ms);
      const broken = workerWith(async () => undefined as unknown as DeliveryResult);
      assert.equal(await broken.runOnce(), 1);
      const row = await rowById(id);
      assert.deepEqual(
        [row.notice, row.attempts, row.next_attempt_at, row.locked_by],
        ['queued', 1n, BigInt(gw.clock.ms + 1000), null],
      );
      const [attempt] = await attemptsOf(id);
      assert.equal(attempt?.delivered, 0n);
      assert.match(attempt?.error ?? '', /result could not be recorded/);
      await gw.database.db.updateTable('outbox').set({ notice: 'exhausted' }).where('id', '=', id).execute();
    });

    it('runs every background chore though the worker and another chore throw', async () => {
      const bg = await testGateway(flavor);
      try {
        const m = await merchant(bg.engine);
        const p = await payment(bg.engine, m, { expiresAt: new Date(bg.clock.ms + 60_000) });
        bg.clock.advance(60_000);
        let holdsReleased = 0;
        bg.worker.runOnce = async () => {
          throw new Error('poisoned outbox row');
        };
        bg.engine.resolveUnsettled = async () => {
          throw new Error('bank unreachable');
        };
        const release = bg.engine.releaseVerificationHolds;
        bg.engine.releaseVerificationHolds = async () => {
          holdsReleased++;
          return release();
        };
        bg.startBackground(5);
        const expired = async () => (await bg.engine.getPayment({ id: p.id }))?.status === 'expired';
        for (let i = 0; i < 200 && !(holdsReleased > 0 && (await expired())); i++) await sleep(10);
        assert.ok(await expired(), 'the expiry sweep still runs');
        assert.ok(holdsReleased > 0, 'verification holds are still released');
        const logged = bg.logs.join('');
        assert.match(logged, /poisoned outbox row/);
        assert.match(logged, /bank unreachable/);
      } finally {
        await bg.close();
      }
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
