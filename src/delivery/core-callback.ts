import { request } from 'undici';
import type { Engine } from '../engine/engine.ts';
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
    const res = await request(String(job.payload.url), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      signal,
    });
    const text = await res.body.text();
    return {
      delivered: res.statusCode >= 200 && res.statusCode < 300,
      responseStatus: res.statusCode,
      responseBody: text,
    };
  };
}
