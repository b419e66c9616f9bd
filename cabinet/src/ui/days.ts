/**
 * Periods are Moscow calendar days (`YYYY-MM-DD`, both ends included), as PayKeeper's API
 * counts them. Plain functions, no React: the server's tests import them too.
 */

/** A period of days, both ends included (api/paykeeper.ts's Period). */
export type Days = { start: string; end: string };

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
export const lastDays = (days: number, today = moscowToday()): Days => ({
  start: addDays(today, 1 - days),
  end: today,
});

export const defaultPeriod = (): Days => lastDays(presets.month);
