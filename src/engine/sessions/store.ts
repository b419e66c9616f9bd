import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Database } from '../../store/database.ts';
import type { CabinetSessionTable } from '../../store/schema.ts';
import { credentialStamp, refundRightsOf } from '../merchants/user-store.ts';
import { credentialStampOf } from '../merchants/view.ts';
import type { SessionHolder, SessionRow, Visit } from './view.ts';

/** The only form of a session token that is stored or looked up. */
export const tokenHashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The holder of a session as the database has them now, with their current stamp: a cabinet
 * user of `merchantId`, or the merchant's PayKeeper credential of `login`. Null when the user
 * or the credential is gone (or belongs to another merchant).
 */
export async function currentHolder(
  database: Database,
  merchantId: bigint,
  userId: bigint | null,
  login: string,
): Promise<{ holder: SessionHolder; stamp: string } | null> {
  if (userId !== null) {
    const row = await database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .where('merchant_id', '=', merchantId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    const stamp = credentialStamp(row);
    return {
      stamp,
      holder: {
        kind: 'user',
        userId: row.id,
        login: row.login,
        role: row.role,
        refunds: refundRightsOf(row),
        stamp,
        visitAt: row.visit_at === null ? null : new Date(Number(row.visit_at)),
      },
    };
  }
  const row = await database.db
    .selectFrom('credentials')
    .select(['login', 'verifier'])
    .where('merchant_id', '=', merchantId)
    .where('dialect', '=', 'paykeeper')
    .where('login', '=', login)
    .executeTakeFirst();
  return row ? { stamp: credentialStampOf(row), holder: { kind: 'credential', login: row.login } } : null;
}

/** The newest earlier session of the same holder: its login time and address. */
export async function latestVisit(
  database: Database,
  merchantId: bigint,
  userId: bigint | null,
  login: string,
): Promise<Visit | null> {
  let query = database.db
    .selectFrom('cabinet_sessions')
    .select(['created_at', 'ip'])
    .where('merchant_id', '=', merchantId)
    .where('login', '=', login);
  query = userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', userId);
  const row = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? { at: new Date(Number(row.created_at)), ip: row.ip } : null;
}

export async function insertSession(
  database: Database,
  values: Insertable<CabinetSessionTable>,
): Promise<SessionRow> {
  return database.db.insertInto('cabinet_sessions').values(values).returningAll().executeTakeFirstOrThrow();
}

/** A live-looking session by its token's hash (not revoked; the caller checks the times). */
export async function findSession(database: Database, tokenHash: string): Promise<SessionRow | null> {
  const row = await database.db
    .selectFrom('cabinet_sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ?? null;
}

export async function touchSession(database: Database, id: bigint, now: number): Promise<void> {
  await database.db
    .updateTable('cabinet_sessions')
    .set({ last_seen_at: now })
    .where('id', '=', id)
    .where('last_seen_at', '<', BigInt(now))
    .execute();
}

export async function revokeSession(database: Database, id: bigint, now: number): Promise<boolean> {
  const result = await database.db
    .updateTable('cabinet_sessions')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Drops sessions that ended before `before`, except each holder's newest (the last-visit
 * line reads it however long ago that was).
 */
export async function deleteEndedSessions(database: Database, before: number): Promise<number> {
  const result = await database.db
    .deleteFrom('cabinet_sessions as s')
    .where('s.expires_at', '<', BigInt(before))
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('cabinet_sessions as n')
          .select('n.id')
          .whereRef('n.merchant_id', '=', 's.merchant_id')
          .whereRef('n.login', '=', 's.login')
          .whereRef('n.created_at', '>', 's.created_at'),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
