import assert from 'node:assert/strict';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { limits } from '../../domain/limits.ts';
import type { PaymentStatus } from '../../domain/states.ts';
import type { DB } from '../../store/schema.ts';
import type { EngineDeps } from '../context.ts';
import { countWholeDays } from './registry-counts-store.ts';
import { type Payment, toPayment } from './view.ts';

/**
 * The payment registry as a cabinet reads it: a period, filters over the payment's state, its
 * refund in flight and its notification's state on one channel (a dialect's informer), the
 * payment systems, and offset paging (PayKeeper's `from`/`limit`). The notification state is
 * that of the payment's latest outbox row on the channel, `none` without one.
 */

export type NoticeState = 'none' | 'queued' | 'delivered' | 'exhausted';
export const noticeStates = ['none', 'queued', 'delivered', 'exhausted'] as const;

/** One conjunction of a filter; a registry filter is a disjunction of these. */
export type RegistryClause = {
  states: readonly PaymentStatus[];
  /** Only payments with (true) or without (false) a refund asked of the bank and unanswered. */
  refundInFlight?: boolean;
  notices?: readonly NoticeState[];
};

export type RegistryQuery = {
  merchantId: bigint;
  /** The channel whose outbox rows tell the notification state. */
  channel: string;
  from?: Date;
  to?: Date;
  /** null: any state; []: nothing matches. */
  clauses: readonly RegistryClause[] | null;
  /** null: any service; []: nothing matches. */
  serviceIds: readonly bigint[] | null;
  /** Matches the id, the external id, or text in the customer's fields (reference, e-mail, phone). */
  search?: string;
  paymentId?: bigint;
  offset?: number;
  limit?: number;
  /**
   * A keyset cursor: only payments listed after this one (older, or as old with a smaller id),
   * so a reader of every page (the XLSX export) never pays for an offset.
   */
  after?: RegistryCursor;
  /**
   * Counts only: a confirmed notification (`delivered`) may be counted as `none`, for callers to
   * whom both are the same (PayKeeper's `success`). Lets whole days be counted from the daily
   * aggregates (registry-counts-store.ts) instead of the payments.
   */
  deliveredAsNone?: boolean;
};

/** Where a page ended: its last payment's creation time and id. */
export type RegistryCursor = { createdAt: Date; id: bigint };
export const cursorOf = (p: Payment): RegistryCursor => ({ createdAt: p.createdAt, id: p.id });

export type NoticeFacts = { notice: NoticeState; attempts: number; deliveredAt: Date | null };
export type RegistryEntry = { payment: Payment; notice: NoticeFacts };

type Eb = ExpressionBuilder<DB, 'payments'>;

const latestNotice = (channel: string, column: 'notice' | 'attempts' | 'delivered_at') =>
  sql`(select o.${sql.ref(column)} from outbox o where o.channel = ${channel} and o.ref_type = 'payment' and o.ref_id = payments.id order by o.id desc limit 1)`;

const noticeOf = (channel: string) => sql<string>`coalesce(${latestNotice(channel, 'notice')}, 'none')`;

function clauseOf(eb: Eb, channel: string, c: RegistryClause): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [eb('payments.status', 'in', [...c.states])];
  if (c.refundInFlight !== undefined)
    parts.push(eb('payments.refund_reserved_minor', c.refundInFlight ? '>' : '=', 0n));
  if (c.notices !== undefined) parts.push(eb(noticeOf(channel), 'in', [...c.notices]));
  return eb.and(parts);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function filtered(deps: EngineDeps, q: RegistryQuery) {
  let query = deps.database.db.selectFrom('payments').where('payments.merchant_id', '=', q.merchantId);
  if (q.paymentId !== undefined) query = query.where('payments.id', '=', q.paymentId);
  if (q.from) query = query.where('payments.created_at', '>=', BigInt(q.from.getTime()));
  if (q.to) query = query.where('payments.created_at', '<', BigInt(q.to.getTime()));
  if (q.after)
    query = query.where(
      sql<boolean>`(payments.created_at, payments.id) < (${BigInt(q.after.createdAt.getTime())}, ${q.after.id})`,
    );
  if (q.serviceIds !== null) {
    const ids = [...q.serviceIds];
    query =
      ids.length === 0 ? query.where(sql<boolean>`1 = 0`) : query.where('payments.service_id', 'in', ids);
  }
  if (q.clauses !== null) {
    const clauses = q.clauses;
    query =
      clauses.length === 0
        ? query.where(sql<boolean>`1 = 0`)
        : query.where((eb) => eb.or(clauses.map((c) => clauseOf(eb, q.channel, c))));
  }
  const term = q.search?.trim();
  if (term) {
    const like = `%${escapeLike(term)}%`;
    query = query.where((eb) =>
      eb.or([
        ...(/^[0-9]{1,18}$/.test(term) ? [eb('payments.id', '=', BigInt(term))] : []),
        eb('payments.external_id', '=', term),
        eb(sql`payments.customer`, 'like', sql`${like} escape '\\'`),
      ]),
    );
  }
  return query;
}

