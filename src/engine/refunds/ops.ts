import { sql } from 'kysely';
import type { ConnectorOutcome } from '../../acquiring/connector.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { refundFeeShare } from '../../domain/fees.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { type RefundStatus, refundableStates } from '../../domain/states.ts';
import type { Tx } from '../../store/database.ts';
import type { PaymentRow, RefundRow } from '../../store/schema.ts';
import { inTransactionOrRollback, isUniqueViolation, Rollback } from '../../store/transaction.ts';
import { answer, type Claim, connectorFor, proceed } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { mustPost, type Posting, post } from '../ledger/store.ts';
import { publish } from '../outbox/store.ts';
import { lockPayment, recordPaymentChange, updatePayment } from '../payments/store.ts';
import { toPayment } from '../payments/view.ts';
import { type RefundResult, toRefund } from './view.ts';

export type RefundCmd = {
  merchantId: bigint;
  paymentId: bigint;
  /** Omitted: everything not refunded yet. */
  amountMinor?: bigint;
  /** The merchant's id of this refund; a retry with it returns the same refund. */
  externalId?: string;
  reason?: string;
  /**
   * Who asks (PayKeeper's cabinet users): recorded on the refund. With a user and a daily
   * limit, the refund also claims one of the user's refunds of `day` in its reservation's
   * transaction: past the limit it fails with `refund_limit_reached`, and a refund refused for
   * any reason uses none up.
   */
  by?: { userId: bigint | null; login: string; perDay: number | null; day: string };
};

/** A refund reserved on its payment, ready for the bank. */
export type ReservedRefund = { refund: RefundRow; payment: PaymentRow };

/**
 * The claim of a refund (see refundPayment): reserved in its own transaction, or the answer
 * without the bank (refused, or a retry of a refund made already).
 */
export async function claimRefund(
  deps: EngineContext,
  cmd: RefundCmd,
): Promise<Claim<ReservedRefund, Result<RefundResult, EngineError>>> {
  let reserved: Result<RefundRow, EngineError> | RefundResult;
  try {
    reserved = await reserve(deps, cmd);
  } catch (error) {
    // Two requests with one refund external id raced; the other one's refund is the answer.
    if (!isUniqueViolation(error) || cmd.externalId === undefined) throw error;
    reserved = await reserve(deps, cmd);
  }
  if ('refund' in reserved) return answer(ok(reserved));
  if (!reserved.ok) return answer(reserved);
  const refund = reserved.value;
  const payment = await deps.database.db
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', refund.payment_id)
    .executeTakeFirstOrThrow();
  return proceed({ refund, payment });
}

/** A refund as the bank gets it. */
export const callRefund = (
  deps: EngineContext,
  { refund, payment }: ReservedRefund,
  signal: AbortSignal,
): Promise<ConnectorOutcome> =>
  connectorFor(deps, payment.connector).refund({
    operationId: `refund-${refund.id}`,
    testMode: payment.test_mode === 1n,
    signal,
    connectorData: JSON.parse(payment.connector_data ?? '{}'),
    amountMinor: refund.amount_minor,
    currency: refund.currency,
  });

