import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SimulatorBank } from './acquiring/simulator.ts';
import type { Config } from './config.ts';
import { coreCallbackHandler } from './delivery/core-callback.ts';
import { organizationRoutes } from './delivery/email/organization-route.ts';
import type { EmailSetup } from './delivery/email/setup.ts';
import { setCallbackTargetPolicy } from './delivery/outgoing.ts';
import { type DeliveryHandler, DeliveryWorker, linearBackoff, type RetryPolicy } from './delivery/worker.ts';
import type { DialectModule } from './dialects/dialect.ts';
import { dialects as allDialects } from './dialects/index.ts';
import { deriveKey, previousKeys } from './dialects/kit/keys.ts';
import { limits } from './domain/limits.ts';
import type { PaymentGate } from './engine/context.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { coreCallbackNotifier, type Notifier } from './engine/outbox/notify.ts';
import { Vault } from './security/vault.ts';
import { type Database, openDatabase } from './store/database.ts';
import { DatabaseSimStore } from './store/sim-bank-store.ts';

/** A running gateway's parts, assembled once; `serve`, the CLI and tests all build it here. */
export type Gateway = {
  config: Config;
  database: Database;
  engine: Engine;
  simulator: SimulatorBank;
  worker: DeliveryWorker;
  log: Logger;
  /** The gateway's clock (a test's, when it sets one). */
  now: () => Date;
  dialects: readonly DialectModule[];
  /** E-mail (channel `email`), when the gateway sends it; `email.inbox` is the catch-all server. */
  email?: EmailSetup;
  /** Starts the outbox worker and janitor loop (idempotent). */
  startBackground(intervalMs?: number): void;
  close(): Promise<void>;
};

export type GatewayOptions = {
  log: Logger;
  now?: () => Date;
  notifiers?: Notifier[];
  handlers?: Map<string, DeliveryHandler>;
  retryPolicy?: (channel: string) => RetryPolicy;
  simulatorHangMs?: number;
  /** An already open database (tests share one per file). */
  database?: Database;
  /** The dialects to plug in; all of them unless a test narrows it. */
  dialects?: readonly DialectModule[];
  /** E-mail through the outbox (delivery/email/setup.ts); the gateway closes it on close. */
  email?: EmailSetup;
};

/**
 * The simulator's 3-DS signing keys are derived from the master keys: no extra secret to
 * manage. It signs with the active key's and still accepts the others', so a challenge in
 * progress survives a master key rotation.
 */
const simulatorKeyPurpose = 'simulator-3ds';

/** Outbox batches one background tick delivers at most before the other chores get their turn. */
const deliveryBatchesPerTick = 10;

/**
 * How long after a notification is written this process looks for it (the transaction that
 * wrote it commits meanwhile; one that takes longer is found by the next tick).
 */
const nudgeDelayMs = 10;