/** A page of the registry, newest first. */
export async function listRegistry(deps: EngineDeps, q: RegistryQuery): Promise<RegistryEntry[]> {
  const limit = Math.min(Math.max(q.limit ?? limits.pageSizeMax, 0), limits.pageSizeMax);
  if (limit === 0) return [];
  const rows = await filtered(deps, q)
    .selectAll('payments')
    .select([
      noticeOf(q.channel).as('informer_notice'),
      latestNotice(q.channel, 'attempts').as('informer_attempts'),
      latestNotice(q.channel, 'delivered_at').as('informer_delivered_at'),
    ])
    .orderBy('payments.created_at', 'desc')
    .orderBy('payments.id', 'desc')
    .limit(limit)
    .offset(Math.max(q.offset ?? 0, 0))
    .execute();
  return rows.map((row) => {
    const { informer_notice, informer_attempts, informer_delivered_at, ...payment } = row;
    const notice = (noticeStates as readonly string[]).includes(informer_notice)
      ? (informer_notice as NoticeState)
      : 'none';
    return {
      payment: toPayment(payment),
      notice: {
        notice,
        attempts: informer_attempts === null ? 0 : Number(informer_attempts),
        deliveredAt: informer_delivered_at === null ? null : new Date(Number(informer_delivered_at)),
      },
    };
  });
}

export type RegistryCount = {
  status: PaymentStatus;
  refundInFlight: boolean;
  notice: NoticeState;
  serviceId: bigint | null;
  count: bigint;
};

const bucketKey = (status: string, inFlight: boolean, serviceId: bigint | null) =>
  `${status}|${inFlight ? 1 : 0}|${serviceId ?? ''}`;

const matchesAny = (clauses: readonly RegistryClause[], c: RegistryCount) =>
  clauses.some(
    (k) =>
      k.states.includes(c.status) &&
      (k.refundInFlight === undefined || k.refundInFlight === c.refundInFlight) &&
      (k.notices === undefined || k.notices.includes(c.notice)),
  );

/**
 * The registry's counts by state, refund in flight, notification state and service.
 *
 * Counted in two reads rather than one with the notification looked up per payment (which at
 * millions of payments costs a lookup in the outbox each): every payment of the period by
 * state, refund in flight and service, answered from the registry index alone
 * (0016_registry_at_scale); then only the payments that have a notification on the channel,
 * by their latest row's state. Those move from `none` to their state. The state filter is a
 * disjunction over the same four facts, so it is applied to the buckets, exactly; the SQL
 * only narrows the states read.
 */