async function reserve(
  deps: EngineContext,
  cmd: RefundCmd,
): Promise<Result<RefundRow, EngineError> | RefundResult> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, { id: cmd.paymentId }, cmd.merchantId);
    if (!row) return fail(engineError('payment_not_found'));
    if (cmd.externalId !== undefined) {
      const existing = await trx
        .selectFrom('refunds')
        .selectAll()
        .where('merchant_id', '=', cmd.merchantId)
        .where('external_id', '=', cmd.externalId)
        .executeTakeFirst();
      if (existing) {
        if (existing.payment_id !== row.id)
          return fail(engineError('exists_with_different_request', { field: 'externalId' }));
        if (cmd.amountMinor !== undefined && existing.amount_minor !== cmd.amountMinor)
          return fail(engineError('exists_with_different_amount', { field: 'amount' }));
        return { refund: toRefund(existing), payment: toPayment(row) };
      }
    }
    if (!(refundableStates as readonly string[]).includes(row.status))
      return fail(engineError('illegal_transition', { detail: `payment is ${row.status}` }));
    const remaining = row.captured_minor - row.refunded_minor - row.refund_reserved_minor;
    const amountMinor = cmd.amountMinor ?? remaining;
    if (amountMinor <= 0n)
      return fail(
        engineError(cmd.amountMinor === undefined ? 'refund_exceeds_captured' : 'invalid_amount', {
          field: 'amount',
        }),
      );
    const after = await trx
      .updateTable('payments')
      .set({
        refund_reserved_minor: sql`refund_reserved_minor + ${amountMinor}`,
        updated_at: deps.now().getTime(),
      })
      .where('id', '=', row.id)
      .where('status', 'in', refundableStates)
      .where(sql`captured_minor - refunded_minor - refund_reserved_minor`, '>=', amountMinor)
      .returningAll()
      .executeTakeFirst();
    if (!after) return fail(engineError('refund_exceeds_captured', { field: 'amount' }));
    if (cmd.by && !(await claimDailyRefund(trx, cmd.by)))
      throw new Rollback(fail(engineError('refund_limit_reached')));
    // Under the payment lock: every refund of this payment is reserved or settled holding it.
    const returned = await trx
      .selectFrom('refunds')
      .select(sql<bigint>`coalesce(sum(fee_minor), 0)`.as('total'))
      .where('payment_id', '=', row.id)
      .where('status', '!=', 'failed')
      .executeTakeFirstOrThrow();
    const feeMinor = refundFeeShare({
      feeMinor: row.fee_minor,
      capturedMinor: row.captured_minor,
      refundedAfterMinor: row.refunded_minor + row.refund_reserved_minor + amountMinor,
      returnedMinor: BigInt(returned.total),
      amountMinor,
    });
    const now = deps.now().getTime();
    const refund = await trx
      .insertInto('refunds')
      .values({
        payment_id: row.id,
        merchant_id: row.merchant_id,
        external_id: cmd.externalId ?? null,
        amount_minor: amountMinor,
        fee_minor: feeMinor,
        currency: row.currency,
        status: 'pending',
        reason: (cmd.reason ?? '').slice(0, limits.descriptionLengthMax),
        user_id: cmd.by?.userId ?? null,
        initiated_by: cmd.by?.login ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const debited = await post(
      trx,
      {
        merchantId: row.merchant_id,
        currency: row.currency,
        kind: 'refund_reserve',
        refType: 'refund',
        refId: refund.id,
        postings: nonZero([
          { account: 'available', amountMinor: -(amountMinor - feeMinor) },
          { account: 'fees', amountMinor: -feeMinor },
          { account: 'refunds_pending', amountMinor },
        ]),
      },
      now,
    );
    if (!debited)
      throw new Rollback(
        fail(
          engineError('insufficient_balance', { detail: 'the merchant balance does not cover this refund' }),
        ),
      );
    await recordPaymentChange(trx, deps, row, after);
    await publish(
      trx,
      deps.notifiers,
      { type: 'refund', name: 'refund.pending', refund: toRefund(refund), payment: toPayment(after) },
      now,
    );
    return ok(refund);
  });
}

/**
 * One more refund of a user on a day, if the limit allows: one conditional upsert, so
 * concurrent refunds of one user never count past it. No user or no limit: nothing to count.
 */
async function claimDailyRefund(trx: Tx, by: NonNullable<RefundCmd['by']>): Promise<boolean> {
  if (by.userId === null || by.perDay === null) return true;
  if (by.perDay < 1) return false;
  const claimed = await trx
    .insertInto('user_refund_days')
    .values({ user_id: by.userId, day: by.day, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'day'])
        .doUpdateSet({ count: sql`user_refund_days.count + 1` })
        .where('user_refund_days.count', '<', BigInt(by.perDay as number)),
    )
    .returning('count')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Applies the bank's answer to a refund; the janitor calls it for refunds left `unknown`. */
