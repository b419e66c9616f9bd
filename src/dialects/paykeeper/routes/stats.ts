import type { Service } from '../../../engine/merchants/view.ts';
import { ExactNumber } from '../../kit/json.ts';
import { pkAmount } from '../amounts.ts';
import { informerChannel } from '../channels.ts';
import { chartPoints } from '../chart.ts';
import { declineDescriptionOf, pkCurrency, siteDescriptionOf } from '../map.ts';
import { type Period, periodParam } from '../params.ts';
import type { PkCall, PkHandler, PkRoute } from '../route.ts';

/**
 * Statistics (spec 1.1–1.4, COMPAT.md errors/total), from the per-day aggregates (engine
 * `statistics` over daily_stats) and the informer's unconfirmed notifications, never by
 * scanning payments. A payment system is a pay service of the merchant; its money is
 * `account` = captured − refunded, of which `stuck` never got the merchant's confirmation,
 * and `success` = account − stuck − what still waits for it (PayKeeper's `obtained`).
 */

type Sums = { success: bigint; account: bigint; stuck: bigint };

const payServices = async (call: PkCall) =>
  (await call.host.engine.listServices(call.merchant.id)).filter((s) => s.kind === 'pay');

/** The service a daily_stats row (method, currency) belongs to. */
const keyOf = (system: string, currency: string) => `${system}/${currency}`;
const serviceKey = (s: Service) => keyOf(s.method, s.currency);

const names = (s: Service) => ({
  id: s.id.toString(),
  system_description: s.code,
  site_description: siteDescriptionOf(s.method),
});

async function sumsBySystem(call: PkCall, period: Period): Promise<Map<string, Sums>> {
  const { engine } = call.host;
  const merchantId = call.merchant.id;
  const [rows, waiting] = await Promise.all([
    engine.statistics({ merchantId, fromDay: period.fromDay, toDay: period.toDay }, false),
    engine.noticeSums({ merchantId, channel: informerChannel, from: period.from, to: period.to }),
  ]);
  const sums = new Map<string, Sums>();
  const at = (key: string) => {
    const found = sums.get(key);
    if (found) return found;
    const fresh = { success: 0n, account: 0n, stuck: 0n };
    sums.set(key, fresh);
    return fresh;
  };
  for (const r of rows) {
    const s = at(keyOf(r.system, r.currency));
    s.account += r.capturedMinor - r.refundedMinor;
    s.success += r.capturedMinor - r.refundedMinor;
  }
  for (const w of waiting) {
    const s = at(keyOf(w.system, w.currency));
    s.success -= w.amountMinor;
    if (w.notice === 'exhausted') s.stuck += w.amountMinor;
  }
  return sums;
}

const zero: Sums = { success: 0n, account: 0n, stuck: 0n };
const printed = (s: Sums) => ({
  success: pkAmount.print(s.success),
  account: pkAmount.print(s.account),
  stuck: pkAmount.print(s.stuck),
});

const list: PkHandler = async (call) => (await payServices(call)).map(names);

const sums: PkHandler = async (call) => {
  const period = periodParam(call.params);
  const [services, bySystem] = await Promise.all([payServices(call), sumsBySystem(call, period)]);
  return services.map((s) => ({
    ...names(s),
    ...printed(bySystem.get(serviceKey(s)) ?? zero),
    currency: pkCurrency(s.currency),
  }));
};

/** 1.4: the roubles of every system (PayKeeper accounts in roubles; other currencies do not add up). */
const allsum: PkHandler = async (call) => {
  const period = periodParam(call.params);
  const total = { ...zero };
  for (const [key, s] of await sumsBySystem(call, period)) {
    if (!key.endsWith('/RUB')) continue;
    total.success += s.success;
    total.account += s.account;
    total.stuck += s.stuck;
  }
  return printed(total);
};

/** An amount in roubles as a JSON number written digit for digit (`120`, `101.5`), never a double. */
const chartNumber = (amountMinor: bigint) =>
  new ExactNumber(pkAmount.print(amountMinor).replace(/\.?0+$/, '') || '0');

/** 1.3: the volume taken (captured) per day, or over 30 intervals for a longer period (chart.ts). */
const details: PkHandler = async (call) => {
  const period = periodParam(call.params);
  const merchantId = call.merchant.id;
  const [services, rows] = await Promise.all([
    payServices(call),
    call.host.engine.statistics({ merchantId, fromDay: period.fromDay, toDay: period.toDay }, true),
  ]);
  const byService = new Map<string, Map<string, bigint>>();
  for (const r of rows) {
    const key = keyOf(r.system, r.currency);
    const days = byService.get(key) ?? new Map<string, bigint>();
    days.set(r.day, (days.get(r.day) ?? 0n) + r.capturedMinor);
    byService.set(key, days);
  }
  return services.map((s) => {
    const points = chartPoints(period.fromDay, period.toDay, byService.get(serviceKey(s)) ?? new Map());
    // periodParam has checked the period the chart reads
    const data = points.ok ? points.value.map((p) => [p.atMs, chartNumber(p.amountMinor)]) : [];
    return { payment_system_id: s.id.toString(), label: siteDescriptionOf(s.method), data };
  });
};

/** COMPAT.md: declined payments of a period by reason; no period: the last 30 days. */
const errorsTotal: PkHandler = async (call) => {
  const { params, host } = call;
  const given = params.start !== undefined || params.end !== undefined;
  const to = host.now();
  const period = given ? periodParam(params) : { from: new Date(to.getTime() - 30 * 86_400_000), to };
  const counts = await host.engine.declineCounts({ merchantId: call.merchant.id, ...period });
  const total = counts.reduce((sum, c) => sum + c.count, 0n);
  return {
    total: total.toString(),
    totalWithGroup: counts.map((c) => ({
      error_code: c.reason,
      total: c.count.toString(),
      user_description: declineDescriptionOf(c.reason),
    })),
  };
};

export const statsRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/info/systems/list/', handler: list },
  { method: 'GET', path: '/info/systems/sums/', handler: sums },
  { method: 'GET', path: '/info/systems/sums/details/', handler: details },
  { method: 'GET', path: '/info/systems/allsum/', handler: allsum },
  { method: 'GET', path: '/info/errors/total/', handler: errorsTotal },
];