export async function countRegistry(
  deps: EngineDeps,
  q: Omit<RegistryQuery, 'offset' | 'limit' | 'after'>,
): Promise<RegistryCount[]> {
  if (q.clauses !== null && q.clauses.length === 0) return [];
  if (q.serviceIds !== null && q.serviceIds.length === 0) return [];
  if (q.deliveredAsNone && q.from && q.to && !q.search?.trim() && q.paymentId === undefined) {
    const days = await countWholeDays(deps, {
      merchantId: q.merchantId,
      channel: q.channel,
      from: q.from,
      to: q.to,
    });
    if (days !== null) {
      const services = q.serviceIds === null ? null : new Set(q.serviceIds);
      const counts = days.filter(
        (c) => services === null || (c.serviceId !== null && services.has(c.serviceId)),
      );
      return q.clauses === null ? counts : counts.filter((c) => matchesAny(q.clauses!, c));
    }
  }
  const states = q.clauses === null ? null : [...new Set(q.clauses.flatMap((c) => c.states))];
  const narrowed: RegistryQuery = { ...q, clauses: states === null ? null : [{ states }] };
  const inFlight = sql<number>`case when payments.refund_reserved_minor > 0 then 1 else 0 end`;
  const base = await filtered(deps, narrowed)
    .select([
      'payments.status',
      inFlight.as('in_flight'),
      'payments.service_id',
      sql<bigint>`count(*)`.as('count'),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`])
    .execute();
  const noticed = await filtered(deps, narrowed)
    .innerJoin('outbox as o', (join) =>
      join
        .onRef('o.ref_id', '=', 'payments.id')
        .on('o.channel', '=', q.channel)
        .on('o.ref_type', '=', 'payment'),
    )
    .where(
      'o.id',
      '=',
      sql<bigint>`(select max(l.id) from outbox l where l.channel = o.channel and l.ref_type = 'payment' and l.ref_id = o.ref_id)`,
    )
    .where(
      'o.notice',
      'in',
      noticeStates.filter((n) => n !== 'none'),
    )
    .select([
      'payments.status',
      inFlight.as('in_flight'),
      'payments.service_id',
      'o.notice',
      sql<bigint>`count(*)`.as('count'),
    ])
    .groupBy([sql`1`, sql`2`, sql`3`, sql`4`])
    .execute();
  const buckets = new Map<string, RegistryCount>();
  const bucket = (
    status: PaymentStatus,
    inFlightFlag: boolean,
    serviceId: bigint | null,
    notice: NoticeState,
  ) => {
    const key = `${bucketKey(status, inFlightFlag, serviceId)}|${notice}`;
    let found = buckets.get(key);
    if (!found) {
      found = { status, refundInFlight: inFlightFlag, notice, serviceId, count: 0n };
      buckets.set(key, found);
    }
    return found;
  };
  for (const r of base)
    bucket(r.status, Number(r.in_flight) === 1, r.service_id, 'none').count += BigInt(r.count);
  for (const r of noticed) {
    const flag = Number(r.in_flight) === 1;
    const moved = BigInt(r.count);
    bucket(r.status, flag, r.service_id, 'none').count -= moved;
    bucket(r.status, flag, r.service_id, r.notice as NoticeState).count += moved;
  }
  const counts = [...buckets.values()].filter((c) => c.count > 0n);
  for (const c of buckets.values()) assert(c.count >= 0n, 'a notified payment is counted among the payments');
  return q.clauses === null ? counts : counts.filter((c) => matchesAny(q.clauses!, c));
}

/** One payment of a merchant with its notification state on `channel`. */
export async function getRegistryEntry(
  deps: EngineDeps,
  q: { merchantId: bigint; channel: string; paymentId: bigint },
): Promise<RegistryEntry | null> {
  const [entry] = await listRegistry(deps, { ...q, clauses: null, serviceIds: null, limit: 1 });
  return entry ?? null;
}

export type NoticeSum = { system: string; currency: string; notice: NoticeState; amountMinor: bigint };

/**
 * What is paid and not yet confirmed (`queued`) or never confirmed (`exhausted`) on a channel,
 * for payments created in a period, by system and currency: read from the outbox rows in
 * those states (few: a confirmed notification leaves them), never by scanning payments.
 */
export async function noticeSums(
  deps: EngineDeps,
  q: { merchantId: bigint; channel: string; from: Date; to: Date },
): Promise<NoticeSum[]> {
  const rows = await deps.database.db
    .selectFrom('outbox as o')
    .innerJoin('payments as p', 'p.id', 'o.ref_id')
    .select([
      'p.system',
      'p.currency',
      'o.notice',
      sql<bigint>`sum(p.captured_minor - p.refunded_minor)`.as('amount_minor'),
    ])
    .where('o.notice', 'in', ['queued', 'exhausted'])
    .where('o.channel', '=', q.channel)
    .where('o.ref_type', '=', 'payment')
    .where('o.merchant_id', '=', q.merchantId)
    .where('p.merchant_id', '=', q.merchantId)
    .where('p.created_at', '>=', BigInt(q.from.getTime()))
    .where('p.created_at', '<', BigInt(q.to.getTime()))
    // the payment's latest row on the channel is its state
    .where(
      'o.id',
      '=',
      sql<bigint>`(select max(l.id) from outbox l where l.channel = o.channel and l.ref_type = 'payment' and l.ref_id = o.ref_id)`,
    )
    .groupBy(['p.system', 'p.currency', 'o.notice'])
    .execute();
  return rows.map((r) => ({
    system: r.system,
    currency: r.currency,
    notice: r.notice as NoticeState,
    amountMinor: BigInt(r.amount_minor),
  }));
}

export type DeclineCount = { reason: string; count: bigint };

/** Declined payments of a period by the bank's reason (the index on merchant and creation bounds it). */
export async function declineCounts(
  deps: EngineDeps,
  q: { merchantId: bigint; from: Date; to: Date },
): Promise<DeclineCount[]> {
  const rows = await deps.database.db
    .selectFrom('payments')
    .select(['decline_reason', sql<bigint>`count(*)`.as('count')])
    .where('merchant_id', '=', q.merchantId)
    .where('created_at', '>=', BigInt(q.from.getTime()))
    .where('created_at', '<', BigInt(q.to.getTime()))
    .where('decline_reason', 'is not', null)
    .groupBy('decline_reason')
    .orderBy('decline_reason')
    .execute();
  return rows.map((r) => ({ reason: r.decline_reason ?? '', count: BigInt(r.count) }));
}
