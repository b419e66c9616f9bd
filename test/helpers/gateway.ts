import { Writable } from 'node:stream';
import type { Config } from '../../src/config.ts';
import type { EmailSetup } from '../../src/delivery/email/setup.ts';
import type { DeliveryHandler, RetryPolicy } from '../../src/delivery/worker.ts';
import type { Notifier } from '../../src/engine/outbox/notify.ts';
import { createLogger } from '../../src/log.ts';
import { type Gateway, openGateway } from '../../src/runtime.ts';
import { type Keyring, newMasterKey } from '../../src/security/vault.ts';
import type { Flavor } from '../../src/store/database.ts';
import { openTestDatabase, type TestDatabase } from './databases.ts';

/** A clock tests move by hand. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 10, 23, 9, 0, 0)) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export type TestGateway = Gateway & { clock: TestClock; logs: string[]; db: TestDatabase };

export const testKeyring = (): Keyring => ({ activeKeyId: 't1', keys: new Map([['t1', newMasterKey()]]) });

/** A gateway on a fresh database of the given flavor, with a hand-moved clock and captured logs. */
export async function testGateway(
  flavor: Flavor,
  options: {
    notifiers?: Notifier[];
    handlers?: Map<string, DeliveryHandler>;
    retryPolicy?: (channel: string) => RetryPolicy;
    config?: Partial<Config>;
    poolSize?: number;
    /** E-mail as `serve` wires it (the organization's own SMTP route included). */
    email?: EmailSetup;
  } = {},
): Promise<TestGateway> {
  const db = await openTestDatabase(flavor, { poolSize: options.poolSize });
  const clock = new TestClock();
  const logs: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const config: Config = {
    database: db.label,
    dataDir: '/nonexistent',
    host: '127.0.0.1',
    port: 0,
    publicUrl: 'http://kopek.test',
    keyring: testKeyring(),
    keyringSource: 'env',
    connectorTimeoutMs: 2000,
    paymentAttemptsMax: 3,
    statsTimeZone: 'Europe/Moscow',
    logLevel: 'debug',
    workers: false,
    trustProxy: false,
    // test receivers listen on 127.0.0.1; tests of the refusal turn this off
    callbacksAllowPrivate: true,
    // tests send many public requests from one address in one (hand-held) minute; the
    // limits' own tests set them
    publicApiLimits: { perAddressPerMinute: 0, perMerchantPerMinute: 0 },
    ...options.config,
  };
  const gateway = await openGateway(config, {
    log,
    now: clock.now,
    database: db,
    notifiers: options.notifiers,
    handlers: options.handlers,
    retryPolicy: options.retryPolicy,
    email: options.email,
  });
  const close = gateway.close;
  return Object.assign(gateway, {
    clock,
    logs,
    db,
    close: async () => {
      await close();
      await db.drop();
    },
  });
}
