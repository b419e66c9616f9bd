import type { Migration } from 'kysely';

/** Invoices (PayKeeper "bills"): a payment offered to a payer by link or e-mail. */
export const invoices = (): Migration => ({
  async up(db) {
    await db.schema
      .createTable('invoices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('payment_id', 'bigint', (c) => c.notNull().unique().references('payments.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .addColumn('paid_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('invoices_merchant')
      .on('invoices')
      .columns(['merchant_id', 'created_at'])
      .execute();
  },
});
