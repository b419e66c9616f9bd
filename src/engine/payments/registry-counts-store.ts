import { sql } from 'kysely';
import type { PaymentStatus } from '../../domain/states.ts';
import type { EngineDeps } from '../context.ts';
import { dayIn } from '../stats/store.ts';

/**
 * The registry's counts of whole days from the daily aggregates (issue 13): a month of a busy
 * merchant is a few thousand `daily_stats` rows instead of a million payments. `daily_stats`
 * counts payments by creation day, state, method and currency; the registry counts them by
 * state, payment system (service), refund in flight and notification state. Three facts
 * bridge the two:
 *
 * - the period is whole days of the statistics' calendar (PayKeeper's days are Moscow's, the
 *   statistics' default zone), so the days hold exactly the period's payments;
 * - the merchant's pay services have one service per method and currency (the catalogue every
 *   merchant starts with), so a bucket's method and currency name its service, and a method
 *   and currency without one are the payments without a service;
 * - few payments have a refund in flight or an unconfirmed notification (`queued`,
 *   `exhausted`): they are read one by one (partial index `refunds_in_flight`, `outbox_due`)
 *   and moved out of their bucket. A confirmed notification (`delivered`) is counted as
 *   `none`, which the caller asks for by `deliveredAsNone` (for PayKeeper both are `success`).
 *
 * When any of these does not hold, the caller counts payments (registry.ts).
 */

export type DayCountFacts = {
  status: PaymentStatus;
  refundInFlight: boolean;
  notice: 'none' | 'queued' | 'exhausted';
  serviceId: bigint | null;
  count: bigint;
};

/** The instant starts a day of the zone (to the millisecond). */
const startsDay = (timeZone: string, at: Date) =>
  dayIn(timeZone, new Date(at.getTime() - 1)) !== dayIn(timeZone, at);

export async function countWholeDays(
  deps: EngineDeps,
  q: { merchantId: bigint; channel: string; from: Date; to: Date },
): Promise<DayCountFacts[] | null> {
  const timeZone = deps.config.statsTimeZone;
  if (!startsDay(timeZone, q.from) || !startsDay(timeZone, q.to) || q.to <= q.from) return null;
  const { db } = deps.database;
  const services = await db
    .selectFrom('services')
    .select(['id', 'method', 'currency'])
    .where('merchant_id', '=', q.merchantId)
    .where('kind', '=', 'pay')
    .execute();
  const serviceOf = new Map<string, bigint>();
  for (const s of services) {
    const key = `${s.method}|${s.currency}`;
    if (serviceOf.has(key)) return null; // two services of one method and currency
    serviceOf.set(key, s.id);
  }
  const fromDay = dayIn(timeZone, q.from);
  const lastDay = dayIn(timeZone, new Date(q.to.getTime() - 1));
  const days = await db
    .selectFrom('daily_stats')
    .select(['system', 'currency', 'status', sql<bigint>`sum(count)`.as('count')])
    .where('merchant_id', '=', q.merchantId)
    .where('day', '>=', fromDay)
    .where('day', '<=', lastDay)
    .groupBy(['system', 'currency', 'status'])
    .execute();
  const buckets = new Map<string, DayCountFacts>();
  const bucket = (f: Omit<DayCountFacts, 'count'>) => {
    const key = `${f.status}|${f.refundInFlight}|${f.notice}|${f.serviceId ?? ''}`;
    let found = buckets.get(key);
    if (!found) {
      found = { ...f, count: 0n };
      buckets.set(key, found);
    }
    return found;
  };
  for (const d of days)
    bucket({
      status: d.status as PaymentStatus,
      refundInFlight: false,
      notice: 'none',
      serviceId: serviceOf.get(`${d.system}|${d.currency}`) ?? null,
    }).count += BigInt(d.count);

  // the exceptions, one row each: a refund in flight, or a notification not confirmed; found
  // from their own side (few rows, by partial index and by notice), then kept if in the period
  const flying = await db
    .selectFrom('refunds')
    .select('payment_id as id')
    .distinct()
    .where('merchant_id', '=', q.merchantId)
    .where(sql<boolean>`status in ('pending', 'unknown')`)
    .execute();
  const unconfirmed = await db
    .selectFrom('outbox')
    .select('ref_id as id')
    .distinct()
    .where('notice', 'in', ['queued', 'exhausted'])
    .where('channel', '=', q.channel)
    .where('ref_type', '=', 'payment')
    .where('merchant_id', '=', q.merchantId)
    .execute();
  const ids = [...new Set([...flying, ...unconfirmed].map((r) => r.id))];
  const chunk = 500;
  for (let i = 0; i < ids.length; i += chunk) {
    const rows = await db
      .selectFrom('payments')
      .select([
        'status',
        'service_id',
        'system',
        'currency',
        'refund_reserved_minor',
        sql<
          string | null
        >`(select o.notice from outbox o where o.channel = ${q.channel} and o.ref_type = 'payment' and o.ref_id = payments.id order by o.id desc limit 1)`.as(
          'notice',
        ),
      ])
      .where('id', 'in', ids.slice(i, i + chunk))
      .where('merchant_id', '=', q.merchantId)
      .where('created_at', '>=', BigInt(q.from.getTime()))
      .where('created_at', '<', BigInt(q.to.getTime()))
      .execute();
    for (const r of rows) {
      const notice = r.notice === 'queued' || r.notice === 'exhausted' ? r.notice : 'none';
      const refundInFlight = r.refund_reserved_minor > 0n;
      if (notice === 'none' && !refundInFlight) continue;
      const serviceId = serviceOf.get(`${r.system}|${r.currency}`) ?? null;
      // a payment whose service the aggregates cannot name: count payments instead
      if (serviceId !== r.service_id) return null;
      bucket({ status: r.status, refundInFlight: false, notice: 'none', serviceId }).count -= 1n;
      bucket({ status: r.status, refundInFlight, notice, serviceId }).count += 1n;
    }
  }
  const counts = [...buckets.values()];
  // the aggregates disagree with the payments (a bug, or a rebuild needed): count payments
  if (counts.some((c) => c.count < 0n)) return null;
  return counts.filter((c) => c.count > 0n);
}
