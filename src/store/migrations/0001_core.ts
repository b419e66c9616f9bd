import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Flavor } from '../schema.ts';
import { idTable } from './id-table.ts';

/** Merchants, payments, refunds, payouts, cards, ledger, outbox, statistics, simulator bank. */
export const core = (flavor: Flavor): Migration => {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
  const id = (db: Kysely<any>, table: string) => idTable(db, flavor, table);
  return {
    async up(db) {
      await id(db, 'merchants')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await id(db, 'credentials')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('dialect', 'text', (c) => c.notNull())
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('verifier', 'text')
        .addColumn('secret', 'text')
        .addColumn('secret2', 'text')
        .addColumn('public_key', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('credentials_login')
        .unique()
        .on('credentials')
        .columns(['dialect', 'login'])
        .execute();
      await db.schema
        .createIndex('credentials_public_key')
        .unique()
        .on('credentials')
        .column('public_key')
        .execute();
      await db.schema.createIndex('credentials_merchant').on('credentials').column('merchant_id').execute();

      await id(db, 'users')
        .addColumn('merchant_id', 'bigint', (c) => c.references('merchants.id'))
        .addColumn('login', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await id(db, 'services')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('fee_rate_ppm', 'bigint', (c) => c.notNull())
        .addColumn('fee_fixed_minor', 'bigint', (c) => c.notNull())
        .addColumn('fee_min_minor', 'bigint', (c) => c.notNull())
        .addColumn('fee_max_minor', 'bigint')
        .addColumn('enabled', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('services_code')
        .unique()
        .on('services')
        .columns(['merchant_id', 'code'])
        .execute();

      await id(db, 'payments')
        .addColumn('public_id', 'text', (c) => c.notNull().unique())
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('external_id', 'text')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('flow', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('fee_minor', 'bigint', (c) => c.notNull())
        .addColumn('authorized_minor', 'bigint', (c) => c.notNull())
        .addColumn('captured_minor', 'bigint', (c) => c.notNull())
        .addColumn('refunded_minor', 'bigint', (c) => c.notNull())
        .addColumn('refund_reserved_minor', 'bigint', (c) => c.notNull())
        .addColumn('service_id', 'bigint', (c) => c.references('services.id'))
        .addColumn('system', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('customer', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('return_urls', 'text', (c) => c.notNull())
        .addColumn('callback_url', 'text')
        .addColumn('test_mode', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'bigint', (c) => c.notNull())
        .addColumn('attempts_max', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('card_mask', 'text')
        .addColumn('card_brand', 'text')
        .addColumn('card_holder', 'text')
        .addColumn('card_expiry', 'text')
        .addColumn('connector', 'text')
        .addColumn('connector_data', 'text')
        .addColumn('op_in_flight', 'text')
        .addColumn('op_started_at', 'bigint')
        .addColumn('challenge', 'text')
        .addColumn('rc', 'text')
        .addColumn('rrn', 'text')
        .addColumn('approval_code', 'text')
        .addColumn('bank_ref', 'text')
        .addColumn('decline_reason', 'text')
        .addColumn('decline_message', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .execute();
      // One merchant external id never makes two payments: the database says so, not the app.
      await db.schema
        .createIndex('payments_external_id')
        .unique()
        .on('payments')
        .columns(['merchant_id', 'external_id'])
        .execute();
      await db.schema
        .createIndex('payments_registry')
        .on('payments')
        .columns(['merchant_id', 'created_at'])
        .execute();
      await db.schema.createIndex('payments_due').on('payments').columns(['status', 'expires_at']).execute();

      await id(db, 'payment_events')
        .addColumn('payment_id', 'bigint', (c) => c.notNull().references('payments.id'))
        .addColumn('from_status', 'text')
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('payment_events_payment')
        .on('payment_events')
        .column('payment_id')
        .execute();

      await id(db, 'refunds')
        .addColumn('payment_id', 'bigint', (c) => c.notNull().references('payments.id'))
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('external_id', 'text')
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('rc', 'text')
        .addColumn('bank_ref', 'text')
        .addColumn('connector_data', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('refunds_payment').on('refunds').column('payment_id').execute();
      await db.schema
        .createIndex('refunds_external_id')
        .unique()
        .on('refunds')
        .columns(['merchant_id', 'external_id'])
        .execute();

      await id(db, 'cards')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('external_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('pan_key_id', 'text')
        .addColumn('pan_encrypted', 'text')
        .addColumn('mask', 'text')
        .addColumn('bin', 'text')
        .addColumn('last4', 'text')
        .addColumn('brand', 'text')
        .addColumn('expiry', 'text')
        .addColumn('holder', 'text')
        .addColumn('customer_ref', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('cards_external_id')
        .unique()
        .on('cards')
        .columns(['merchant_id', 'external_id'])
        .execute();

      await id(db, 'payouts')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('external_id', 'text')
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('fee_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('destination_kind', 'text', (c) => c.notNull())
        .addColumn('destination_mask', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('card_id', 'bigint', (c) => c.references('cards.id'))
        .addColumn('test_mode', 'bigint', (c) => c.notNull())
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('connector_data', 'text')
        .addColumn('rc', 'text')
        .addColumn('bank_ref', 'text')
        .addColumn('decline_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('payouts_external_id')
        .unique()
        .on('payouts')
        .columns(['merchant_id', 'external_id'])
        .execute();

      await db.schema
        .createTable('ledger_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.id'))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('balance_minor', 'bigint', (c) => c.notNull())
        .addColumn('non_negative', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // The last lock on "never negative", should a bug slip past the conditional updates.
        .addCheckConstraint('ledger_balance_sign', sql`non_negative = 0 or balance_minor >= 0`)
        .execute();
      await db.schema
        .createIndex('ledger_accounts_merchant')
        .on('ledger_accounts')
        .column('merchant_id')
        .execute();

      await id(db, 'ledger_entries')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref_type', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('ledger_entries_ref')
        .on('ledger_entries')
        .columns(['ref_type', 'ref_id'])
        .execute();

      await id(db, 'ledger_postings')
        .addColumn('entry_id', 'bigint', (c) => c.notNull().references('ledger_entries.id'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('ledger_accounts.id'))
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ledger_postings_entry').on('ledger_postings').column('entry_id').execute();
      await db.schema
        .createIndex('ledger_postings_account')
        .on('ledger_postings')
        .column('account_id')
        .execute();

      await id(db, 'outbox')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('ref_type', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'bigint', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('notice', 'text', (c) => c.notNull())
        .addColumn('attempts', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['notice', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_ref').on('outbox').columns(['ref_type', 'ref_id']).execute();

      await id(db, 'delivery_attempts')
        .addColumn('outbox_id', 'bigint', (c) => c.notNull().references('outbox.id'))
        .addColumn('merchant_id', 'bigint', (c) => c.notNull())
        .addColumn('attempt_no', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'bigint', (c) => c.notNull())
        .addColumn('delivered', 'bigint', (c) => c.notNull())
        .addColumn('response_status', 'bigint')
        .addColumn('response_body', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('delivery_attempts_outbox')
        .on('delivery_attempts')
        .column('outbox_id')
        .execute();

      await db.schema
        .createTable('daily_stats')
        .addColumn('merchant_id', 'bigint', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('system', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('shard', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('captured_minor', 'bigint', (c) => c.notNull())
        .addColumn('refunded_minor', 'bigint', (c) => c.notNull())
        .addColumn('fee_minor', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('daily_stats_pk', [
          'merchant_id',
          'day',
          'system',
          'status',
          'currency',
          'shard',
        ])
        .execute();

      await db.schema
        .createTable('sim_bank_operations')
        .addColumn('operation_id', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
};
