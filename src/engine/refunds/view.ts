import type { Currency } from '../../domain/currency.ts';
import type { RefundStatus } from '../../domain/states.ts';
import type { RefundRow } from '../../store/schema.ts';
import type { Payment } from '../payments/view.ts';

export type Refund = {
  id: bigint;
  paymentId: bigint;
  merchantId: bigint;
  externalId: string | null;
  amountMinor: bigint;
  currency: Currency;
  status: RefundStatus;
  reason: string;
  rc: string | null;
  bankRef: string | null;
  /** Who asked for it: a cabinet user's id, and the login (null: not said, e.g. another dialect). */
  userId: bigint | null;
  initiatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export const toRefund = (row: RefundRow): Refund => ({
  id: row.id,
  paymentId: row.payment_id,
  merchantId: row.merchant_id,
  externalId: row.external_id,
  amountMinor: row.amount_minor,
  currency: row.currency,
  status: row.status,
  reason: row.reason,
  rc: row.rc,
  bankRef: row.bank_ref,
  userId: row.user_id,
  initiatedBy: row.initiated_by,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

export type RefundResult = { refund: Refund; payment: Payment };
