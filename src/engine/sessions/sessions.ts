import { randomBytes } from 'node:crypto';
import type { EngineDeps } from '../context.ts';
import {
  currentHolder,
  deleteEndedSessions,
  findSession,
  insertSession,
  latestVisit,
  revokeSession,
  tokenHashOf,
  touchSession,
} from './store.ts';
import { type CabinetSession, endOf, sessionLimits, toSession } from './view.ts';

/**
 * The merchant cabinet's login sessions. The caller (the PayKeeper dialect) proves the
 * password; these open a session for whom it proved, find it again by the cookie's token on
 * every request, and end it. A session ends at logout, when idle too long, at its absolute
 * lifetime, and when its holder's credential stamp changes (a new password, a deleted user).
 */

export type OpenSessionInput = {
  merchantId: bigint;
  /** The cabinet user; null for the merchant's PayKeeper credential, named by `login`. */
  userId: bigint | null;
  login: string;
  ip: string;
  userAgent: string;
};

/**
 * A new session and its token (to hand to the browser once; only its hash is kept). Null when
 * the holder is gone by now.
 */
export async function openSession(
  deps: EngineDeps,
  input: OpenSessionInput,
): Promise<{ token: string; session: CabinetSession } | null> {
  const { database } = deps;
  const current = await currentHolder(database, input.merchantId, input.userId, input.login);
  if (!current) return null;
  const previous = await latestVisit(database, input.merchantId, input.userId, current.holder.login);
  const now = deps.now().getTime();
  const token = randomBytes(32).toString('base64url');
  const row = await insertSession(database, {
    token_hash: tokenHashOf(token),
    merchant_id: input.merchantId,
    user_id: input.userId,
    login: current.holder.login,
    stamp: current.stamp,
    created_at: now,
    last_seen_at: now,
    expires_at: now + sessionLimits.lifetimeMs,
    ip: input.ip.slice(0, sessionLimits.ipChars),
    user_agent: input.userAgent.slice(0, sessionLimits.userAgentChars),
    prev_visit_at: previous ? previous.at.getTime() : null,
    prev_visit_ip: previous?.ip ?? null,
  });
  return { token, session: toSession(row, current.holder) };
}

/**
 * The live session of `token`, its holder read afresh; null when there is none, it has ended
 * (idle, lifetime) or its holder's stamp has changed (then it is revoked for good). A use
 * moves its idle end on.
 */
export async function resumeSession(deps: EngineDeps, token: string): Promise<CabinetSession | null> {
  if (token === '' || token.length > sessionLimits.tokenCharsMax) return null;
  const { database } = deps;
  const row = await findSession(database, tokenHashOf(token));
  if (!row) return null;
  const now = deps.now().getTime();
  if (now >= endOf(row)) return null;
  const current = await currentHolder(database, row.merchant_id, row.user_id, row.login);
  if (!current || current.stamp !== row.stamp) {
    await revokeSession(database, row.id, now);
    return null;
  }
  if (now - Number(row.last_seen_at) >= sessionLimits.touchEveryMs) await touchSession(database, row.id, now);
  return toSession(row, current.holder);
}

/** Logout: the session of `token` is revoked; false when there was none live. */
export async function closeSession(deps: EngineDeps, token: string): Promise<boolean> {
  if (token === '' || token.length > sessionLimits.tokenCharsMax) return false;
  const row = await findSession(deps.database, tokenHashOf(token));
  if (!row) return false;
  return revokeSession(deps.database, row.id, deps.now().getTime());
}

/** The janitor's part: sessions long over (each holder's newest is kept for the last-visit line). */
export const pruneSessions = (deps: EngineDeps): Promise<number> =>
  deleteEndedSessions(deps.database, deps.now().getTime() - sessionLimits.keepEndedMs);
