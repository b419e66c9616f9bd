import { randomInt } from 'node:crypto';
import { type EngineError, engineError } from '../domain/errors.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { type InvoiceStatus, invoiceMachine, type PaymentStatus, transition } from '../domain/states.ts';
import type { Tx } from '../store/database.ts';
import type { InvoiceRow } from '../store/schema.ts';
import { inTransaction, inTransactionOrRollback, isUniqueViolation, Rollback } from '../store/transaction.ts';
import type { EngineDeps } from './context.ts';
import { publish } from './notify.ts';
import { lockPayment, updatePayment } from './payment-store.ts';
import { type Payment, toPayment } from './payment-view.ts';
import { type CreatePaymentCmd, insertPayment } from './payments.ts';

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
};

const date = (ms: bigint | null) => (ms === null ? null : new Date(Number(ms)));

const toInvoice = (row: InvoiceRow, publicId: string): Invoice => ({
  id: row.id,
  merchantId: row.merchant_id,
  paymentId: row.payment_id,
  paymentPublicId: publicId,
  status: row.status as InvoiceStatus,
  email: row.email,
  data: JSON.parse(row.data),
  createdAt: new Date(Number(row.created_at)),
  sentAt: date(row.sent_at),
  paidAt: date(row.paid_at),
});

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

export type CreateInvoiceCmd = {
  payment: CreatePaymentCmd;
  email?: string | null;
  data?: Record<string, unknown>;
};

export async function createInvoice(
  deps: EngineDeps,
  cmd: CreateInvoiceCmd,
): Promise<Result<{ invoice: Invoice; payment: Payment }, EngineError>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransactionOrRollback(deps.database, async (trx) => {
        const created = await insertPayment(trx, deps, cmd.payment);
        if (!created.ok) return created;
        const { payment } = created.value;
        const now = deps.now().getTime();
        const row = await trx
          .insertInto('invoices')
          .values({
            id: newInvoiceId(deps.now()),
            merchant_id: payment.merchantId,
            payment_id: payment.id,
            status: 'created',
            email: cmd.email ?? null,
            data: JSON.stringify(cmd.data ?? {}),
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return ok({ invoice: toInvoice(row, payment.publicId), payment });
      });
    } catch (error) {
      // Two invoices drew the same id in the same minute: draw again.
      if (!isUniqueViolation(error) || attempt >= 5) throw error;
    }
  }
}

export async function getInvoice(
  deps: EngineDeps,
  ref: { id: string },
  merchantId?: bigint,
): Promise<Invoice | null> {
  let query = deps.database.db
    .selectFrom('invoices as i')
    .innerJoin('payments as p', 'p.id', 'i.payment_id')
    .selectAll('i')
    .select('p.public_id')
    .where('i.id', '=', ref.id);
  if (merchantId !== undefined) query = query.where('i.merchant_id', '=', merchantId);
  const row = await query.executeTakeFirst();
  return row ? toInvoice(row, row.public_id) : null;
}

const findInvoice = (trx: Tx, merchantId: bigint, id: string) =>
  trx
    .selectFrom('invoices')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();

async function moveInvoice(
  trx: Tx,
  deps: EngineDeps,
  row: InvoiceRow,
  to: InvoiceStatus,
  patch: { email?: string } = {},
): Promise<InvoiceRow | null> {
  if (!transition(invoiceMachine, row.status as InvoiceStatus, to).ok) return null;
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

/** Marks an invoice sent to the payer; notifiers (e-mail) hear `invoice.sent`. Re-sending is allowed. */
export async function sendInvoice(
  deps: EngineDeps,
  merchantId: bigint,
  id: string,
  email?: string,
): Promise<Result<Invoice, EngineError>> {
  return inTransaction(deps.database, async (trx) => {
    const row = await findInvoice(trx, merchantId, id);
    if (!row) return fail(engineError('invoice_not_found'));
    const after = await moveInvoice(trx, deps, row, 'sent', email === undefined ? {} : { email });
    if (!after) return fail(engineError('illegal_transition', { detail: `invoice is ${row.status}` }));
    const payment = await lockPayment(trx, deps.database.flavor, { id: row.payment_id });
    const invoice = toInvoice(after, payment!.public_id);
    await publish(
      trx,
      deps.notifiers,
      { type: 'invoice', name: 'invoice.sent', invoice, payment: toPayment(payment!) },
      deps.now().getTime(),
    );
    return ok(invoice);
  });
}

/** Withdraws an unpaid invoice: the invoice and its payment are canceled together. */
export async function revokeInvoice(
  deps: EngineDeps,
  merchantId: bigint,
  id: string,
): Promise<Result<Invoice, EngineError>> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    const row = await findInvoice(trx, merchantId, id);
    if (!row) return fail(engineError('invoice_not_found'));
    const payment = await lockPayment(trx, deps.database.flavor, { id: row.payment_id });
    if (!payment) throw new Error(`invoice ${id} without its payment`);
    if (payment.status !== 'created')
      return fail(engineError('illegal_transition', { detail: `payment is ${payment.status}` }));
    const canceled = await updatePayment(trx, deps, payment, 'canceled', {}, { by: 'invoice revoked' });
    if (!canceled) throw new Rollback(fail(engineError('illegal_transition')));
    const after = await trx.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return ok(toInvoice(after, payment.public_id));
  });
}

const invoiceStatusFor: Partial<Record<PaymentStatus, InvoiceStatus>> = {
  authorized: 'paid',
  captured: 'paid',
  expired: 'expired',
  canceled: 'canceled',
};

/** Called on every payment status change, inside its transaction. */
export async function syncInvoice(
  trx: Tx,
  paymentId: bigint,
  status: PaymentStatus,
  now: number,
): Promise<void> {
  const to = invoiceStatusFor[status];
  if (!to) return;
  await trx
    .updateTable('invoices')
    .set({ status: to, updated_at: now, ...(to === 'paid' ? { paid_at: now } : {}) })
    .where('payment_id', '=', paymentId)
    .where('status', 'in', ['created', 'sent'])
    .execute();
}
