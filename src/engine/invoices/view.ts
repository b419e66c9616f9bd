import type { InvoiceStatus } from '../../domain/states.ts';
import type { InvoiceRow } from '../../store/schema.ts';

/**
 * Invoices (PayKeeper "bills"): a payment offered to a payer by link or e-mail. The invoice
 * and its payment are created together; the invoice's status follows the payment's in the
 * same transaction (see `syncInvoice`), so the two never disagree.
 */
export type Invoice = {
  id: string;
  merchantId: bigint;
  paymentId: bigint;
  paymentPublicId: string;
  status: InvoiceStatus;
  email: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  sentAt: Date | null;
  paidAt: Date | null;
  /** Who made it: a cabinet user's id (null for the merchant's API credential) and login. */
  userId: bigint | null;
  userLogin: string | null;
};

/** The invoice's last e-mail (outbox channel `email`): how it went, so a failed send shows. */
export type InvoiceMailState = {
  notice: string;
  attempts: number;
  /** The last failure's one-line reason (the SMTP server's refusal, a timeout), or null. */
  error: string | null;
};

const date = (ms: bigint | null) => (ms === null ? null : new Date(Number(ms)));

export const toInvoice = (row: InvoiceRow, publicId: string): Invoice => ({
  id: row.id,
  merchantId: row.merchant_id,
  paymentId: row.payment_id,
  paymentPublicId: publicId,
  status: row.status,
  email: row.email,
  data: JSON.parse(row.data),
  createdAt: new Date(Number(row.created_at)),
  sentAt: date(row.sent_at),
  paidAt: date(row.paid_at),
  userId: row.user_id,
  userLogin: row.user_login,
});
