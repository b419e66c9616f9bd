import type { Selectable } from 'kysely';
import type { CabinetSessionTable } from '../../store/schema.ts';

/**
 * Bounds of a cabinet session. Idle: a session unused this long is over (a forgotten tab on
 * a shared computer). Lifetime: over this long after login whatever its use, so a stolen
 * cookie is not good forever. `touchEveryMs`: last-seen is written at most this often, so a
 * busy cabinet does not write a row per request.
 */
export const sessionLimits = {
  idleMs: 30 * 60_000,
  lifetimeMs: 12 * 60 * 60_000,
  touchEveryMs: 60_000,
  /** Ended sessions are kept this long (the last-visit line reads the newest of a login anyway). */
  keepEndedMs: 180 * 24 * 60 * 60_000,
  ipChars: 64,
  userAgentChars: 500,
  /** A token is 32 random bytes in base64url (43 characters); anything longer is no token of ours. */
  tokenCharsMax: 64,
} as const;

/** Who a session speaks for, as they are now (read afresh on every use of the session). */
export type SessionHolder =
  | {
      kind: 'user';
      userId: bigint;
      login: string;
      role: 'admin' | 'operator';
      /** PayKeeper 4.7 refund rights: allowed at all, and how many a Moscow day (null: no limit). */
      refunds: { allowed: boolean; perDay: number | null };
      /** The user's credential stamp (merchants/user-store.ts credentialStamp). */
      stamp: string;
      /** This Moscow day's first visit as PayKeeper 4.2 notes it (users.visit_at), if any. */
      visitAt: Date | null;
    }
  | { kind: 'credential'; login: string };

export type Visit = { at: Date; ip: string };

export type CabinetSession = {
  id: bigint;
  merchantId: bigint;
  holder: SessionHolder;
  createdAt: Date;
  expiresAt: Date;
  ip: string;
  /** The visit before this one (PayKeeper 4.2); null on the login's first. */
  previousVisit: Visit | null;
};

export type SessionRow = Selectable<CabinetSessionTable>;

export const toSession = (row: SessionRow, holder: SessionHolder): CabinetSession => ({
  id: row.id,
  merchantId: row.merchant_id,
  holder,
  createdAt: new Date(Number(row.created_at)),
  expiresAt: new Date(Number(row.expires_at)),
  ip: row.ip,
  previousVisit:
    row.prev_visit_at === null || row.prev_visit_ip === null
      ? null
      : { at: new Date(Number(row.prev_visit_at)), ip: row.prev_visit_ip },
});

/** When `row` ends, idle or not: the earlier of its absolute end and its idle end. */
export const endOf = (row: Pick<SessionRow, 'expires_at' | 'last_seen_at'>): number =>
  Math.min(Number(row.expires_at), Number(row.last_seen_at) + sessionLimits.idleMs);
