import { emailNotification, newMessageId } from '../../delivery/email/message.ts';
import type { Invoice } from '../../engine/invoices/view.ts';
import type { Notifier } from '../../engine/outbox/notify.ts';
import type { Payment } from '../../engine/payments/view.ts';
import { readInvoiceData } from './invoice-data.ts';
import { type InvoiceMail, renderInvoiceMail } from './invoice-mail.ts';

/** The invoice's mail from the invoice and its payment: what the preview shows and the e-mail carries. */
export const invoiceMailOf = (invoice: Invoice, payment: Payment): InvoiceMail =>
  renderInvoiceMail({
    invoiceId: invoice.id,
    amountMinor: payment.amountMinor,
    expiresAt: payment.expiresAt,
    data: readInvoiceData(invoice.data),
  });

/** A display name for a header: no control characters (they would end it), within bounds. */
const headerSafe = (name: string): string =>
  [...name]
    .map((c) => (c < ' ' || c === '\u007f' ? ' ' : c))
    .join('')
    .slice(0, 200);

/**
 * 3.5: `invoice.sent` of a PayKeeper invoice queues its e-mail on the outbox's `email` channel,
 * finished now (the message says what was true when it was sent) and retried by the outbox.
 * The route refuses a send without an address, so an invoice without one queues nothing.
 */
export const invoiceEmailNotifier: Notifier = (event) => {
  if (event.type !== 'invoice' || event.name !== 'invoice.sent') return [];
  const { invoice, payment } = event;
  if (payment.origin !== 'paykeeper' || !invoice.email) return [];
  const mail = invoiceMailOf(invoice, payment);
  const shop = readInvoiceData(invoice.data).shop;
  return [
    emailNotification({
      to: invoice.email,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: newMessageId(),
      date: invoice.sentAt ?? payment.updatedAt,
      ...(shop && { fromName: headerSafe(shop) }),
    }),
  ];
};
