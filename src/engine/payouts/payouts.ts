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
