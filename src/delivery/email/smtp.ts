import nodemailer from 'nodemailer';
import { limits } from '../../domain/limits.ts';
import { Secret } from '../../security/secret.ts';
import { type EmailMessage, isEmailAddress } from './message.ts';

/**
 * How an e-mail leaves: one SMTP server, its login and the sender address. The gateway's comes
 * from `SMTP_URL`; an organization's own (PayKeeper's SMTP settings) replaces it per message.
 */
export type SmtpRoute = {
  host: string;
  port: number;
  /**
   * `tls`: TLS from the first byte (port 465, `smtps://`); `starttls`: upgrade required;
   * `opportunistic`: upgrade when offered (a plain `smtp://`); `none`: never upgrade.
   */
  security: 'tls' | 'starttls' | 'opportunistic' | 'none';
  login?: string;
  password?: Secret<string>;
  /** The envelope sender and the From address. */
  from: string;
};

const securityOfQuery: Record<string, SmtpRoute['security']> = {
  requireTLS: 'starttls',
  ignoreTLS: 'none',
};

/**
 * `smtp://user:pass@host:587?from=shop@example.ru`, `smtps://…` (TLS, port 465 by default);
 * `?requireTLS=true` insists on STARTTLS, `?ignoreTLS=true` never upgrades. The sender is
 * `from` here, else the `from` in the URL. Throws on anything else, naming the problem (and
 * never the password).
 */
export function routeFromUrl(smtpUrl: string, from?: string): SmtpRoute {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('SMTP_URL is not a URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`SMTP_URL must be smtp:// or smtps://, not ${url.protocol}//`);
  if (!url.hostname) throw new Error('SMTP_URL names no host');
  const secure = url.protocol === 'smtps:';
  let security: SmtpRoute['security'] = secure ? 'tls' : 'opportunistic';
  for (const [key, value] of url.searchParams) {
    if (key === 'from') continue;
    const wanted = securityOfQuery[key];
    if (!wanted || secure) throw new Error(`SMTP_URL has an unknown or conflicting option ${key}`);
    if (value === 'true') security = wanted;
  }
  const sender = from ?? url.searchParams.get('from') ?? '';
  if (!isEmailAddress(sender))
    throw new Error('the sender address (from) is missing or not an e-mail address');
  const route: SmtpRoute = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    security,
    from: sender,
  };
  if (url.username) route.login = decodeURIComponent(url.username);
  if (url.password) route.password = new Secret(decodeURIComponent(url.password));
  return route;
}

/** What a route looks like in a log: everything but the password. */
export const describeRoute = (r: SmtpRoute): string =>
  `${r.security === 'tls' ? 'smtps' : 'smtp'}://${r.login ? `${r.login}@` : ''}${r.host}:${r.port}`;

/**
 * Every wait of one send is bounded by `timeoutMs`: a silent server costs at most that per
 * phase, and the worker's own deadline (the signal) cancels the whole send.
 */
function transportOf(route: SmtpRoute, timeoutMs: number) {
  return nodemailer.createTransport({
    host: route.host,
    port: route.port,
    secure: route.security === 'tls',
    requireTLS: route.security === 'starttls',
    ignoreTLS: route.security === 'none',
    auth: route.login ? { user: route.login, pass: route.password?.reveal() ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // The name we greet with; the default (the OS host name) may leak an internal name.
    name: route.from.split('@')[1],
  });
}

export type SmtpSent = { response: string; status: number };

/**
 * Sends one message over a route. A fresh connection each time (no pool): a send always uses
 * the route as it is now, and a changed password never meets a connection logged in with
 * the old one. Throws nodemailer's error on failure; `smtpFailureOf` reads it.
 */
export async function sendOverSmtp(
  route: SmtpRoute,
  m: EmailMessage,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SmtpSent> {
  const transport = transportOf(route, options.timeoutMs ?? limits.connectorTimeoutMs);
  try {
    const info = await transport.sendMail({
      from: m.fromName ? { name: m.fromName, address: route.from } : route.from,
      to: m.toName ? { name: m.toName, address: m.to } : m.to,
      replyTo: m.replyTo,
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
      date: m.date,
      // RFC 3834: a machine wrote this; auto-responders stay quiet.
      headers: { 'Auto-Submitted': 'auto-generated' },
      // Never fetch or read anything a message names: its content is data, not instructions.
      disableFileAccess: true,
      disableUrlAccess: true,
      signal: options.signal,
    });
    return { response: info.response, status: statusOf(info.response) ?? 250 };
  } finally {
    transport.close();
  }
}

const statusOf = (response: unknown): number | undefined => {
  const code = /^([2-5]\d\d)\b/.exec(String(response ?? ''))?.[1];
  return code === undefined ? undefined : Number(code);
};

export type SmtpFailure = {
  /** Retrying cannot help: the server refused this message or recipient for good. */
  permanent: boolean;
  /** The SMTP reply code, when the server gave one. */
  status?: number;
  /** The server's reply, as it said it. */
  response?: string;
  /** One line for the delivery log and the invoice. */
  reason: string;
};

type NodemailerError = {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
  name?: unknown;
};

/**
 * A failed send, sorted: a 5xx reply is the server's final word (RFC 5321 §4.2.1), so the
 * message is dead-lettered at once. Everything else (4xx, a refused or dropped connection, a
 * timeout) may pass, and is retried. A refused login is retried too, even as a 535: the fix
 * is on our side (an organization corrects its password), and the next attempt uses it.
 */
export function smtpFailureOf(error: unknown): SmtpFailure {
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.responseCode === 'number' ? e.responseCode : statusOf(e.response);
  const response = typeof e.response === 'string' ? e.response : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  if (code === 'EABORT' || e.name === 'AbortError') return { permanent: false, reason: 'timeout' };
  const message = String(e.message ?? 'unknown error');
  if (status !== undefined) {
    const reason = `${command ?? 'SMTP'} refused: ${response ?? message}`;
    const permanent = status >= 500 && code !== 'EAUTH';
    return { permanent, status, reason, ...(response === undefined ? {} : { response }) };
  }
  // A malformed envelope found before talking to anyone (a bad address) never gets better.
  if (code === 'EENVELOPE') return { permanent: true, reason: message };
  return { permanent: false, reason: code ? `${code}: ${message}` : message };
}
