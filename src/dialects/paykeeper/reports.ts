import { emailChannel, emailNotification, newMessageId } from '../../delivery/email/index.ts';
import type { DialectHost } from '../dialect.ts';
import type { InformerFacts } from './documents.ts';
import { informerForm } from './documents.ts';
import { emailLines, escapeHtml } from './informer.ts';

/**
 * Report mailing (spec 4.6, 5.3, 5.4): every address on the organization's list hears of each
 * accepted PayKeeper payment, "Принят платёж №… на сумму …", by e-mail through the `email`
 * channel, so over the organization's own SMTP server when it set one (runtime.ts), with the
 * channel's retries and delivery log.
 *
 * When: once the payment's informer has done its part (the merchant accepted the POST, the
 * informer e-mail was queued, or no informer is set), as the informer handler reports
 * success; the list is read then. A payment is reported once: a redelivery (`repeatcnt`)
 * finds its reports queued already. The e-mails of one payment are queued in one INSERT.
 */

/** The event of the report e-mails on the `email` channel. */
export const reportEmailEvent = 'paykeeper.report';
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

/** Queues the payment's report to every address on the list, unless queued before; how many. */
export async function queueReports(
  host: DialectHost,
  merchantId: bigint,
  facts: InformerFacts,
): Promise<number> {
  const { engine } = host;
  const addresses = await engine.listReportEmails(merchantId);
  if (addresses.length === 0) return 0;
  const before = await engine.paymentNotices({
    merchantId,
    sources: [{ channel: emailChannel, event: reportEmailEvent }],
    paymentIds: [facts.id],
  });
  if (before.has(facts.id)) return 0;
  const merchant = await engine.getMerchant(merchantId);
  if (!merchant) return 0;
  const at = host.now();
  const ids = await engine.queueNotifications({
    merchantId,
    paymentId: facts.id,
    event: reportEmailEvent,
    notifications: addresses.map((a) => reportEmail(facts, a.email, merchant.name, at)),
  });
  return ids.length;
}
