import type { Kysely, Migration } from 'kysely';
import type { Flavor } from '../schema.ts';
import { idTable } from './id-table.ts';

/**
 * PayKeeper's settings and users (spec 4–5, issue 11).
 * - `users.stamp`: a random value renewed by every change of the user (5.7) and by its
 *   deletion (5.8); the user's credential stamp is derived from it and the password hash, so
 *   a security token or a cabinet session bound to the old stamp dies with the change.
 * - `users.deleted_at`: 5.8 keeps the row (refunds and invoices name their user); a deleted
 *   user cannot sign in and its login is freed (renamed with its id).
 * - `users.visit_*` / `prev_visit_*`: 4.2, the first authenticated request of each Moscow day
 *   moves the day's visit to `prev_visit_*`, which 4.2 shows.
 * - `form_fields`: the payment form's fields as the organization changed them (5.2); the
 *   defaults live in code, a row overrides one field.
 * - `report_emails`: where reports of accepted payments go (4.6, 5.3, 5.4), one address once
 *   per merchant whatever its case.
 */
export const paykeeperSettings = (flavor: Flavor): Migration => ({
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  async up(db: Kysely<any>) {
    for (const column of ['stamp', 'visit_ip', 'prev_visit_ip'])
      await db.schema.alterTable('users').addColumn(column, 'text').execute();
    for (const column of ['deleted_at', 'visit_at', 'prev_visit_at'])
      await db.schema.alterTable('users').addColumn(column, 'bigint').execute();
    await db.schema.createIndex('users_merchant').on('users').column('merchant_id').execute();
    await db.schema
      .createTable('form_fields')
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('pk_name', 'text', (c) => c.notNull())
      .addColumn('displayed_name', 'text', (c) => c.notNull())
      .addColumn('placeholder', 'text', (c) => c.notNull())
      .addColumn('required', 'integer', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('sort_order', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('form_fields_pk', ['merchant_id', 'pk_name'])
      .execute();
    await idTable(db, flavor, 'report_emails')
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('report_emails_merchant_email')
      .unique()
      .on('report_emails')
      .columns(['merchant_id', 'email_key'])
      .execute();
  },
});
