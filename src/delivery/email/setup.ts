import type { Logger } from 'pino';
import { type CatchAllSmtp, startCatchAllSmtp } from './catch-all.ts';
import { createEmailDelivery, type EmailDelivery } from './index.ts';
import type { SmtpRoute } from './smtp.ts';

export type EmailSetup = {
  delivery: EmailDelivery;
  /** The local catch-all server, when no `SMTP_URL` was given: mount `inboxView` on it. */
  inbox?: CatchAllSmtp;
  close(): Promise<void>;
};

/**
 * E-mail as `kopek serve` runs it: over `SMTP_URL` when set, else into a catch-all server on
 * loopback (`SMTP_CATCH_ALL_PORT`, any free port by default; `SMTP_CATCH_ALL_DIR` also keeps
 * .eml files), so a development gateway sends real messages that never leave the machine.
 * The sender is `SMTP_FROM`, else the `from` in the URL, else `defaultFrom`.
 */
export async function emailFromEnvironment(
  env: Record<string, string | undefined>,
  options: {
    defaultFrom: string;
    routeFor?: (merchantId: bigint) => Promise<SmtpRoute | undefined>;
    log?: Logger;
  },
): Promise<EmailSetup> {
  const from = env.SMTP_FROM || undefined;
  if (env.SMTP_URL) {
    // A URL that does not parse is left to routeFromUrl, whose error never repeats the URL
    // (a TypeError from URL carries it, password and all).
    const fromInUrl = URL.canParse(env.SMTP_URL) ? new URL(env.SMTP_URL).searchParams.get('from') : null;
    const delivery = createEmailDelivery({
      smtpUrl: env.SMTP_URL,
      from: from ?? fromInUrl ?? options.defaultFrom,
      routeFor: options.routeFor,
      log: options.log,
    });
    return { delivery, close: async () => {} };
  }
  const port = env.SMTP_CATCH_ALL_PORT ? Number(env.SMTP_CATCH_ALL_PORT) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('SMTP_CATCH_ALL_PORT is not a port');
  const inbox = await startCatchAllSmtp({ port, dir: env.SMTP_CATCH_ALL_DIR || undefined });
  options.log?.info({ url: inbox.url }, 'no SMTP_URL: e-mail goes to the local catch-all server');
  const delivery = createEmailDelivery({
    smtpUrl: inbox.url,
    from: from ?? options.defaultFrom,
    routeFor: options.routeFor,
    log: options.log,
  });
  return { delivery, inbox, close: () => inbox.close() };
}
