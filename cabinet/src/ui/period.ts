import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { Period } from '../api/paykeeper.ts';

/**
 * Periods are Moscow calendar days (`YYYY-MM-DD`, both ends included), as PayKeeper's API
 * counts them. A tab keeps its period in the address (`?start=&end=`), so a reload or a
 * shared link shows the same thing.
 */

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(text: string | null | undefined): text is string {
  if (!text || !dayPattern.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Today in Moscow, whatever the browser's time zone. */
export function moscowToday(now = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Moscow',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** `day` moved by `days` calendar days. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export const presets = { today: 1, week: 7, month: 30, quarter: 90, year: 365 } as const;
export type Preset = keyof typeof presets;

/** The last `days` days up to today. */
export const lastDays = (days: number, today = moscowToday()): Period => ({
  start: addDays(today, 1 - days),
  end: today,
});

export const defaultPeriod = (): Period => lastDays(presets.month);

/** The period in the address, or the default (last 30 days) when absent or malformed. */
export function usePeriod(): [Period, (period: Period) => void] {
  const [params, setParams] = useSearchParams();
  const start = params.get('start');
  const end = params.get('end');
  const period = useMemo(() => {
    if (isDay(start) && isDay(end) && start <= end) return { start, end };
    return defaultPeriod();
  }, [start, end]);
  const setPeriod = useCallback(
    (next: Period) =>
      setParams(
        (current) => {
          const updated = new URLSearchParams(current);
          updated.set('start', next.start);
          updated.set('end', next.end);
          return updated;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [period, setPeriod];
}
