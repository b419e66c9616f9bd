import { fail, ok, type Result } from '../../domain/result.ts';
import { parsePkDay, startOfPkDay } from './dates.ts';

/**
 * The points of `/info/systems/sums/details/` (spec 1.3) from per-day totals: one point per
 * day for a period of up to 30 days; beyond that the days are gathered into 30 intervals of
 * (nearly) equal length, each point holding the volume taken in its interval. A point's time
 * is the Moscow midnight its interval begins at, in milliseconds (what the spec's example
 * carries, whatever its table says). Days without payments are points of zero, so a chart
 * has no gaps.
 */
export const chartPointsMax = 30;
/** Longest period charted: ten years of days, read from the daily aggregates only. */
export const chartDaysMax = 3660;

export type ChartPoint = { atMs: number; amountMinor: bigint };
export type ChartProblem = 'not_a_day' | 'end_before_start' | 'period_too_long';

const dayMs = 24 * 60 * 60 * 1000;
const utcOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
const dayAt = (utcMs: number) => new Date(utcMs).toISOString().slice(0, 10);

/** Calendar days from `start` to `end`, both included. */
export function daysOf(start: string, end: string): Result<string[], ChartProblem> {
  if (parsePkDay(start) === null || parsePkDay(end) === null) return fail('not_a_day');
  const first = utcOf(start);
  const count = Math.round((utcOf(end) - first) / dayMs) + 1;
  if (count < 1) return fail('end_before_start');
  if (count > chartDaysMax) return fail('period_too_long');
  return ok(Array.from({ length: count }, (_, i) => dayAt(first + i * dayMs)));
}

export function chartPoints(
  start: string,
  end: string,
  amountMinorByDay: ReadonlyMap<string, bigint>,
): Result<ChartPoint[], ChartProblem> {
  const days = daysOf(start, end);
  if (!days.ok) return days;
  const all = days.value;
  const buckets = Math.min(all.length, chartPointsMax);
  const points: ChartPoint[] = [];
  for (let i = 0; i < buckets; i++) {
    // integer bounds: every day falls in exactly one interval, lengths differ by at most one
    const from = Math.floor((i * all.length) / buckets);
    const to = Math.floor(((i + 1) * all.length) / buckets);
    let amountMinor = 0n;
    for (const day of all.slice(from, to)) amountMinor += amountMinorByDay.get(day) ?? 0n;
    points.push({ atMs: startOfPkDay(all[from] as string).getTime(), amountMinor });
  }
  return ok(points);
}
