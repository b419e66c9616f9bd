import type { Kysely, Migration } from 'kysely';
import type { Flavor } from '../schema.ts';
import { idTable } from './id-table.ts';

/**
 * The merchant cabinet's login sessions (issue 12). The cookie carries an opaque random
 * token; only its SHA-256 is kept, so a read of this table gives no one a session. A session
 * belongs to a cabinet user (`user_id`) or to the merchant's PayKeeper credential (`user_id`
 * null, `login` its login), and remembers the credential's `stamp` at login: a password
 * change or a deleted user changes the stamp and so ends the session. `expires_at` is the
 * absolute end; `last_seen_at` plus the idle timeout the other. `prev_visit_*` is the visit
 * before this one (PayKeeper 4.2), fixed at login.
 */
export const cabinetSessions = (flavor: Flavor): Migration => ({
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  async up(db: Kysely<any>) {
    await idTable(db, flavor, 'cabinet_sessions')
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('user_id', 'bigint') // no foreign key: a user's removal must not wait for old sessions
      .addColumn('login', 'text', (c) => c.notNull())
      .addColumn('stamp', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text', (c) => c.notNull())
      .addColumn('prev_visit_at', 'bigint')
      .addColumn('prev_visit_ip', 'text')
      .execute();
    // the visit before this one: the login's latest session, newest first
    await db.schema
      .createIndex('cabinet_sessions_login')
      .on('cabinet_sessions')
      .columns(['merchant_id', 'login', 'created_at'])
      .execute();
    await db.schema
      .createIndex('cabinet_sessions_expiry')
      .on('cabinet_sessions')
      .column('expires_at')
      .execute();
  },
});
