import { emailChannel, emailNotification, newMessageId } from '../../delivery/email/index.ts';
import { sendCallback } from '../../delivery/outgoing.ts';
import {
  type DeliveryHandler,
  type DeliveryResult,
  type RetryPolicy,
  scheduleBackoff,
} from '../../delivery/worker.ts';
import { limits } from '../../domain/limits.ts';
import type { Engine } from '../../engine/engine.ts';
import type { MerchantSettings } from '../../engine/merchants/view.ts';
import type { Notifier } from '../../engine/outbox/notify.ts';
import type { Payment } from '../../engine/payments/view.ts';
import type { DialectHost } from '../dialect.ts';
import { informerChannel } from './channels.ts';
import { type InformerFacts, type InformerState, informerForm } from './documents.ts';
import { isInformerAccepted } from './sign.ts';
import type { InformerForm } from './wire.ts';

/**
 * PayKeeper's informer (COMPAT.md "Notification to the merchant"): once a payment is paid,
 * its facts go to the merchant, as a signed form POSTed to `informer_url`, or by e-mail
 * when `informer_type = email`.
 *
 * Which payments: those made through PayKeeper (origin `paykeeper`: invoices, the bill
 * page, the legacy `/create/` form). Payments made through Paymega or ImPay are announced by
 * their own dialect's callbacks, in the format their integration verifies; a PayKeeper
 * informer endpoint could not match their order ids. In the PayKeeper cabinet they show
 * informer `none`, i.e. `success` as soon as paid (map.ts).
 *
 * Once: a one-stage payment when captured, a two-stage one when its hold is taken (its
 * later capture is no second notification).
 *
 * The outbox row holds only the facts; the handler reads the merchant's settings and seed
 * when it sends, so a changed URL, mode or seed applies to the next attempt.
 */

/** The event the e-mail informer's rows carry on the shared `email` channel. */
export const informerEmailEvent = 'paykeeper.informer';

const isPaidNow = (name: string, p: Payment) =>
  (p.flow === 'charge' && name === 'payment.captured') ||
  (p.flow === 'hold' && name === 'payment.authorized');

const textOf = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The facts as the outbox keeps them (JSON: amounts and ids as digit strings, times in ms). */
type FactsPayload = {
  id: string;
  amountMinor: string;
  clientid: string | null;
  orderid: string | null;
  serviceName: string;
  clientEmail: string | null;
  clientPhone: string | null;
  serviceId: string | null;
  cardMask: string | null;
  cardHolder: string | null;
  paidAt: number;
  heldAt: number | null;
};

function factsOf(p: Payment): FactsPayload {
  const paidAt = (p.paidAt ?? p.updatedAt).getTime();
  return {
    id: p.id.toString(),
    amountMinor: (p.flow === 'hold' ? p.authorizedMinor : p.capturedMinor).toString(),
    clientid: textOf(p.customer.reference) ?? textOf(p.customer.id),
    orderid: p.externalId,
    serviceName: p.description,
    clientEmail: textOf(p.customer.email),
    clientPhone: textOf(p.customer.phone),
    serviceId: p.serviceId?.toString() ?? null,
    cardMask: p.card?.mask ?? null,
    cardHolder: textOf(p.card?.holder),
    paidAt,
    heldAt: p.flow === 'hold' ? paidAt : null,
  };
}

const digits = (value: unknown, field: string): bigint => {
  if (typeof value !== 'string' || !/^[0-9]{1,19}$/.test(value))
    throw new Error(`informer payload: bad ${field}`);
  return BigInt(value);
};
const optionalText = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const time = (value: unknown, field: string): Date => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new Error(`informer payload: bad ${field}`);
  return new Date(value);
};

/** The facts back from an outbox payload; throws on a malformed one (the worker logs it). */
export function factsOfPayload(payload: Record<string, unknown>): InformerFacts {
  return {
    id: digits(payload.id, 'id'),
    amountMinor: digits(payload.amountMinor, 'amountMinor'),
    clientid: optionalText(payload.clientid),
    orderid: optionalText(payload.orderid),
    serviceName: optionalText(payload.serviceName) ?? '',
    clientEmail: optionalText(payload.clientEmail),
    clientPhone: optionalText(payload.clientPhone),
    serviceId: payload.serviceId == null ? null : digits(payload.serviceId, 'serviceId'),
    cardMask: optionalText(payload.cardMask),
    cardHolder: optionalText(payload.cardHolder),
    paidAt: time(payload.paidAt, 'paidAt'),
    heldAt: payload.heldAt == null ? null : time(payload.heldAt, 'heldAt'),
  };
}

/** One row on the informer channel per PayKeeper payment, when it is paid. */
export const informerNotifier: Notifier = (event) => {
  if (event.type !== 'payment') return [];
  const { payment } = event;
  if (payment.origin !== 'paykeeper' || !isPaidNow(event.name, payment)) return [];
  return [{ channel: informerChannel, payload: factsOf(payment) }];
};

const envInt = (name: string, fallback: number, max: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? Math.min(value, max) : fallback;
};

/**
 * 1, 2, 5, 10, 30 minutes, then hourly; `PAYKEEPER_INFORMER_ATTEMPTS` attempts (15 by
 * default), read at each use. At the limit the row is `exhausted`: the payment is `stuck`
 * until `repeatcnt`.
 */
const schedule = () =>
  scheduleBackoff(
    [60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000],
    envInt('PAYKEEPER_INFORMER_ATTEMPTS', 15, limits.deliveryAttemptsMax),
  );
