import type { Kysely, Migration } from 'kysely';
import type { Flavor } from '../schema.ts';
import { idTable } from './id-table.ts';

/**
 * PayKeeper's refund rules and records (spec 2.7, 2.8, 4.7; COMPAT.md receipt/print).
 * - A cabinet user may refund only when `refunds_allowed`, at most `refunds_per_day` refunds
 *   a Moscow day (null: no limit). `user_refund_days` counts them; the refund's reservation
 *   claims the count in its own transaction, so a refused refund uses up nothing.
 * - A refund remembers who asked for it (`user_id`, and the login as it was then, since the
 *   merchant's API credential is no user row), shown as 2.7's `user`.
 * - `receipts`: the 54-FZ receipts the cabinet prints (no fiscal operator is connected; the
 *   row is the receipt).
 * - The informer's outbox rows are looked up by payment and channel.
 * - `payment_http_log`: the payer's requests at a payment's pages (spec 2.6), card fields left out.
 */
export const paykeeperRefundRights = (flavor: Flavor): Migration => ({
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('users')
      .addColumn('refunds_allowed', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('users').addColumn('refunds_per_day', 'integer').execute();
    await db.schema
      .createTable('user_refund_days')
      .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_refund_days_pk', ['user_id', 'day'])
      .execute();
    await db.schema.alterTable('refunds').addColumn('user_id', 'bigint').execute();
    await db.schema.alterTable('refunds').addColumn('initiated_by', 'text').execute();
    await idTable(db, flavor, 'receipts')
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('payment_id', 'bigint', (c) => c.notNull().references('payments.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('cart', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('receipts_payment').on('receipts').column('payment_id').execute();
    await idTable(db, flavor, 'payment_http_log')
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('payment_id', 'bigint', (c) => c.notNull().references('payments.id'))
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('uri', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('payment_http_log_payment')
      .on('payment_http_log')
      .column('payment_id')
      .execute();
    await db.schema
      .createIndex('outbox_channel_ref')
      .on('outbox')
      .columns(['channel', 'ref_type', 'ref_id'])
      .execute();
  },
});
