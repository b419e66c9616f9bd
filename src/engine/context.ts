import type { Logger } from 'pino';
import type { Connector } from '../acquiring/connector.ts';
import type { Vault } from '../security/vault.ts';
import type { Database, Tx } from '../store/database.ts';
import type { PaymentRow } from '../store/schema.ts';
import type { Notifier } from './outbox/notify.ts';
import type { Payment } from './payments/view.ts';

export type EngineConfig = {
  /** Public base URL of this gateway, for links handed to payers and banks. */
  publicUrl: string;
  connectorTimeoutMs: number;
  /** Card attempts a payer gets on one payment before it fails. */
  paymentAttemptsMax: number;
  paymentTtlMs: number;
  /** A hold not captured within this time is released. */
  holdTtlMs: number;
  /** Days in statistics are calendar days in this zone (PayKeeper works in Moscow time). */
  statsTimeZone: string;
};

/** Everything a use case may touch; passed explicitly, no container. */
export type EngineDeps = {
  database: Database;
  vault: Vault;
  /** Banks by name; `defaultConnector` takes payments that name none. */
  connectors: ReadonlyMap<string, Connector>;
  defaultConnector: string;
  notifiers: readonly Notifier[];
  config: EngineConfig;
  now: () => Date;
  log: Logger;
  /**
   * Asked before a card attempt reaches the bank (a dialect's check request to the merchant,
   * ImPay's): a refusal fails the payment with no bank call. Called outside any transaction.
   */
  paymentGate?: PaymentGate;
};

export type GateVerdict = { allowed: true } | { allowed: false; message: string };
export type PaymentGate = (payment: Payment) => Promise<GateVerdict>;

/**
 * What follows a payment's change in its transaction (statistics, its invoice, the card it
 * registers or saves). `before` is null for a new payment. Each decides for itself whether the
 * change concerns it.
 */
export type PaymentFollower = (
  trx: Tx,
  ctx: EngineContext,
  before: PaymentRow | null,
  after: PaymentRow,
) => Promise<void>;

/**
 * The dependencies as use cases receive them: the caller's, plus what `createEngine` assembles
 * (the followers of a payment change), so the payment store never imports the aggregates that
 * follow it.
 */
export type EngineContext = EngineDeps & { followers: readonly PaymentFollower[] };
