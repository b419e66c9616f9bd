import type { Identification } from '../identifications/view.ts';
import type { Invoice } from '../invoices/view.ts';
import type { Payment } from '../payments/view.ts';
import type { Payout } from '../payouts/view.ts';
import type { Refund } from '../refunds/view.ts';

/**
 * What happened, as notifiers see it. Dialects decide who hears about which event (a
 * Paymega callback on every change, PayKeeper's informer only once paid) by registering a
 * notifier; the engine writes whatever they return to the outbox in the same transaction.
 */
export type DomainEvent =
  | { type: 'payment'; name: string; payment: Payment }
  | { type: 'refund'; name: string; refund: Refund; payment: Payment }
  | { type: 'payout'; name: string; payout: Payout }
  | { type: 'invoice'; name: string; invoice: Invoice; payment: Payment }
  /** A person's identification reached a verdict (`identification.verified` / `.rejected`). */
  | { type: 'identification'; name: string; identification: Identification };

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
