import type { Tx } from '../store/database.ts';
import type { Invoice } from './invoices.ts';
import type { Payment } from './payment-view.ts';
import type { Payout } from './payouts.ts';
import type { Refund } from './refunds.ts';

/**
 * What happened, as notifiers see it. Dialects decide who hears about which event (a
 * Paymega callback on every change, PayKeeper's informer only once paid) by registering a
 * notifier; the engine writes whatever they return to the outbox in the same transaction.
 */
export type DomainEvent =
  | { type: 'payment'; name: string; payment: Payment }
  | { type: 'refund'; name: string; refund: Refund; payment: Payment }
  | { type: 'payout'; name: string; payout: Payout }
  | { type: 'invoice'; name: string; invoice: Invoice; payment: Payment };

export type Notification = {
  /** The delivery handler that sends it, e.g. `callback.paymega`, `email`. */
  channel: string;
  payload: Record<string, unknown>;
};

export type Notifier = (event: DomainEvent) => Notification[];

/** Payments created through the engine itself get a plain JSON callback when they name a URL. */
export const coreCallbackNotifier: Notifier = (event) => {
  if (event.type !== 'payment' && event.type !== 'refund') return [];
  const { payment } = event;
  if (payment.origin !== 'core' || !payment.callbackUrl) return [];
  return [
    {
      channel: 'callback.core',
      payload: { event: event.name, paymentId: payment.id.toString(), url: payment.callbackUrl },
    },
  ];
};

function refOf(event: DomainEvent): { merchantId: bigint; refType: string; refId: bigint } {
  switch (event.type) {
    case 'payment':
      return { merchantId: event.payment.merchantId, refType: 'payment', refId: event.payment.id };
    case 'refund':
      return { merchantId: event.payment.merchantId, refType: 'refund', refId: event.refund.id };
    case 'payout':
      return { merchantId: event.payout.merchantId, refType: 'payout', refId: event.payout.id };
    case 'invoice':
      return { merchantId: event.payment.merchantId, refType: 'payment', refId: event.payment.id };
  }
}

export async function publish(
  trx: Tx,
  notifiers: readonly Notifier[],
  event: DomainEvent,
  now: number,
): Promise<void> {
  const rows = notifiers.flatMap((notifier) => notifier(event));
  if (rows.length === 0) return;
  const ref = refOf(event);
  await trx
    .insertInto('outbox')
    .values(
      rows.map((n) => ({
        merchant_id: ref.merchantId,
        channel: n.channel,
        event: event.name,
        ref_type: ref.refType,
        ref_id: ref.refId,
        payload: JSON.stringify(n.payload),
        notice: 'queued',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}
