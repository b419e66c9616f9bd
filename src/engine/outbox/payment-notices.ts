import type { EngineDeps } from '../context.ts';
import type { Notification } from './notify.ts';
import { type OutboxRef, queuedRow } from './store.ts';

const paymentRef = (q: { merchantId: bigint; paymentId: bigint }): OutboxRef => ({
  merchantId: q.merchantId,
  refType: 'payment',
  refId: q.paymentId,
});

/**
 * A payment's notifications on a channel as a dialect shows them (PayKeeper's informer state,
 * `repeat_counter`, "resend"), and notifications a delivery handler queues itself after the
 * event (PayKeeper's e-mail informer decides at send time that the facts go out by e-mail).
 * Scoped by merchant: another merchant's payment id finds nothing.
 */

export type PaymentNotice = {
  outboxId: bigint;
  channel: string;
  notice: 'queued' | 'delivered' | 'exhausted';
  attempts: number;
  deliveredAt: Date | null;
};

/** Rows of a channel, or only those of one event on it (a shared channel such as `email`). */
export type NoticeSource = { channel: string; event?: string };

/**
 * One row per payment among the given sources: the newest one still being sent, else the
 * newest (a later row is a later notification about the same payment: the e-mail an
 * informer row handed on). So a notification sent again is `queued` until it is done, even
 * while an older, dead-lettered e-mail of the same payment is the newest row.
 */
export async function paymentNotices(
  deps: EngineDeps,
  q: { merchantId: bigint; sources: readonly NoticeSource[]; paymentIds: readonly bigint[] },
): Promise<Map<bigint, PaymentNotice>> {
  const found = new Map<bigint, PaymentNotice>();
  if (q.paymentIds.length === 0 || q.sources.length === 0) return found;
  const rows = await deps.database.db
    .selectFrom('outbox')
    .select(['id', 'ref_id', 'channel', 'notice', 'attempts', 'delivered_at'])
    .where('merchant_id', '=', q.merchantId)
    .where('ref_type', '=', 'payment')
    .where((eb) =>
      eb.or(
        q.sources.map((s) =>
          s.event === undefined
            ? eb('channel', '=', s.channel)
            : eb.and([eb('channel', '=', s.channel), eb('event', '=', s.event)]),
        ),
      ),
    )
    .where('ref_id', 'in', [...q.paymentIds])
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const earlier = found.get(r.ref_id);
    if (earlier?.notice === 'queued' && r.notice !== 'queued') continue;
    found.set(r.ref_id, {
      outboxId: r.id,
      channel: r.channel,
      notice: r.notice as PaymentNotice['notice'],
      attempts: Number(r.attempts),
      deliveredAt: r.delivered_at === null ? null : new Date(Number(r.delivered_at)),
    });
  }
  return found;
}

/**
 * Sends a payment's notifications on a channel again from scratch: the counter back to zero,
 * due now, whatever their state (PayKeeper's `repeatcnt`). False when the payment has none.
 * The lease is cleared too: a worker sending the row right now finds its lease gone and drops
 * its late result (worker.ts fences on the lease), so the reset wins.
 */
export async function redeliver(
  deps: EngineDeps,
  q: { merchantId: bigint; paymentId: bigint; channel: string },
): Promise<boolean> {
  const now = deps.now().getTime();
  const { numUpdatedRows } = await deps.database.db
    .updateTable('outbox')
    .set({
      notice: 'queued',
      attempts: 0,
      next_attempt_at: now,
      delivered_at: null,
      locked_until: null,
      locked_by: null,
      updated_at: now,
    })
    .where('merchant_id', '=', q.merchantId)
    .where('ref_type', '=', 'payment')
    .where('ref_id', '=', q.paymentId)
    .where('channel', '=', q.channel)
    .executeTakeFirst();
  return numUpdatedRows > 0n;
}

/** Queues one notification about a payment outside its event's transaction; returns the row id. */
export async function queueNotification(
  deps: EngineDeps,
  q: { merchantId: bigint; paymentId: bigint; event: string; notification: Notification },
): Promise<bigint> {
  const now = deps.now().getTime();
  const row = await deps.database.db
    .insertInto('outbox')
    .values(queuedRow(paymentRef(q), q.event, q.notification, now))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Queues several notifications about a payment at once, outside its event's transaction: one
 * INSERT, so all of them are queued or none (a fan-out retried after a crash repeats whole).
 */
export async function queueNotifications(
  deps: EngineDeps,
  q: { merchantId: bigint; paymentId: bigint; event: string; notifications: readonly Notification[] },
): Promise<bigint[]> {
  if (q.notifications.length === 0) return [];
  const now = deps.now().getTime();
  const rows = await deps.database.db
    .insertInto('outbox')
    .values(q.notifications.map((n) => queuedRow(paymentRef(q), q.event, n, now)))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
