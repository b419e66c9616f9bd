import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { hashPassword } from '../../security/passwords.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineDeps } from '../context.ts';
import { credentialStamp, loginTaken, newStamp, userOf } from './user-store.ts';
import type { RefundRights, User } from './view.ts';

/**
 * A merchant's cabinet users beyond creation (PayKeeper 4.2, 4.7, 5.7, 5.8): list, change,
 * delete, and the visits 4.2 shows. Every change renews the user's credential stamp
 * (user-store.ts), so the security token and any session of the old stamp die with it.
 */

const loginPattern = /^[\w.@-]{3,64}$/;
/** How many refunds a day a user may be allowed at most (PayKeeper's `refund`). */
export const refundsPerDayMax = 1_000_000;

const checkRights = (rights: RefundRights): EngineError | null => {
  const { perDay } = rights;
  if (perDay !== null && (!Number.isSafeInteger(perDay) || perDay < 1 || perDay > refundsPerDayMax))
    return engineError('invalid_argument', { field: 'refunds_per_day', detail: `1 to ${refundsPerDayMax}` });
  return null;
};

export async function listUsers(deps: EngineDeps, merchantId: bigint): Promise<User[]> {
  const rows = await deps.database.db
    .selectFrom('users')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(userOf);
}

export type UserChange = {
  login?: string;
  password?: string;
  role?: User['role'];
  refunds?: RefundRights;
};

/**
 * Changes what is given of a merchant's user; a user of another merchant, or a deleted one,
 * is `user_not_found`. A taken login is `invalid_argument` on `login` with detail `taken`.
 */
export async function updateUser(
  deps: EngineDeps,
  merchantId: bigint,
  userId: bigint,
  change: UserChange,
): Promise<Result<User, EngineError>> {
  if (change.login !== undefined && !loginPattern.test(change.login))
    return fail(engineError('invalid_argument', { field: 'login' }));
  if (change.password !== undefined && change.password.length < 8)
    return fail(engineError('invalid_argument', { field: 'password', detail: 'at least 8 characters' }));
  const rightsProblem = change.refunds ? checkRights(change.refunds) : null;
  if (rightsProblem) return fail(rightsProblem);
  if (change.login !== undefined && (await loginTaken(deps, change.login, userId)))
    return fail(engineError('invalid_argument', { field: 'login', detail: 'taken' }));
  // hashed outside the transaction: it is slow on purpose
  const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
  const row = await deps.database.db
    .updateTable('users')
    .set({
      stamp: newStamp(),
      ...(change.login !== undefined && { login: change.login }),
      ...(passwordHash !== undefined && { password_hash: passwordHash }),
      ...(change.role !== undefined && { role: change.role }),
      ...(change.refunds !== undefined && {
        refunds_allowed: change.refunds.allowed ? 1 : 0,
        refunds_per_day: change.refunds.perDay,
      }),
    })
    .where('id', '=', userId)
    .where('merchant_id', '=', merchantId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
    .catch(async (error: unknown) => {
      // two renames to one login at once: the unique index decides
      if (change.login !== undefined && (await loginTaken(deps, change.login, userId)))
        return 'taken' as const;
      throw error;
    });
  if (row === 'taken') return fail(engineError('invalid_argument', { field: 'login', detail: 'taken' }));
  if (!row) return fail(engineError('user_not_found'));
  return ok(userOf(row));
}

/**
 * Deletes a merchant's user: the row stays (refunds and invoices name it) with `deleted_at`,
 * a new stamp, and its login renamed with its id (`#` is no login character), so the login
 * can be given to someone new.
 */
export async function deleteUser(
  deps: EngineDeps,
  merchantId: bigint,
  userId: bigint,
): Promise<Result<void, EngineError>> {
  return inTransaction(deps.database, async (trx) => {
    const row = await trx
      .selectFrom('users')
      .select(['id', 'login'])
      .where('id', '=', userId)
      .where('merchant_id', '=', merchantId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) return fail(engineError('user_not_found'));
    const { numUpdatedRows } = await trx
      .updateTable('users')
      .set({ deleted_at: deps.now().getTime(), stamp: newStamp(), login: `${row.login}#${row.id}` })
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return numUpdatedRows > 0n ? ok(undefined) : fail(engineError('user_not_found'));
  });
}

/**
 * The user's credential stamp now, or null when the user is deleted or unknown: what a
 * session or token check compares with the stamp it was issued under.
 */
export async function userStamp(deps: EngineDeps, userId: bigint): Promise<string | null> {
  const row = await deps.database.db
    .selectFrom('users')
    .select(['password_hash', 'stamp'])
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? credentialStamp(row) : null;
}

/**
 * Notes a visit: the first one at or after `dayStartMs` (the caller's day, Moscow for
 * PayKeeper) moves the day's visit to the previous one. One conditional UPDATE, so two
 * requests at once move it once; later requests of the day write nothing.
 */
export async function noteUserVisit(
  deps: EngineDeps,
  userId: bigint,
  ip: string,
  dayStartMs: number,
): Promise<void> {
  await deps.database.db
    .updateTable('users')
    .set((eb) => ({
      prev_visit_at: eb.ref('visit_at'),
      prev_visit_ip: eb.ref('visit_ip'),
      visit_at: deps.now().getTime(),
      visit_ip: ip.slice(0, 64),
    }))
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('visit_at', 'is', null), eb('visit_at', '<', BigInt(dayStartMs))]))
    .execute();
}

export type Visit = { at: Date; ip: string };

/** The visit before today's (4.2), or null when there was none. */
export async function lastVisit(deps: EngineDeps, userId: bigint): Promise<Visit | null> {
  const row = await deps.database.db
    .selectFrom('users')
    .select(['prev_visit_at', 'prev_visit_ip'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row || row.prev_visit_at === null) return null;
  return { at: new Date(Number(row.prev_visit_at)), ip: row.prev_visit_ip ?? '' };
}
