import type { Logger } from 'pino';
import type { DeliveryHandler } from '../worker.ts';
import { messageOfPayload } from './message.ts';
import { describeRoute, type SmtpRoute, sendOverSmtp, smtpFailureOf } from './smtp.ts';

export type EmailHandlerOptions = {
  /** The gateway's route (`SMTP_URL`). */
  route: SmtpRoute;
  /**
   * An organization's own SMTP settings, read at every attempt (so a changed setting carries
   * the next e-mail, a retry included); `undefined` sends over the gateway's route.
   */
  routeFor?: (merchantId: bigint) => Promise<SmtpRoute | undefined>;
  /** Bound of each wait inside one send (connect, greeting, each reply). */
  timeoutMs?: number;
  log?: Logger;
};

/**
 * The outbox handler of channel `email`: sends the finished message the row holds. The
 * server's reply goes to the attempt log (code as `response_status`, text as the body), and a
 * failure's one-line reason to `error`, which is what an invoice shows of a failed send.
 */
export function emailHandler(options: EmailHandlerOptions): DeliveryHandler {
  return async (job, signal) => {
    const message = messageOfPayload(job.payload);
    if ('problem' in message)
      return { delivered: false, permanent: true, error: `e-mail ${message.field}: ${message.problem}` };
    const route = (await options.routeFor?.(job.merchantId)) ?? options.route;
    try {
      const sent = await sendOverSmtp(route, message, { signal, timeoutMs: options.timeoutMs });
      return { delivered: true, responseStatus: sent.status, responseBody: sent.response };
    } catch (error) {
      const failure = smtpFailureOf(error);
      options.log?.info(
        {
          outboxId: job.id.toString(),
          route: describeRoute(route),
          status: failure.status,
          permanent: failure.permanent,
        },
        'e-mail not sent',
      );
      return {
        delivered: false,
        permanent: failure.permanent,
        error: failure.reason,
        ...(failure.status === undefined ? {} : { responseStatus: failure.status }),
        ...(failure.response === undefined ? {} : { responseBody: failure.response }),
      };
    }
  };
}
