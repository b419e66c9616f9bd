import { type ChartProblem, chartDaysMax, daysOf } from './chart.ts';
import { startOfPkDay } from './dates.ts';
import { fieldFail, fieldProblemFail, pkFieldTexts } from './errors.ts';
import {
  isPkPaymentStatus,
  type PkPaymentStatus,
  parsePkId,
  parsePkPage,
  parseStatusFilter,
  pkPaymentStatuses,
} from './map.ts';
import { failWith, textParam } from './route.ts';

/**
 * Request parameters as routes need them, each failing in PayKeeper's words with the field
 * named: ids, periods of Moscow days, paging, the `status[]` and `payment_system_id[]` filters.
 */

type Params = Record<string, unknown>;

/** `?id=`: a positive id below 2^63. */
export function idParam(params: Params, name = 'id'): bigint {
  const text = textParam(params, name);
  if (text === undefined || text === '') return failWith(fieldProblemFail(name, 'required'));
  return parsePkId(text.trim()) ?? failWith(fieldProblemFail(name, 'not_an_id'));
}

export type Period = { fromDay: string; toDay: string; from: Date; to: Date };

const periodTexts: Record<Exclude<ChartProblem, 'not_a_day'>, string> = {
  end_before_start: 'Дата конца периода раньше даты начала.',
  period_too_long: `Период не может быть длиннее ${chartDaysMax} дней.`,
};

/** `start`/`end` (YYYY-MM-DD, both days included) → the days and the instants [from, to). */
export function periodParam(params: Params, names = { start: 'start', end: 'end' }): Period {
  const fromDay = (textParam(params, names.start) ?? '').trim();
  const toDay = (textParam(params, names.end) ?? '').trim();
  for (const [name, value] of [
    [names.start, fromDay],
    [names.end, toDay],
  ] as const) {
    if (value === '') failWith(fieldProblemFail(name, 'required'));
  }
  const days = daysOf(fromDay, toDay);
  if (!days.ok) {
    if (days.error === 'not_a_day') {
      const bad = daysOf(fromDay, fromDay).ok ? names.end : names.start;
      return failWith(fieldProblemFail(bad, 'not_a_day'));
    }
    return failWith(fieldFail(names.end, periodTexts[days.error]));
  }
  const last = days.value[days.value.length - 1] as string;
  const next = new Date(Date.parse(`${last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { fromDay, toDay, from: startOfPkDay(fromDay), to: startOfPkDay(next) };
}

/** `from`/`limit`, required where the spec says so. */
export function pageParam(params: Params, required: boolean): { offset: number; limit: number } {
  const page = parsePkPage({ from: textParam(params, 'from'), limit: textParam(params, 'limit') }, required);
  if (!page.ok) return failWith(fieldProblemFail(page.error.field, page.error.problem));
  return page.value;
}

/** A PHP array parameter's values (`a[]=x`, `a[0]=x`); a plain value counts as one; absent is null. */
export function listParam(params: Params, name: string): string[] | null {
  const value = params[name];
  if (value === undefined) return null;
  if (typeof value === 'string') return value === '' ? [] : [value];
  const values = Array.isArray(value) ? value : Object.values(value as object);
  if (values.some((v) => typeof v !== 'string')) return failWith(fieldFail(name, pkFieldTexts.not_a_status));
  return (values as string[]).filter((v) => v !== '');
}

/** `status[]`: the statuses of Appendix 1; absent is null. */
export function statusesParam(params: Params): PkPaymentStatus[] | null {
  const values = listParam(params, 'status');
  if (values === null) return null;
  const parsed = parseStatusFilter(values, pkPaymentStatuses);
  if (!parsed.ok) return failWith(fieldProblemFail('status', 'not_a_status'));
  return parsed.value.filter(isPkPaymentStatus);
}

/** `payment_system_id[]`: ids; absent is null. */
export function systemsParam(params: Params): bigint[] | null {
  const values = listParam(params, 'payment_system_id');
  if (values === null) return null;
  return values.map(
    (v) => parsePkId(v.trim()) ?? failWith(fieldProblemFail('payment_system_id', 'not_an_id')),
  );
}
