import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
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
import { type Invoice, toInvoice } from './view.ts';

export type CreateInvoiceCmd = {
  payment: CreatePaymentCmd;
  email?: string | null;
  data?: Record<string, unknown>;
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
