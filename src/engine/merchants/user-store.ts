import { createHash } from 'node:crypto';
import { newHexToken } from '../../domain/ids.ts';
import type { Database } from '../../store/database.ts';
import type { RefundRights, User } from './view.ts';

/**
 * What the user use cases share: the credential stamp and the login check.
 *
 * The credential stamp is the one value a security token (PayKeeper's, sign.ts) and a cabinet
 * session are bound to. It is derived from the password hash and the row's `stamp`, which
 * `createUser` sets and `updateUser` / `deleteUser` renew: a new password, a changed right or
 * a deletion gives a new stamp, and whatever was bound to the old one stops being accepted.
 * Compare it with `userStamp(userId)` (null once the user is gone).
 */
export const newStamp = (): string => newHexToken(16);

export const credentialStamp = (row: { password_hash: string; stamp: string | null }): string =>
  createHash('sha256')
    .update(`${row.password_hash}\u0000${row.stamp ?? ''}`)
    .digest('hex')
    .slice(0, 32);

/**
 * A login is taken by a user (deleted ones are renamed, so they free theirs) or by a
 * PayKeeper API credential, which Basic auth tries first and would shadow the user.
 */
export async function loginTaken(
  deps: { database: Database },
  login: string,
  exceptUserId?: bigint,
): Promise<boolean> {
  const { db } = deps.database;
  let users = db.selectFrom('users').select('id').where('login', '=', login);
  if (exceptUserId !== undefined) users = users.where('id', '<>', exceptUserId);
  if (await users.executeTakeFirst()) return true;
  const credential = await db
    .selectFrom('credentials')
    .select('id')
    .where('dialect', '=', 'paykeeper')
    .where('login', '=', login)
    .executeTakeFirst();
  return credential !== undefined;
}

export const refundRightsOf = (row: {
  refunds_allowed: bigint;
  refunds_per_day: bigint | null;
}): RefundRights => ({
  allowed: row.refunds_allowed === 1n,
  perDay: row.refunds_per_day === null ? null : Number(row.refunds_per_day),
});

/** A `users` row as the use cases return it. */
export const userOf = (row: {
  id: bigint;
  merchant_id: bigint | null;
  login: string;
  role: User['role'];
  refunds_allowed: bigint;
  refunds_per_day: bigint | null;
}): User => ({
  id: row.id,
  merchantId: row.merchant_id,
  login: row.login,
  role: row.role,
  refunds: refundRightsOf(row),
});
