import { pkAmount } from './amounts.ts';
import { printPkDatetime } from './dates.ts';
import { billUrl, type PkInvoiceData } from './invoice-data.ts';

/**
 * The invoice as the payer receives it: one function renders the HTML that 3.4's preview
 * answers and that 3.5 e-mails (byte for byte the same), and the text part beside it. Inputs
 * are facts fixed at preview (invoice-data.ts) plus the amount and the expiry of its
 * payment, so a later send renders what the preview showed. Everything from the shop is
 * escaped: a service name is the merchant's text, shown in a payer's mail reader.
 */
export type InvoiceMailFacts = {
  invoiceId: string;
  amountMinor: bigint;
  expiresAt: Date | null;
  data: PkInvoiceData;
};

export type InvoiceMail = { subject: string; html: string; text: string };

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);

/** A line break or a tab in a subject would break the header: the subject is one line. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

export function renderInvoiceMail(facts: InvoiceMailFacts): InvoiceMail {
  const { data } = facts;
  const amount = `${pkAmount.print(facts.amountMinor)} руб.`;
  const shop = data.shop;
  const subject = oneLine(`Счёт на оплату № ${facts.invoiceId}${shop ? ` от ${shop}` : ''}`).slice(0, 200);
  const expiry = facts.expiresAt ? printPkDatetime(facts.expiresAt) : null;
  const lines = data.cart ?? [];
  const url = billUrl(data, facts.invoiceId);

  const rows = lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.name)}</td><td align="right">${escapeHtml(l.price)}</td>` +
        `<td align="right">${escapeHtml(l.quantity)}</td><td align="right">${escapeHtml(l.sum)}</td></tr>`,
    )
    .join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="ru"><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,sans-serif;font-size:14px;color:#222">',
    `<h1 style="font-size:20px">Счёт на оплату № ${escapeHtml(facts.invoiceId)}</h1>`,
    shop ? `<p>${escapeHtml(shop)} выставил вам счёт.</p>` : '',
    data.service_name ? `<p>Назначение платежа: ${escapeHtml(data.service_name)}</p>` : '',
    data.orderid ? `<p>Номер заказа: ${escapeHtml(data.orderid)}</p>` : '',
    lines.length
      ? `<table cellpadding="4" style="border-collapse:collapse">\n<tr><th align="left">Наименование</th><th>Цена</th><th>Кол-во</th><th>Сумма</th></tr>\n${rows}\n</table>`
      : '',
    `<p><b>К оплате: ${escapeHtml(amount)}</b></p>`,
    expiry ? `<p>Счёт действителен до ${escapeHtml(expiry)} (время московское).</p>` : '',
    `<p><a href="${escapeHtml(url)}" style="display:inline-block;padding:10px 20px;background:#2a7;color:#fff;text-decoration:none">Оплатить</a></p>`,
    `<p>Ссылка на оплату: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`,
    '</body></html>',
  ]
    .filter((line) => line !== '')
    .join('\n');

  const text = [
    `Счёт на оплату № ${facts.invoiceId}`,
    shop ? `${shop} выставил вам счёт.` : '',
    data.service_name ? `Назначение платежа: ${data.service_name}` : '',
    data.orderid ? `Номер заказа: ${data.orderid}` : '',
    ...lines.map((l) => `- ${l.name}: ${l.price} x ${l.quantity} = ${l.sum}`),
    `К оплате: ${amount}`,
    expiry ? `Счёт действителен до ${expiry} (время московское).` : '',
    `Оплатить: ${url}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { subject, html: `${html}\n`, text: `${text}\n` };
}
