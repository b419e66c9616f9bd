import type { Tx } from '../../store/database.ts';
import type { DomainEvent, Notification, Notifier } from './notify.ts';

/** What an outbox row is about. */
export type OutboxRef = { merchantId: bigint; refType: string; refId: bigint };

/** The outbox row of a notification, queued to go at once. */
export const queuedRow = (ref: OutboxRef, event: string, n: Notification, now: number) => ({
  merchant_id: ref.merchantId,
  channel: n.channel,
  event,
  ref_type: ref.refType,
  ref_id: ref.refId,
  payload: JSON.stringify(n.payload),
  notice: 'queued',
  attempts: 0,
  next_attempt_at: now,
  created_at: now,
  updated_at: now,
});

/** The outbox: what notifiers make of an event is written in the transaction of the event. */
function refOf(event: DomainEvent): OutboxRef {
  switch (event.type) {
    case 'payment':
      return { merchantId: event.payment.merchantId, refType: 'payment', refId: event.payment.id };
    case 'refund':
      return { merchantId: event.payment.merchantId, refType: 'refund', refId: event.refund.id };
    case 'payout':
      return { merchantId: event.payout.merchantId, refType: 'payout', refId: event.payout.id };
    case 'invoice':
      return { merchantId: event.payment.merchantId, refType: 'payment', refId: event.payment.id };
    case 'identification':
      return {
        merchantId: event.identification.merchantId,
        refType: 'identification',
        refId: event.identification.id,
      };
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
    .values(rows.map((n) => queuedRow(ref, event.name, n, now)))
    .execute();
}
