import type { Migration } from 'kysely';

/**
 * One row per master key id the database was written with: the key's check value (an HMAC
 * of a constant under the key, never the key). A process whose key of that id differs, or
 * that has none of the database's keys, refuses to start (cli/key-binding.ts).
 */
export const masterKeyChecks = (): Migration => ({
  async up(db) {
    await db.schema
      .createTable('master_key_checks')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('check_value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
