import { isCurrency } from '../../domain/currency.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { fail, type Result } from '../../domain/result.ts';
import { bankOperation } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { applyPayoutOutcome, callPayout, claimPayout, findPayout } from './ops.ts';
import { type Payout, type PayoutCmd, toPayout } from './view.ts';

export type { Payout, PayoutCmd, PayoutTarget } from './view.ts';

/**
 * Pays money out of the merchant's available balance. The debit is one conditional UPDATE
 * in the transaction that records the payout, before the bank is asked: parallel payouts
 * can never drive the balance below zero, and the money is reserved while the bank works.
 */
export async function createPayout(
  deps: EngineContext,
  cmd: PayoutCmd,
): Promise<Result<Payout, EngineError>> {
  if (!isCurrency(cmd.currency)) return fail(engineError('invalid_currency', { field: 'currency' }));
  if (cmd.amountMinor <= 0n || cmd.amountMinor > limits.amountMinorMax)
    return fail(engineError('invalid_amount', { field: 'amount' }));
  if (
    cmd.externalId !== undefined &&
    (cmd.externalId.length === 0 || cmd.externalId.length > limits.externalIdLengthMax)
  )
    return fail(engineError('invalid_argument', { field: 'externalId' }));
  return bankOperation(deps, {
    what: 'payout',
    claim: () => claimPayout(deps, cmd),
    call: (reserved, signal) => callPayout(deps, reserved, signal),
    apply: ({ row }, outcome) => applyPayoutOutcome(deps, row.id, outcome),
  });
}

export async function getPayout(
  deps: EngineContext,
  merchantId: bigint,
  ref: { id: bigint } | { externalId: string },
): Promise<Payout | null> {
  const row = await findPayout(deps.database, merchantId, ref);
  return row ? toPayout(row) : null;
}

export type PayoutQuery = { merchantId: bigint; from?: Date; to?: Date; limit?: number };

/** A merchant's payouts made in [from, to), newest first, at most `limit` (capped). */
export async function listPayouts(deps: EngineContext, q: PayoutQuery): Promise<Payout[]> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), limits.pageSizeMax);
  let query = deps.database.db.selectFrom('payouts').selectAll().where('merchant_id', '=', q.merchantId);
  if (q.from) query = query.where('created_at', '>=', BigInt(q.from.getTime()));
  if (q.to) query = query.where('created_at', '<', BigInt(q.to.getTime()));
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toPayout);
}
