import type { Migration } from 'kysely';

/**
 * Who made an invoice (PayKeeper 3.1 `user_id`, `user_login`): the cabinet user, or null for
 * the merchant's API credential. The login is kept as it was then, so a later rename or a
 * deleted user does not rewrite the invoice's history. `(merchant_id, created_at)` is indexed
 * since 0004, which the invoice lists read.
 */
export const invoiceAuthors = (): Migration => ({
  async up(db) {
    await db.schema.alterTable('invoices').addColumn('user_id', 'bigint').execute();
    await db.schema.alterTable('invoices').addColumn('user_login', 'text').execute();
  },
});
