import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { DeliveryHandler } from '../../src/delivery/worker.ts';
import type { Notifier } from '../../src/engine/outbox/notify.ts';
import { createLogger } from '../../src/log.ts';
import { type Gateway, openGateway } from '../../src/runtime.ts';
import { buildMetricsApp } from '../../src/web/app.ts';
import { testFlavors } from '../helpers/databases.ts';
import { merchant, paid } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway, testKeyring } from '../helpers/gateway.ts';

const testNotifier: Notifier = (e) =>
  e.type === 'payment' ? [{ channel: 'test', payload: { status: e.payment.status } }] : [];

/**
 * A process whose master keys are not the ones the merchant's secret was sealed with cannot
 * sign its callbacks: that is an operator's error to see at once (error log, a metric), not
 * an info line among the merchant's ordinary delivery failures.
 */
for (const flavor of await testFlavors()) {
  describe(`callbacks that cannot be signed on ${flavor}`, () => {
    let sealer: TestGateway;
    let stranger: Gateway;
    const logs: string[] = [];
    // signs as the dialects do: with the merchant's secret, opened by this process's keys
    const signing: DeliveryHandler = async (job) => {
      const auth = await stranger.engine.merchantAuth('paymega', job.merchantId);
      auth?.secret();
      return { delivered: true, responseStatus: 200 };
    };

    before(async () => {
      sealer = await testGateway(flavor, { notifiers: [testNotifier] });
      stranger = await openGateway(
        { ...sealer.config, keyring: testKeyring() }, // same ids, other key material
        {
          database: sealer.db,
          now: sealer.clock.now,
          notifiers: [testNotifier],
          handlers: new Map([['test', signing]]),
          log: createLogger({
            level: 'info',
            destination: new Writable({
              write(chunk, _enc, done) {
                logs.push(String(chunk));
                done();
              },
            }),
          }),
        },
      );
    });
    after(async () => {
      await stranger?.close();
      await sealer?.close();
    });

    it('is logged as an error and counted in /metrics', async () => {
      const m = await merchant(sealer.engine);
      await paid(sealer.engine, m);
      assert.ok((await stranger.worker.runOnce()) > 0);
      const errors = logs.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
      assert.ok(
        errors.some((l) => /cannot be signed or decrypted/.test(l.msg) && l.merchantId === m.toString()),
        logs.join(''),
      );
      assert.ok(stranger.worker.unsignableAttempts > 0);
      const metrics = await buildMetricsApp(stranger);
      try {
        const text = (await metrics.inject('/metrics')).body;
        const line = text.split('\n').find((l) => l.startsWith('kopek_callbacks_unsignable_total '));
        assert.equal(line, `kopek_callbacks_unsignable_total ${stranger.worker.unsignableAttempts}`);
      } finally {
        await metrics.close();
      }
      const failed = await sealer.db.db
        .selectFrom('delivery_attempts')
        .select('error')
        .where('merchant_id', '=', m)
        .execute();
      assert.ok(
        failed.length > 0 && failed.every((a) => /master key t1/.test(a.error ?? '')),
        JSON.stringify(failed),
      );
    });
  });
}