export const informerRetryPolicy: RetryPolicy = {
  get attemptsMax() {
    return schedule().attemptsMax;
  },
  delayMs: (attempt) => schedule().delayMs(attempt),
};

/** Where the e-mail informer writes: the organization's support address, else its notification one. */
export const informerEmailOf = (s: MerchantSettings): string | null =>
  textOf(s.supportEmail) ?? textOf(s.notificationEmail);

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The form's fields as labelled lines: the same facts in the text and the HTML part. */
export const emailLines = (f: InformerForm): [string, string][] => [
  ['Номер платежа (id)', f.id],
  ['Сумма (sum)', f.sum],
  ['Плательщик (clientid)', f.clientid],
  ['Номер заказа (orderid)', f.orderid],
  ['Услуга (service_name)', f.service_name],
  ['E-mail (client_email)', f.client_email],
  ['Телефон (client_phone)', f.client_phone],
  ['Платёжная система (ps_id)', f.ps_id],
  ['Карта (card_number)', f.card_number],
  ['Держатель карты (card_holder)', f.card_holder],
  ['Время оплаты (obtain_datetime)', f.obtain_datetime],
  ...(f.batch_date === undefined
    ? []
    : [['Время блокировки (batch_date)', f.batch_date] as [string, string]]),
];

/** The e-mail informer's message: the form's facts (no key: nobody verifies a mail by it). */
export function informerEmail(f: InformerForm, to: string, orgName: string, at: Date) {
  const lines = emailLines(f);
  const subject = `Платёж №${f.id} на сумму ${f.sum} получен`;
  return emailNotification({
    to,
    // a header: no line breaks or other controls, whatever the organization's name holds
    fromName: orgName.replace(/\p{Cc}/gu, ' ').slice(0, 200),
    subject,
    text: `${subject}.\n\n${lines.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`,
    html: `<p>${escapeHtml(subject)}.</p><table>${lines
      .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
      .join('')}</table>`,
    messageId: newMessageId(),
    date: at,
  });
}

/**
 * The informer channel's handler. POST mode: the signed form, through the one callback
 * sender; delivered only on the body `OK md5(id + seed)` (trimmed). Anything else, a bare
 * `OK` too, is a failed attempt with the exact answer in the delivery log. E-mail mode: the
 * facts become an e-mail on the `email` channel (its own retries and log); this row is done
 * once the e-mail is queued. No informer set: nothing is sent, and the row says so.
 */
export function informerHandler(
  host: DialectHost,
  /** Runs once the informer has done its part (report mailing, reports.ts); a throw retries the row. */
  onInformed?: (merchantId: bigint, facts: InformerFacts) => Promise<unknown>,
): DeliveryHandler {
  const inform = informOnce(host);
  return async (job, signal) => {
    const result = await inform(job, signal);
    if (result.delivered && onInformed) await onInformed(job.merchantId, factsOfPayload(job.payload));
    return result;
  };
}

function informOnce(host: DialectHost): DeliveryHandler {
  const { engine } = host;
  return async (job, signal): Promise<DeliveryResult> => {
    const facts = factsOfPayload(job.payload);
    const auth = await engine.merchantAuth('paykeeper', job.merchantId);
    if (!auth) return { delivered: false, permanent: true, error: 'merchant has no PayKeeper credential' };
    const { settings } = auth.merchant;
    const seed = auth.secret();
    const form = informerForm(facts, seed);
    if (settings.informerType === 'email') {
      const to = informerEmailOf(settings);
      if (!to) return { delivered: false, error: 'informer_type is email but no e-mail address is set' };
      const outboxId = await engine.queueNotification({
        merchantId: job.merchantId,
        paymentId: facts.id,
        event: informerEmailEvent,
        notification: informerEmail(form, to, auth.merchant.name, host.now()),
      });
      return { delivered: true, responseBody: `e-mail to ${to} queued (outbox ${outboxId})` };
    }
    const url = textOf(settings.informerUrl);
    if (!url) return { delivered: true, nothingSent: true, error: 'no informer_url set: nothing sent' };
    const answer = await sendCallback({ url, body: { form: Object.entries(form) } }, signal);
    const delivered = isInformerAccepted(answer.body, form.id, seed);
    return {
      delivered,
      responseStatus: answer.status,
      responseBody: answer.body,
      ...(!delivered && { error: 'the answer is not "OK <md5(id + seed)>"' }),
    };
  };
}

export type InformerStateName = 'none' | 'queued' | 'delivered' | 'exhausted';

/**
 * Where the informer stands for each payment (for the cabinet's status, `repeat_counter`
 * and `success_datetime`), from its informer rows and informer e-mails: `queued` while one
 * is being sent, else the newest one's `delivered` or `exhausted`; `none` for a payment
 * without any (another dialect's payment, one not paid yet). Scoped by merchant.
 */
export async function informerStateOf(
  engine: Engine,
  merchantId: bigint,
  paymentIds: readonly bigint[],
): Promise<Map<bigint, InformerState>> {
  const rows = await engine.paymentNotices({
    merchantId,
    sources: [{ channel: informerChannel }, { channel: emailChannel, event: informerEmailEvent }],
    paymentIds,
  });
  return new Map(
    paymentIds.map((id): [bigint, InformerState] => {
      const row = rows.get(id);
      return [
        id,
        row
          ? { notice: row.notice, attempts: row.attempts, deliveredAt: row.deliveredAt }
          : { notice: 'none', attempts: 0, deliveredAt: null },
      ];
    }),
  );
}
