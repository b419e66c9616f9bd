import type { Migration } from 'kysely';
import type { Flavor } from '../schema.ts';
import { idTable } from './id-table.ts';

/**
 * ImPay's payouts, identifications and beneficiaries (issue 9).
 * - `payouts.origin`: the API that made a payout, so only ImPay's payouts send ImPay callbacks
 *   (as `payments.origin` does for payments). Existing rows are `core`.
 * - `identifications`: a person's identification. The passport form is sealed by the vault
 *   (personal data); the phone is kept in clear to send the code to, the code only as an HMAC.
 * - `beneficiaries`: the long registration form, sealed; the identifying numbers in clear, one
 *   row per merchant, kind and INN (a repeat replaces the form).
 */
export const impayPayoutsIdent = (flavor: Flavor): Migration => ({
  async up(db) {
    await db.schema
      .alterTable('payouts')
      .addColumn('origin', 'text', (c) => c.notNull().defaultTo('core'))
      .execute();
    await idTable(db, flavor, 'identifications')
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('person_sealed', 'text', (c) => c.notNull())
      .addColumn('phone', 'text')
      .addColumn('code_salt', 'text')
      .addColumn('code_hash', 'text')
      .addColumn('code_expires_at', 'bigint')
      .addColumn('code_attempts', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rc', 'text')
      .addColumn('test_mode', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('identifications_merchant')
      .on('identifications')
      .columns(['merchant_id', 'created_at'])
      .execute();
    await idTable(db, flavor, 'beneficiaries')
      .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('inn', 'text')
      .addColumn('kpp', 'text')
      .addColumn('ogrn', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('form_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('beneficiaries_inn')
      .on('beneficiaries')
      .columns(['merchant_id', 'kind', 'inn'])
      .unique()
      .where('inn', 'is not', null)
      .execute();
  },
});
