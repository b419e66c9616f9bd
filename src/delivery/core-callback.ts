import type { Engine } from '../engine/engine.ts';
import { sendCallback } from './outgoing.ts';
import type { DeliveryHandler } from './worker.ts';

/**
 * `callback.core`: payments created through the engine directly get the payment as plain
 * JSON. Delivered on any 2xx. Dialects register their own channels with their own formats.
 */
export function coreCallbackHandler(engine: Engine): DeliveryHandler {
  return async (job, signal) => {
    const payment = await engine.getPayment({ id: BigInt(String(job.payload.paymentId)) }, job.merchantId);
    if (!payment) return { delivered: false, error: 'payment not found' };
    const body = JSON.stringify({
      event: job.event,
      payment: {
        id: payment.id.toString(),
        externalId: payment.externalId,
        status: payment.status,
        amountMinor: payment.amountMinor.toString(),
        currency: payment.currency,
        capturedMinor: payment.capturedMinor.toString(),
        refundedMinor: payment.refundedMinor.toString(),
        card: payment.card,
        updatedAt: payment.updatedAt.toISOString(),
      },
    });
    const answer = await sendCallback({ url: String(job.payload.url), body: { json: body } }, signal);
    return {
      delivered: answer.status >= 200 && answer.status < 300,
      responseStatus: answer.status,
      responseBody: answer.body,
    };
  };
}
