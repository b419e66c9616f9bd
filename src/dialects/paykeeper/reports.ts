import { emailNotification, newMessageId } from '../../delivery/email/index.ts';
import type { DeliveryHandler, DeliveryResult } from '../../delivery/worker.ts';
import type { Notifier } from '../../engine/outbox/notify.ts';
import type { DialectHost } from '../dialect.ts';
import type { InformerFacts } from './documents.ts';
import { informerForm } from './documents.ts';
import { emailLines, escapeHtml, factsOf, factsOfPayload, isPaidNow } from './informer.ts';

/**
 * Report mailing (spec 4.6, 5.3, 5.4): every address on the organization's list hears of each
 * accepted payment, "Принят платёж №… на сумму …", by e-mail through the `email` channel, so
 * over the organization's own SMTP server when it set one (runtime.ts), with the channel's
 * retries and delivery log.
 *
 * The payment's transaction queues one row on `report.paykeeper` with the facts (as the
 * informer does, for PayKeeper's payments, once paid); its handler reads the list when it
 * runs and queues one e-mail per address in one INSERT. So an address added before the
 * report goes out receives it, and a list emptied meanwhile sends nothing.
 */

export const reportChannel = 'report.paykeeper';
/** The event of the report e-mails on the `email` channel. */
export const reportEmailEvent = 'paykeeper.report';

export const reportNotifier: Notifier = (event) => {
  if (event.type !== 'payment') return [];
  const { payment } = event;
  if (payment.origin !== 'paykeeper' || !isPaidNow(event.name, payment)) return [];
  return [{ channel: reportChannel, payload: factsOf(payment) }];
};

/** The report's message: the payment's facts (no informer key), the same lines in both parts. */
export function reportEmail(facts: InformerFacts, to: string, orgName: string, at: Date) {
  const { key: _key, ...form } = informerForm(facts, '');
  const lines = emailLines({ ...form, key: '' });
  const subject = `Принят платёж №${form.id} на сумму ${form.sum} руб.`;
  return emailNotification({
    to,
    fromName: orgName.replace(/\p{Cc}/gu, ' ').slice(0, 200),
    subject,
    text: `${subject}\n\n${lines.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`,
    html: `<p>${escapeHtml(subject)}</p><table>${lines
      .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
      .join('')}</table>`,
    messageId: newMessageId(),
    date: at,
  });
}

export function reportHandler(host: DialectHost): DeliveryHandler {
  const { engine } = host;
  return async (job): Promise<DeliveryResult> => {
    const facts = factsOfPayload(job.payload);
    const merchant = await engine.getMerchant(job.merchantId);
    if (!merchant) return { delivered: false, permanent: true, error: 'no such merchant' };
    const addresses = await engine.listReportEmails(job.merchantId);
    if (addresses.length === 0)
      return { delivered: true, nothingSent: true, error: 'no report e-mails set: nothing sent' };
    const at = host.now();
    const ids = await engine.queueNotifications({
      merchantId: job.merchantId,
      paymentId: facts.id,
      event: reportEmailEvent,
      notifications: addresses.map((a) => reportEmail(facts, a.email, merchant.name, at)),
    });
    return { delivered: true, responseBody: `${ids.length} report e-mail(s) queued` };
  };
}
