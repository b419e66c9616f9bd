import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { DeliveryHandler, RetryPolicy } from '../delivery/worker.ts';
import type { PaymentGate } from '../engine/context.ts';
import type { Engine } from '../engine/engine.ts';
import type { Notifier } from '../engine/outbox/notify.ts';

/**
 * What a dialect receives from the gateway: the engine it calls, the configuration, the log,
 * and the clock (the gateway's, which tests set). Nothing else of the running gateway.
 */
export type DialectHost = {
  engine: Engine;
  config: Config;
  log: Logger;
  now: () => Date;
};

/**
 * A request at one of the payment pages' own addresses that a dialect answers: Paymega's
 * checkout link `/hpp/?public_key=…`, which creates the invoice it describes. The pages keep
 * the address (web/pages/alias-routes.ts) and hand over what `accepts` claims.
 */
export type PageHandoff = {
  /** The pages' address, without its trailing slash. */
  path: '/hpp';
  accepts: (req: FastifyRequest) => boolean;
  handle: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
};

/**
 * What a dialect plugs into the gateway: its HTTP routes (one encapsulated Fastify plugin,
 * with its own parsers and error format), which events it wants to notify merchants about,
 * and how its notifications are delivered and retried.
 */
export type DialectModule = {
  name: string;
  /** Registered by web/app.ts with the gateway (a DialectHost) as its option. */
  plugin: FastifyPluginAsync<{ gateway: DialectHost }>;
  notifiers?: readonly Notifier[];
  /** Outbox channel → handler, e.g. `callback.paymega`. */
  handlers?: (host: DialectHost) => ReadonlyMap<string, DeliveryHandler>;
  /** Its base URLs and auth in a line or two, for the start-up banner. */
  endpoints?: (publicUrl: string) => string[];
  /** Retry schedules of this dialect's channels. */
  retryPolicies?: ReadonlyMap<string, RetryPolicy>;
  /** Requests at the payment pages' addresses that are the dialect's (see PageHandoff). */
  pageHandoffs?: (host: DialectHost) => readonly PageHandoff[];
  /**
   * Errors Fastify answers before routing, where no plugin's error handler runs (a malformed
   * URL escape: FST_ERR_BAD_URL, 400): rendered in this dialect's format for URLs under its
   * `prefixes` (web/app.ts's `frameworkErrors` dispatches by path).
   */
  /**
   * Asked before a card attempt reaches the bank (ImPay's check request): a refusal fails the
   * payment. Each dialect's gate decides which payments concern it and allows the others.
   */
  paymentGate?: (host: DialectHost) => PaymentGate;
  frameworkErrors?: {
    prefixes: readonly string[];
    handler: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => unknown;
  };
};
