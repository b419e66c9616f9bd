import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { EngineContext } from '../context.ts';
import type { Payment } from '../payments/view.ts';
import { runHoldOp, voidHold } from './ops.ts';

/** Capture and void of holds, the merchant's use cases; the bank operations are in ops.ts. */
export async function capturePayment(
  deps: EngineContext,
  input: { merchantId: bigint; paymentId: bigint; amountMinor?: bigint },
): Promise<Result<Payment, EngineError>> {
  return runHoldOp(deps, input.merchantId, input.paymentId, 'capture', (row) => {
    const amountMinor = input.amountMinor ?? row.authorized_minor;
    if (amountMinor <= 0n)
      return fail(engineError('invalid_amount', { field: 'amount', detail: 'must be greater than 0' }));
    if (amountMinor > row.authorized_minor)
      return fail(engineError('capture_exceeds_authorized', { field: 'amount' }));
    return ok({ kind: 'capture', amountMinor });
  });
}

export async function voidPayment(
  deps: EngineContext,
  input: { merchantId: bigint; paymentId: bigint },
): Promise<Result<Payment, EngineError>> {
  return voidHold(deps, input.merchantId, input.paymentId);
}
