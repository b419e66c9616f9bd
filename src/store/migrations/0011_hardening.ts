import type { Migration } from 'kysely';

/**
 * Hardening (issue 8): what a payment's creator asked of it, so a crash cannot strand it or
 * let a stranger's invoice stand in for it, and the request counters all processes share.
 *
 * - `payments.test_outcome`: the outcome a test-service invoice asked for, stored with the
 *   payment, so the retry of the request or the janitor can apply it after a crash between
 *   creating the payment and settling it.
 * - `payments.public_create`: 1 when the payment was created with a public (browser) key; a
 *   server-side create never hands such a payment back unless it asked for the same thing.
 * - `rate_limits`: one row per limited key and window, incremented atomically by every process.
 */
export const hardening = (): Migration => ({
  async up(db) {
    await db.schema.alterTable('payments').addColumn('test_outcome', 'text').execute();
    await db.schema
      .alterTable('payments')
      .addColumn('public_create', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('rate_limits')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('hits', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start'])
      .execute();
    await db.schema.createIndex('rate_limits_expiry').on('rate_limits').column('expires_at').execute();
  },
});
