import { randomBytes } from 'node:crypto';
import type { Notification } from '../../engine/outbox/notify.ts';

/**
 * An e-mail as the outbox keeps it: finished when the event happens, in the transaction that
 * records the event. So the message says what was true then (a later refund does not rewrite
 * the invoice that was sent), a crash between the commit and the send loses nothing, and every
 * retry sends the same bytes under the same Message-ID (a receiver that got it twice sees one).
 * Only the route (SMTP server, login, From address) is chosen at send time: a corrected
 * password or a new sender address carries the next attempt.
 */
export type EmailMessage = {
  to: string;
  /** The recipient's display name, if known (a payer's name, an organization's). */
  toName?: string;
  subject: string;
  /** Both parts always: the HTML one for readers that show it, the text one for the others. */
  html: string;
  text: string;
  /** `<…@…>`; given once, at the event, so every retry carries the same one. */
  messageId: string;
  /** The event's time, which the Date header tells. */
  date: Date;
  /** Shown with the route's From address (an organization's name). */
  fromName?: string;
  replyTo?: string;
};

export const emailChannel = 'email';

/** Bounds of one message, probed by the tests: the outbox row holds the whole message. */
export const emailLimits = {
  addressLengthMax: 254,
  nameLengthMax: 200,
  subjectLengthMax: 500,
  /** Each of the HTML and text parts, in UTF-16 code units. */
  partLengthMax: 256 << 10,
} as const;

/** A pragmatic address check: one @, no spaces or angle brackets, a dotted-or-local domain. */
const addressPattern = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: a header must not carry them
const headerBreakers = /[\u0000-\u001F\u007F]/;

export const isEmailAddress = (value: string): boolean =>
  value.length <= emailLimits.addressLengthMax && addressPattern.test(value);

/** A Message-ID unique to this message; the domain part names the sending gateway. */
export const newMessageId = (domain = 'kopek.localhost'): string =>
  `<${Date.now().toString(36)}.${randomBytes(12).toString('hex')}@${domain}>`;

type Problem = { field: string; problem: string };

/** Every rule of a sendable message in one place: checked when it is queued and when it is sent. */
export function checkMessage(m: EmailMessage): Problem | undefined {
  if (!isEmailAddress(m.to)) return { field: 'to', problem: 'not an e-mail address' };
  if (m.replyTo !== undefined && !isEmailAddress(m.replyTo))
    return { field: 'replyTo', problem: 'not an e-mail address' };
  for (const field of ['toName', 'fromName'] as const) {
    const name = m[field];
    if (name !== undefined && (name.length > emailLimits.nameLengthMax || headerBreakers.test(name)))
      return { field, problem: 'too long or has control characters' };
  }
  if (m.subject.length > emailLimits.subjectLengthMax || headerBreakers.test(m.subject))
    return { field: 'subject', problem: 'too long or has control characters' };
  if (m.html.length > emailLimits.partLengthMax) return { field: 'html', problem: 'too long' };
  if (m.text.length > emailLimits.partLengthMax) return { field: 'text', problem: 'too long' };
  if (!/^<[^\s<>@]+@[^\s<>@]+>$/.test(m.messageId)) return { field: 'messageId', problem: 'not <id@domain>' };
  if (Number.isNaN(m.date.getTime())) return { field: 'date', problem: 'not a date' };
  return undefined;
}

/**
 * The outbox notification that sends this message: what a notifier returns. Throws on a
 * message that breaks a rule, since that is the caller's bug and must not reach the outbox.
 */
export function emailNotification(m: EmailMessage): Notification {
  const problem = checkMessage(m);
  if (problem) throw new Error(`e-mail ${problem.field}: ${problem.problem}`);
  const { date, ...rest } = m;
  return { channel: emailChannel, payload: { ...rest, date: date.toISOString() } };
}

const optionalText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The message back from an outbox payload, or what is wrong with it (such a row never sends). */
export function messageOfPayload(payload: Record<string, unknown>): EmailMessage | Problem {
  for (const field of ['to', 'subject', 'html', 'text', 'messageId', 'date'] as const)
    if (typeof payload[field] !== 'string') return { field, problem: 'missing' };
  const m: EmailMessage = {
    to: String(payload.to),
    subject: String(payload.subject),
    html: String(payload.html),
    text: String(payload.text),
    messageId: String(payload.messageId),
    date: new Date(String(payload.date)),
  };
  const toName = optionalText(payload.toName);
  const fromName = optionalText(payload.fromName);
  const replyTo = optionalText(payload.replyTo);
  if (toName !== undefined) m.toName = toName;
  if (fromName !== undefined) m.fromName = fromName;
  if (replyTo !== undefined) m.replyTo = replyTo;
  return checkMessage(m) ?? m;
}
