import type { Logger } from 'pino';
import { type DeliveryHandler, type RetryPolicy, scheduleBackoff } from '../worker.ts';
import { emailHandler } from './handler.ts';
import { emailChannel } from './message.ts';
import { routeFromUrl, type SmtpRoute } from './smtp.ts';

export { type EmailMessage, emailChannel, emailNotification, newMessageId } from './message.ts';
export { routeFromUrl, type SmtpRoute } from './smtp.ts';

/** 1, 5, 15 minutes, then hourly, 10 attempts (about 6 hours): a mail server's outage, not a day's. */
export const emailRetryPolicy: RetryPolicy = scheduleBackoff([60_000, 300_000, 900_000, 3_600_000], 10);

export type EmailDelivery = {
  channel: typeof emailChannel;
  handler: DeliveryHandler;
  retryPolicy: RetryPolicy;
  /** The gateway's route, as parsed from the URL. */
  route: SmtpRoute;
  /** The same handler, looking each organization's own route up with `routeFor` (runtime.ts). */
  handlerWith(routeFor: (merchantId: bigint) => Promise<SmtpRoute | undefined>): DeliveryHandler;
};

/**
 * Everything the runtime needs to send e-mail through the outbox, from the gateway's
 * `SMTP_URL` (or the catch-all server's URL in development) and its sender address:
 *
 *   const email = createEmailDelivery({ smtpUrl: process.env.SMTP_URL, from: 'noreply@shop.ru' });
 *   handlers.set(email.channel, email.handler);   // retryPolicy: email.retryPolicy for that channel
 *   // a notifier returns emailNotification({ to, subject, html, text, messageId: newMessageId(), date })
 *
 * `routeFor` looks up an organization's own SMTP settings at every send.
 */
export function createEmailDelivery(options: {
  smtpUrl: string;
  from?: string;
  routeFor?: (merchantId: bigint) => Promise<SmtpRoute | undefined>;
  timeoutMs?: number;
  retryPolicy?: RetryPolicy;
  log?: Logger;
}): EmailDelivery {
  const route = routeFromUrl(options.smtpUrl, options.from);
  const handlerWith = (routeFor: typeof options.routeFor) =>
    emailHandler({ route, routeFor, timeoutMs: options.timeoutMs, log: options.log });
  return {
    channel: emailChannel,
    handler: handlerWith(options.routeFor),
    retryPolicy: options.retryPolicy ?? emailRetryPolicy,
    route,
    handlerWith,
  };
}
