import type { Tx } from '../../store/database.ts';
import type { DomainEvent, Notifier } from './notify.ts';

/** The outbox: what notifiers make of an event is written in the transaction of the event. */
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
