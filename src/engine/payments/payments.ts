import { type EngineError, engineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { type PaymentStatus, paymentStates } from '../../domain/states.ts';
import { inTransaction, inTransactionOrRollback } from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { type Created, type CreatePaymentCmd, insertPayment, validate } from './create-store.ts';
import { findPayment, lockPayment, noChallenge, type PaymentRef, updatePayment } from './store.ts';
import { type Payment, toPayment } from './view.ts';

/**
 * Creates a payment, or returns the one this external id already made. Safe under any
 * number of concurrent duplicates: the unique index decides, `ON CONFLICT DO NOTHING` waits
 * for the winner, and the losers read what it wrote.
 */
export async function createPayment(
  deps: EngineContext,
  cmd: CreatePaymentCmd,
): Promise<Result<Created, EngineError>> {
  const now = deps.now();
  const invalid = validate(cmd, now);
  if (invalid) return fail(invalid);
  return inTransactionOrRollback(deps.database, (trx) => insertPayment(trx, deps, cmd));
}

/** Reads one payment of one merchant (or, with no merchant, for the payer's page by public id). */
export async function getPayment(
  deps: EngineContext,
  ref: PaymentRef,
  merchantId?: bigint,
): Promise<Payment | null> {
  const row = await findPayment(deps.database, ref, merchantId);
  return row ? toPayment(row) : null;
}

export type PaymentQuery = {
  merchantId: bigint;
  statuses?: PaymentStatus[];
  from?: Date;
  to?: Date;
  /** Keyset pagination: payments with an id below this one. */
  beforeId?: bigint;
  afterId?: bigint;
  limit?: number;
  search?: string;
};

/** The registry: newest first, keyset-paginated, so page 1000 costs what page 1 does. */
export async function listPayments(deps: EngineContext, q: PaymentQuery): Promise<Payment[]> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), limits.pageSizeMax);
  let query = deps.database.db.selectFrom('payments').selectAll().where('merchant_id', '=', q.merchantId);
  const statuses = (q.statuses ?? []).filter((s) => (paymentStates as readonly string[]).includes(s));
  if (statuses.length > 0) query = query.where('status', 'in', statuses);
  if (q.from) query = query.where('created_at', '>=', BigInt(q.from.getTime()));
  if (q.to) query = query.where('created_at', '<', BigInt(q.to.getTime()));
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  if (q.search) {
    const term = q.search.trim();
    query = query.where((eb) =>
      eb.or([
        eb('external_id', '=', term),
        eb('public_id', '=', term),
        ...(/^\d{1,18}$/.test(term) ? [eb('id', '=', BigInt(term))] : []),
        eb('description', 'like', `%${term.replace(/[%_]/g, '')}%`),
      ]),
    );
  }
  const rows = await query
    .orderBy('id', q.afterId !== undefined ? 'asc' : 'desc')
    .limit(limit)
    .execute();
  return rows.map(toPayment);
}

/**
 * The payer walked away (cancel link) or the merchant withdrew an unpaid payment. No bank
 * is involved: nothing was authorized yet.
 */
export async function cancelPayment(
  deps: EngineContext,
  ref: { id: bigint } | { publicId: string },
  merchantId?: bigint,
): Promise<Result<Payment, EngineError>> {
  return inTransaction(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, ref, merchantId);
    if (!row) return fail(engineError('payment_not_found'));
    // The payer may also give up on the bank's 3-D Secure page: nothing is with the bank until
    // the answer comes back (then `op_in_flight` is set), and none will be taken after this.
    const payerAtAcs =
      merchantId === undefined && row.status === 'pending' && row.challenge !== null && !row.op_in_flight;
    if (row.status !== 'created' && !payerAtAcs)
      return fail(engineError('illegal_transition', { detail: `payment is ${row.status}` }));
    const after = await updatePayment(trx, deps, row, 'canceled', payerAtAcs ? noChallenge : {}, {
      by: merchantId === undefined ? 'payer' : 'merchant',
    });
    return after ? ok(toPayment(after)) : fail(engineError('illegal_transition'));
  });
}
