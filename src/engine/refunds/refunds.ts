import { type EngineError, engineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { fail, type Result } from '../../domain/result.ts';
import { bankOperation } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { applyRefundOutcome, callRefund, claimRefund, type RefundCmd } from './ops.ts';
import { type Refund, type RefundResult, toRefund } from './view.ts';

export type { RefundCmd } from './ops.ts';
export type { Refund, RefundResult } from './view.ts';

/**
 * Refunds part or all of a captured payment. The amount is reserved on the payment with one
 * conditional UPDATE (`captured - refunded - reserved >= amount`) and debited from the
 * merchant's available balance in the same transaction, before the bank is asked: however
 * many refunds race, they never add up to more than was captured, and a crash never
 * refunds twice. A refund gives back its share of the payment's fee (fees.ts
 * refundFeeShare), so the balance pays the refund less that share: a payment's money that
 * is still there always covers its own full refund.
 */
export async function refundPayment(
  deps: EngineContext,
  cmd: RefundCmd,
): Promise<Result<RefundResult, EngineError>> {
  if (
    cmd.externalId !== undefined &&
    (cmd.externalId.length === 0 || cmd.externalId.length > limits.externalIdLengthMax)
  )
    return fail(engineError('invalid_argument', { field: 'externalId' }));
  return bankOperation(deps, {
    what: 'refund',
    claim: () => claimRefund(deps, cmd),
    call: (reserved, signal) => callRefund(deps, reserved, signal),
    apply: ({ refund }, outcome) => applyRefundOutcome(deps, refund.id, outcome),
  });
}

export async function listRefunds(
  deps: EngineContext,
  merchantId: bigint,
  paymentId: bigint,
): Promise<Refund[]> {
  const rows = await deps.database.db
    .selectFrom('refunds')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute();
  return rows.map(toRefund);
}

/** The refunds of several payments of one merchant at once (a page of a registry), oldest first. */
export async function listRefundsOf(
  deps: EngineContext,
  merchantId: bigint,
  paymentIds: readonly bigint[],
): Promise<Refund[]> {
  if (paymentIds.length === 0) return [];
  const rows = await deps.database.db
    .selectFrom('refunds')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_id', 'in', [...paymentIds])
    .orderBy('id')
    .execute();
  return rows.map(toRefund);
}
