import { limits } from '../domain/limits.ts';
import type { Database, Tx } from './database.ts';

/** PostgreSQL serialization failure / deadlock, SQLite busy: the whole transaction may run again. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** A unique index said no: the row another request inserted first is the answer. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Runs `work` in one transaction: everything it writes commits together or not at all.
 * `work` must only touch the database, because a lost race runs it again.
 */
export async function inTransaction<T>(database: Database, work: (trx: Tx) => Promise<T>): Promise<T> {
  // SQLite's group commit runs it in a savepoint of a shared commit, and retries busy work itself.
  if (database.groupCommit) return database.groupCommit.run(work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.db.transaction().execute(work);
    } catch (error) {
      if (!isRetryable(error) || attempt >= limits.txRetriesMax) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/**
 * Thrown inside a transaction to roll it back and hand a value out: the use case can return a
 * business failure after some writes without leaving them behind.
 */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

export async function inTransactionOrRollback<T, R>(
  database: Database,
  work: (trx: Tx) => Promise<T>,
): Promise<T | R> {
  try {
    return await inTransaction(database, work);
  } catch (error) {
    if (error instanceof Rollback) return error.value as R;
    throw error;
  }
}
