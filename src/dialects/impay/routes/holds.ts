import { fieldRefusal, refusalOf } from '../errors.ts';
import type { ImpayCall, ImpayOperations } from '../operation.ts';
import { parseById, parseHoldConfirm } from '../parse.ts';
import { createPagePayment, impayPayment, notFound } from './payments.ts';

/**
 * Holds: created on the hosted page like `pay/lk` (state 4 once the payer is through),
 * captured in full or in part (the rest released), or released whole.
 */

/** An ImPay hold of this merchant: a charge is no hold, so it is "not found" here. */
async function impayHold(call: ImpayCall, id: bigint) {
  const payment = await impayPayment(call, id);
  return payment?.flow === 'hold' ? payment : null;
}

export const holdsOperations: ImpayOperations = {
  'hold/create': (call) => createPagePayment(call, 'hold'),

  'hold/confirm': async (call) => {
    const cmd = parseHoldConfirm(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const hold = await impayHold(call, cmd.value.id);
    if (!hold) return notFound;
    const captured = await call.host.engine.capturePayment({
      merchantId: call.merchant.id,
      paymentId: hold.id,
      ...(cmd.value.amountMinor === null ? {} : { amountMinor: cmd.value.amountMinor }),
    });
    return captured.ok ? { status: 1, message: '' } : refusalOf(call.path, captured.error);
  },

  'hold/cancel': async (call) => {
    const cmd = parseById(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const hold = await impayHold(call, cmd.value.id);
    if (!hold) return notFound;
    const voided = await call.host.engine.voidPayment({ merchantId: call.merchant.id, paymentId: hold.id });
    return voided.ok ? { status: 1, message: '' } : refusalOf(call.path, voided.error);
  },
};
