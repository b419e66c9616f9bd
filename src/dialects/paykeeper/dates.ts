import { fail, ok, type Result } from '../../domain/result.ts';

/**
 * PayKeeper's clock is Moscow's: every datetime on the wire is `YYYY-MM-DD HH:MM:SS` in
 * Europe/Moscow, and date filters are Moscow calendar days. Intl carries the zone's history
 * (UTC+3 today, UTC+4 in 2011–2014, summer time before), so no date library is needed.
 */
export const pkTimeZone = 'Europe/Moscow';

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: pkTimeZone,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

type Wall = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function wallOf(at: Date): Wall {
  const found = parts.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(found.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant → `"2014-05-14 15:59:00"` Moscow time (milliseconds are dropped, not rounded). */
export function printPkDatetime(at: Date): string {
  const w = wallOf(at);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** An instant → its Moscow calendar day `"2014-05-14"`. */
export const printPkDay = (at: Date): string => printPkDatetime(at).slice(0, 10);

const wallUtcMs = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/**
 * The instant at which Moscow's clocks showed this wall time. The zone's offset at a guess
 * is applied and checked once more, which settles any offset the zone ever had. Before 2011
 * (summer time) a spring wall time that never showed reads an hour later, and an autumn one
 * shown twice reads as its second showing; since 2011 every wall time is one instant.
 */
function instantOfWall(w: Wall): Date {
  const target = wallUtcMs(w);
  let guess = target - 3 * 3600_000;
  for (let i = 0; i < 2; i++) guess += target - wallUtcMs(wallOf(new Date(guess)));
  return new Date(guess);
}

const datetimeText = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

/** A real calendar date and clock time, checked without trusting Date's rollover. */
function wallFrom(match: RegExpExecArray): Wall | null {
  const [year, month, day, hour, minute, second] = match
    .slice(1)
    .map((s) => (s === undefined ? 0 : Number(s))) as [number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return { year, month, day, hour, minute, second };
}

/** `YYYY-MM-DD HH:MM:SS` (Moscow) → the instant; anything else, or a date that does not exist, is null. */
export function parsePkDatetime(text: string): Date | null {
  const match = datetimeText.exec(text);
  if (!match || match[4] === undefined) return null;
  const wall = wallFrom(match);
  return wall ? instantOfWall(wall) : null;
}

/** `YYYY-MM-DD`, a real date: a filter's `start`/`end`, kept as the Moscow day it names. */
export function parsePkDay(text: string): string | null {
  const match = datetimeText.exec(text);
  if (!match || match[4] !== undefined) return null;
  return wallFrom(match) ? text : null;
}

/** The instant a Moscow calendar day begins. */
export function startOfPkDay(day: string): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return instantOfWall({ year, month, day: date, hour: 0, minute: 0, second: 0 });
}

export type ExpiryProblem = 'not_a_date' | 'in_the_past';

/**
 * An invoice's `expiry`: `YYYY-MM-DD` ("не включительно": the invoice is payable until that
 * day begins in Moscow, which is why the spec's example shows `expiry_datetime` at
 * `00:00:00`) or a full `YYYY-MM-DD HH:MM:SS` Moscow datetime. It must lie ahead of `now`.
 */
export function parsePkExpiry(text: string, now: Date): Result<Date, ExpiryProblem> {
  const trimmed = text.trim();
  const day = parsePkDay(trimmed);
  const at = day !== null ? startOfPkDay(day) : parsePkDatetime(trimmed);
  if (at === null) return fail('not_a_date');
  if (at.getTime() <= now.getTime()) return fail('in_the_past');
  return ok(at);
}
