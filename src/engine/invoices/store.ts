import { randomInt } from 'node:crypto';
import { type InvoiceStatus, invoiceMachine, type PaymentStatus, transition } from '../../domain/states.ts';
import type { Tx } from '../../store/database.ts';
import type { InvoiceRow } from '../../store/schema.ts';
import type { EngineDeps, PaymentFollower } from '../context.ts';

const stampFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Moscow',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * `YYYYMMDDHHMM` (Moscow) + 7 random digits: 19 digits like PayKeeper's ids, below 2^63 so
 * every client can hold it in a signed 64-bit integer. The bill page is reachable by this id
 * alone, so the random part is as wide as the format allows (10^7 per minute).
 */
export function newInvoiceId(at: Date): string {
  const p = Object.fromEntries(stampFormat.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

export const findInvoice = (trx: Tx, merchantId: bigint, id: string) =>
  trx
    .selectFrom('invoices')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();

export async function moveInvoice(
  trx: Tx,
  deps: EngineDeps,
  row: InvoiceRow,
  to: InvoiceStatus,
  patch: { email?: string } = {},
): Promise<InvoiceRow | null> {
  if (!transition(invoiceMachine, row.status, to).ok) return null;
  const now = deps.now().getTime();
  return (
    (await trx
      .updateTable('invoices')
      .set({
        ...patch,
        status: to,
        updated_at: now,
        ...(to === 'sent' ? { sent_at: now } : {}),
        ...(to === 'paid' ? { paid_at: now } : {}),
      })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .returningAll()
      .executeTakeFirst()) ?? null
  );
}

const invoiceStatusFor: Partial<Record<PaymentStatus, InvoiceStatus>> = {
  authorized: 'paid',
  captured: 'paid',
  expired: 'expired',
  canceled: 'canceled',
};

/** The invoice follows its payment's status, in the payment's transaction. */
export const invoiceFollowsPayment: PaymentFollower = async (trx, deps, before, after) => {
  if (before?.status === after.status) return;
  const to = invoiceStatusFor[after.status];
  if (!to) return;
  const now = deps.now().getTime();
  await trx
    .updateTable('invoices')
    .set({ status: to, updated_at: now, ...(to === 'paid' ? { paid_at: now } : {}) })
    .where('payment_id', '=', after.id)
    .where('status', 'in', ['created', 'sent'])
    .execute();
};
