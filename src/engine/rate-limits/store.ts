import { sql } from 'kysely';
import type { Database } from '../../store/database.ts';

/**
 * Request counters in the database, so every process of one gateway counts against the same
 * limit (in memory, N processes allowed N times the limit). Fixed windows: one row per key
 * and window, incremented by one atomic upsert, whose answer is the count after this hit.
 */
export async function incrementCounter(
  database: Database,
  key: string,
  windowStart: number,
  expiresAt: number,
): Promise<number> {
  const row = await database.db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart, hits: 1, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ hits: sql`rate_limits.hits + 1` }))
    .returning('hits')
    .executeTakeFirstOrThrow();
  return Number(row.hits);
}

/** Drops the rows of windows that have ended. */
export async function deleteEndedWindows(database: Database, now: number): Promise<number> {
  const result = await database.db
    .deleteFrom('rate_limits')
    .where('expires_at', '<=', BigInt(now))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
