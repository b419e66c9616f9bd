import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { InvoiceStatus } from '../../domain/states.ts';
import {
  inTransaction,
  inTransactionOrRollback,
  isUniqueViolation,
  Rollback,
} from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { publish } from '../outbox/store.ts';
import { type CreatePaymentCmd, insertPayment } from '../payments/create-store.ts';
import { lockPayment, updatePayment } from '../payments/store.ts';
import { type Payment, toPayment } from '../payments/view.ts';
import { findInvoice, moveInvoice, newInvoiceId } from './store.ts';
import { type Invoice, type InvoiceMailState, toInvoice } from './view.ts';

export type CreateInvoiceCmd = {
  payment: CreatePaymentCmd;
  email?: string | null;
  data?: Record<string, unknown>;
  /** Who makes it (PayKeeper 3.1): a cabinet user, or null with the API credential's login. */
  author?: { userId: bigint | null; login: string };
};

export async function createInvoice(
  deps: EngineContext,
  cmd: CreateInvoiceCmd,
): Promise<Result<{ invoice: Invoice; payment: Payment }, EngineError>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransactionOrRollback(deps.database, async (trx) => {
        const created = await insertPayment(trx, deps, cmd.payment);
        if (!created.ok) return created;
        const { payment } = created.value;
        // The same order number again (a shop's retry): the invoice made for it the first time,
        // when it is one; the engine's idempotency already compared the amounts.
        if (!created.value.created) {
          const earlier = await trx
            .selectFrom('invoices')
            .selectAll()
            .where('payment_id', '=', payment.id)
            .executeTakeFirst();
          return earlier
            ? ok({ invoice: toInvoice(earlier, payment.publicId), payment })
            : fail(engineError('exists_with_different_request', { field: 'externalId' }));
        }
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
            user_id: cmd.author?.userId ?? null,
            user_login: cmd.author?.login ?? null,
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
  deps: EngineContext,
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

/** Marks an invoice sent to the payer; notifiers (e-mail) hear `invoice.sent`. Re-sending is allowed. */
export async function sendInvoice(
  deps: EngineContext,
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
  deps: EngineContext,
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

export type InvoiceQuery = {
  merchantId: bigint;
  /** Engine statuses to keep; an empty list finds nothing. */
  statuses: readonly InvoiceStatus[];
  /** Created at or after / before (half-open), when given. */
  from?: Date;
  to?: Date;
};

const invoicesOf = (deps: EngineContext, q: InvoiceQuery) => {
  let query = deps.database.db
    .selectFrom('invoices as i')
    .where('i.merchant_id', '=', q.merchantId)
    .where('i.status', 'in', [...q.statuses]);
  if (q.from) query = query.where('i.created_at', '>=', BigInt(q.from.getTime()));
  if (q.to) query = query.where('i.created_at', '<', BigInt(q.to.getTime()));
  return query;
};

/** A merchant's invoices with their payments, newest first, a page at an offset (PayKeeper 3.2). */
export async function listInvoices(
  deps: EngineContext,
  q: InvoiceQuery & { offset: number; limit: number },
): Promise<{ invoice: Invoice; payment: Payment }[]> {
  if (q.statuses.length === 0) return [];
  const rows = await invoicesOf(deps, q)
    .innerJoin('payments as p', 'p.id', 'i.payment_id')
    .selectAll('p')
    .select([
      'i.id as invoice_id',
      'i.status as invoice_status',
      'i.email as invoice_email',
      'i.data as invoice_data',
      'i.created_at as invoice_created_at',
      'i.sent_at as invoice_sent_at',
      'i.paid_at as invoice_paid_at',
      'i.user_id as invoice_user_id',
      'i.user_login as invoice_user_login',
    ])
    .orderBy('i.created_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return rows.map((r) => {
    const payment = toPayment(r);
    const invoice = toInvoice(
      {
        id: r.invoice_id,
        merchant_id: r.merchant_id,
        payment_id: r.id,
        status: r.invoice_status,
        email: r.invoice_email,
        data: r.invoice_data,
        created_at: r.invoice_created_at,
        updated_at: r.updated_at,
        sent_at: r.invoice_sent_at,
        paid_at: r.invoice_paid_at,
        user_id: r.invoice_user_id,
        user_login: r.invoice_user_login,
      },
      payment.publicId,
    );
    return { invoice, payment };
  });
}

/** How many invoices match, per status (PayKeeper 3.3). */
export async function countInvoices(
  deps: EngineContext,
  q: InvoiceQuery,
): Promise<{ status: InvoiceStatus; count: number }[]> {
  if (q.statuses.length === 0) return [];
  const rows = await invoicesOf(deps, q)
    .select(['i.status', (eb) => eb.fn.countAll<string | number | bigint>().as('n')])
    .groupBy('i.status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}

/**
 * The invoice's last e-mail as the outbox knows it (the notifier files it under the invoice's
 * payment, event `invoice.sent`), or null when it was never sent.
 */
export async function invoiceMailState(
  deps: EngineContext,
  invoice: Pick<Invoice, 'merchantId' | 'paymentId'>,
): Promise<InvoiceMailState | null> {
  const row = await deps.database.db
    .selectFrom('outbox as o')
    .select(['o.id', 'o.notice', 'o.attempts'])
    .where('o.merchant_id', '=', invoice.merchantId)
    .where('o.ref_type', '=', 'payment')
    .where('o.ref_id', '=', invoice.paymentId)
    .where('o.channel', '=', 'email')
    .where('o.event', '=', 'invoice.sent')
    .orderBy('o.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const last = await deps.database.db
    .selectFrom('delivery_attempts')
    .select(['delivered', 'error'])
    .where('outbox_id', '=', row.id)
    .orderBy('attempt_no', 'desc')
    .limit(1)
    .executeTakeFirst();
  const error = last && !Number(last.delivered) ? (last.error ?? 'not delivered') : null;
  return { notice: row.notice, attempts: Number(row.attempts), error };
}