export async function openGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { log } = options;
  // A process that runs the worker delivers what it has just written at once, rather than at
  // the next tick of its background loop (up to its interval later): a merchant hears of a
  // payment in milliseconds. Other processes' notifications still wait for a tick.
  let nudge = (): void => {};
  const nudging =
    (notifier: Notifier): Notifier =>
    (event) => {
      const rows = notifier(event);
      if (rows.length > 0) nudge();
      return rows;
    };
  const dialects = options.dialects ?? allDialects;
  const now = options.now ?? (() => new Date());
  setCallbackTargetPolicy({ allowPrivate: config.callbacksAllowPrivate === true });
  const database =
    options.database ??
    (await openDatabase(
      config.database,
      config.databasePoolSize === undefined ? {} : { poolSize: config.databasePoolSize },
    ));
  await database.migrate();
  const simulator = new SimulatorBank({
    store: new DatabaseSimStore(database),
    acsBaseUrl: config.publicUrl,
    signingKey: deriveKey(config.keyring, simulatorKeyPurpose),
    previousSigningKeys: previousKeys(config.keyring, simulatorKeyPurpose),
    hangMs: options.simulatorHangMs ?? config.connectorTimeoutMs * 3,
    now,
  });
  // dialects' gates need the engine they gate, so they are filled in once it exists
  const gates: PaymentGate[] = [];
  const engine = createEngine({
    paymentGate: async (payment) => {
      for (const gate of gates) {
        const verdict = await gate(payment);
        if (!verdict.allowed) return verdict;
      }
      return { allowed: true };
    },
    database,
    vault: new Vault(config.keyring),
    connectors: new Map([[simulator.name, simulator]]),
    defaultConnector: simulator.name,
    notifiers: [
      coreCallbackNotifier,
      ...dialects.flatMap((d) => d.notifiers ?? []),
      ...(options.notifiers ?? []),
    ].map(nudging),
    config: {
      publicUrl: config.publicUrl,
      connectorTimeoutMs: config.connectorTimeoutMs,
      paymentAttemptsMax: config.paymentAttemptsMax,
      paymentTtlMs: limits.paymentTtlMs,
      holdTtlMs: 7 * 24 * 60 * 60 * 1000,
      statsTimeZone: config.statsTimeZone,
    },
    now,
    log,
  });
  const parts = { config, database, engine, simulator, log, now, dialects };
  gates.push(...dialects.flatMap((d) => (d.paymentGate ? [d.paymentGate(parts)] : [])));
  const handlers = new Map<string, DeliveryHandler>([
    ['callback.core', coreCallbackHandler(engine)],
    ...dialects.flatMap((d) => [...(d.handlers?.(parts) ?? [])]),
    // e-mail goes over the organization's own SMTP server when it set one (read at each send)
    ...(options.email
      ? [
          [
            options.email.delivery.channel,
            options.email.delivery.handlerWith(
              organizationRoutes(engine.merchantSmtp, options.email.delivery.route),
            ),
          ] as const,
        ]
      : []),
    ...(options.handlers ?? []),
  ]);
  const policies = new Map(dialects.flatMap((d) => [...(d.retryPolicies ?? [])]));
  if (options.email) policies.set(options.email.delivery.channel, options.email.delivery.retryPolicy);
  const defaultPolicy = linearBackoff(60_000, 16);
  const worker = new DeliveryWorker({
    database,
    handlers,
    retryPolicy: options.retryPolicy ?? ((channel) => policies.get(channel) ?? defaultPolicy),
    workerId: randomUUID(),
    now,
    log,
  });

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** A delivery pass started by a nudge, while it runs; and the nudge waiting to start one. */
  let delivering: Promise<void> | undefined;
  let nudged: NodeJS.Timeout | undefined;
  let stopped = false;
  // Each chore fails on its own: one that keeps throwing (a poisoned outbox row, a database
  // refusing one query) must not starve the others, expiry and hold release above all.
  const chores: [string, () => Promise<unknown>][] = [
    // a full batch means more are due: go on (a bounded number of batches, so the other
    // chores keep their turn) rather than wait a whole interval per batch
    [
      'outbox delivery',
      async () => {
        for (let batch = 0; batch < deliveryBatchesPerTick; batch++)
          if ((await worker.runOnce()) < limits.outboxBatchMax) return;
        drained = false;
      },
    ],
    ['expiry sweep', () => engine.expireDue()],
    ['lapsed 3-DS challenges', () => engine.settleLapsedChallenges()],
    ['unsettled resolution', () => engine.resolveUnsettled()],
    ['verification hold release', () => engine.releaseVerificationHolds()],
    ['stranded test outcomes', () => engine.finishTestOutcomes()],
    ['ended rate-limit windows', () => engine.pruneRateLimits()],
    ['ended cabinet sessions', () => engine.pruneSessions()],
  ];
  /** False when the last tick left due outbox rows behind: the next tick starts at once. */
  let drained = true;
  const tick = async () => {
    drained = true;
    for (const [chore, run] of chores) {
      try {
        await run();
      } catch (error) {
        log.error({ err: error, chore }, 'background chore failed');
      }
    }
  };
  return {
    ...parts,
    ...(options.email && { email: options.email }),
    worker,
    startBackground(intervalMs = 1000) {
      if (timer || stopped) return;
      let again = false;
      nudge = () => {
        if (stopped) return;
        if (delivering) again = true;
        else nudged ??= setTimeout(deliverNow, nudgeDelayMs);
      };
      const deliverNow = () => {
        nudged = undefined;
        delivering = (async () => {
          try {
            do {
              again = false;
              for (let batch = 0; batch < deliveryBatchesPerTick && !stopped; batch++)
                if ((await worker.runOnce()) < limits.outboxBatchMax) break;
            } while (again && !stopped);
          } catch (error) {
            log.error({ err: error, chore: 'outbox delivery' }, 'background chore failed');
          } finally {
            delivering = undefined;
            // news that came after the last pass looked: another pass
            if (again) nudge();
          }
        })();
      };
      const loop = () => {
        running = tick().finally(() => {
          if (!stopped) timer = setTimeout(loop, drained ? intervalMs : 0);
        });
      };
      timer = setTimeout(loop, 0);
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(nudged);
      await running;
      await delivering;
      await options.email?.close();
      if (!options.database) await database.close();
    },
  };
}
