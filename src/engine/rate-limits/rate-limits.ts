import type { EngineDeps } from '../context.ts';
import { deleteEndedWindows, incrementCounter } from './store.ts';

/** One request counted against `key`: how many in its window so far, and when the window ends. */
export type Hit = { hits: number; resetInMs: number };

/**
 * Counts one request against `key` in the current fixed window of `windowMs`, shared by every
 * process on the database; the caller compares `hits` with its limit. Keys are the caller's
 * (`paymega:ip:…`, `pages:/pay/:publicId:…`).
 */
export async function hitRateLimit(deps: EngineDeps, q: { key: string; windowMs: number }): Promise<Hit> {
  const now = deps.now().getTime();
  const windowMs = Math.max(1, Math.trunc(q.windowMs));
  const start = now - (now % windowMs);
  const hits = await incrementCounter(deps.database, q.key.slice(0, 500), start, start + windowMs);
  return { hits, resetInMs: start + windowMs - now };
}

/** The janitor's part: counters of windows that have ended. */
export const pruneRateLimits = (deps: EngineDeps): Promise<number> =>
  deleteEndedWindows(deps.database, deps.now().getTime());
