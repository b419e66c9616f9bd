import type { EngineDeps } from '../context.ts';

/** One attempt to deliver one notification about a payment (or one of its refunds). */
export type DeliveryAttempt = {
  paymentId: bigint;
  outboxId: bigint;
  event: string;
  /** What the notifier wrote when the event happened. */
  payload: Record<string, unknown>;
  attemptNo: number;
  startedAt: Date;
  durationMs: number;
  delivered: boolean;
  responseStatus: number | null;
};

/**
 * The delivery log of some payments on one channel, oldest attempt first: what a merchant
 * sees of its callbacks (Paymega's `callback_logs`). Notifications about a refund count for
 * the refund's payment. Scoped by merchant.
 */
export async function listDeliveries(
  deps: EngineDeps,
  q: {
    merchantId: bigint;
    channel: string;
    paymentIds: readonly bigint[];
    /**
     * The payments among `paymentIds` that may have refunds (by default all): the caller may
     * know that the others have none (nothing captured), and spare the query of refunds.
     */
    refundsOfPaymentIds?: readonly bigint[];
  },
): Promise<DeliveryAttempt[]> {
  if (q.paymentIds.length === 0) return [];
  const { db } = deps.database;
  const refundsOf = q.refundsOfPaymentIds ?? q.paymentIds;
  const columns = [
    'o.id as outbox_id',
    'o.event',
    'o.payload',
    'a.id as attempt_id',
    'a.attempt_no',
    'a.started_at',
    'a.duration_ms',
    'a.delivered',
    'a.response_status',
  ] as const;
  const base = () =>
    db
      .selectFrom('delivery_attempts as a')
      .innerJoin('outbox as o', 'o.id', 'a.outbox_id')
      .where('o.merchant_id', '=', q.merchantId)
      .where('o.channel', '=', q.channel);
  const [ofPayments, ofRefunds] = await Promise.all([
    base()
      .select([...columns, 'o.ref_id as payment_id'])
      .where('o.ref_type', '=', 'payment')
      .where('o.ref_id', 'in', [...q.paymentIds])
      .execute(),
    refundsOf.length === 0
      ? []
      : base()
          .innerJoin('refunds as r', 'r.id', 'o.ref_id')
          .select([...columns, 'r.payment_id'])
          .where('o.ref_type', '=', 'refund')
          .where('r.payment_id', 'in', [...refundsOf])
          .execute(),
  ]);
  return (
    [...ofPayments, ...ofRefunds]
      // by time; attempts started in the same instant in the order their events happened
      .sort((x, y) =>
        Number(x.started_at - y.started_at || x.outbox_id - y.outbox_id || x.attempt_id - y.attempt_id),
      )
      .map((r) => ({
        paymentId: r.payment_id,
        outboxId: r.outbox_id,
        event: r.event,
        payload: JSON.parse(r.payload),
        attemptNo: Number(r.attempt_no),
        startedAt: new Date(Number(r.started_at)),
        durationMs: Number(r.duration_ms),
        delivered: r.delivered === 1n,
        responseStatus: r.response_status === null ? null : Number(r.response_status),
      }))
  );
}

/**
 * Whether a notification on `channel` about the payment (or one of its refunds) was written
 * after outbox row `after`: a channel whose callback renders the invoice as it stands when
 * sent lets that later row tell the news, and skips the earlier one rather than send the same
 * document twice.
 */
export async function hasLaterNotification(
  deps: EngineDeps,
  q: { merchantId: bigint; channel: string; paymentId: bigint; after: bigint },
): Promise<boolean> {
  const { db } = deps.database;
  const later = await db
    .selectFrom('outbox as o')
    .select('o.id')
    .where('o.merchant_id', '=', q.merchantId)
    .where('o.channel', '=', q.channel)
    .where('o.id', '>', q.after)
    .where((eb) =>
      eb.or([
        eb.and([eb('o.ref_type', '=', 'payment'), eb('o.ref_id', '=', q.paymentId)]),
        eb.and([
          eb('o.ref_type', '=', 'refund'),
          eb(
            'o.ref_id',
            'in',
            eb.selectFrom('refunds as r').select('r.id').where('r.payment_id', '=', q.paymentId),
          ),
        ]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return later !== undefined;
}