export async function applyRefundOutcome(
  deps: EngineContext,
  refundId: bigint,
  outcome: ConnectorOutcome,
): Promise<Result<RefundResult, EngineError>> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    const { payment_id: paymentId } = await trx
      .selectFrom('refunds')
      .select('payment_id')
      .where('id', '=', refundId)
      .executeTakeFirstOrThrow();
    // The payment lock first, as reserve() takes it, then the refund as it is now: another
    // janitor may have settled it while this one waited for the lock.
    const row = await lockPayment(trx, deps.database.flavor, { id: paymentId });
    if (!row) throw new Error(`refund ${refundId} without its payment`);
    let query = trx.selectFrom('refunds').selectAll().where('id', '=', refundId);
    if (deps.database.flavor === 'postgres') query = query.forUpdate();
    const refund = await query.executeTakeFirstOrThrow();
    if (refund.status !== 'pending' && refund.status !== 'unknown')
      return ok({ refund: toRefund(refund), payment: toPayment(row) });
    const now = deps.now().getTime();
    const amount = refund.amount_minor;
    const settle = async (
      status: RefundStatus,
      extra: { rc?: string | null; bank_ref?: string | null; connector_data?: string },
    ) =>
      trx
        .updateTable('refunds')
        .set({ status, updated_at: now, ...extra })
        .where('id', '=', refund.id)
        .where('status', '=', refund.status)
        .returningAll()
        .executeTakeFirstOrThrow();

    if (outcome.kind === 'unknown' || outcome.kind === 'challenge') {
      const after = await settle('unknown', {});
      return ok({ refund: toRefund(after), payment: toPayment(row) });
    }
    if (outcome.kind === 'declined') {
      const after = await settle('failed', { rc: outcome.rc });
      const payment = await releaseReservation(trx, deps, row.id, amount, now);
      await mustPost(
        trx,
        entry(
          refund,
          'refund_decline',
          nonZero([
            { account: 'refunds_pending', amountMinor: -amount },
            { account: 'available', amountMinor: amount - refund.fee_minor },
            { account: 'fees', amountMinor: refund.fee_minor },
          ]),
        ),
        now,
      );
      await publish(
        trx,
        deps.notifiers,
        { type: 'refund', name: 'refund.failed', refund: toRefund(after), payment: toPayment(payment) },
        now,
      );
      return ok({ refund: toRefund(after), payment: toPayment(payment) });
    }
    const after = await settle('succeeded', {
      rc: outcome.rc,
      bank_ref: outcome.bankRef,
      connector_data: JSON.stringify(outcome.connectorData),
    });
    const refunded = row.refunded_minor + amount;
    const payment = await updatePayment(
      trx,
      deps,
      row,
      refunded === row.captured_minor ? 'refunded' : 'partially_refunded',
      { refunded_minor: refunded, refund_reserved_minor: row.refund_reserved_minor - amount },
      { refundId: refund.id.toString(), amountMinor: amount.toString() },
    );
    if (!payment) throw new Error(`refund ${refundId} could not settle on payment ${row.id} (${row.status})`);
    await mustPost(
      trx,
      entry(refund, 'refund', [
        { account: 'refunds_pending', amountMinor: -amount },
        { account: 'acquirer', amountMinor: amount },
      ]),
      now,
    );
    await publish(
      trx,
      deps.notifiers,
      { type: 'refund', name: 'refund.succeeded', refund: toRefund(after), payment: toPayment(payment) },
      now,
    );
    return ok({ refund: toRefund(after), payment: toPayment(payment) });
  });
}

/** A refund that gives back no fee (or all of itself as fee) moves one account less. */
const nonZero = (postings: Posting[]) => postings.filter((p) => p.amountMinor !== 0n);

const entry = (refund: RefundRow, kind: string, postings: Posting[]) => ({
  merchantId: refund.merchant_id,
  currency: refund.currency,
  kind,
  refType: 'refund' as const,
  refId: refund.id,
  postings,
});

async function releaseReservation(
  trx: Tx,
  deps: EngineContext,
  paymentId: bigint,
  amount: bigint,
  now: number,
) {
  const before = await trx
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  const after = await trx
    .updateTable('payments')
    .set({ refund_reserved_minor: sql`refund_reserved_minor - ${amount}`, updated_at: now })
    .where('id', '=', paymentId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordPaymentChange(trx, deps, before, after);
  return after;
}
