import type { Migration } from 'kysely';
import { sql } from 'kysely';

/**
 * Money paths, after an audit. SQLite adds one column per statement.
 * - A payment keeps the fee terms of its service from its creation, so a hold captured later
 *   pays what a charge created at the same moment pays (holds.ts).
 * - Each capture or void of a hold is its own bank operation: `op_seq` numbers them.
 * - A refund remembers the part of the payment's fee it gives back (fees.ts refundFeeShare).
 * - `next_check_at`: the janitor asks the bank about an unsettled operation again no sooner.
 */
export const moneyPaths = (): Migration => ({
  async up(db) {
    for (const column of ['fee_rate_ppm', 'fee_fixed_minor', 'fee_min_minor'])
      await db.schema
        .alterTable('payments')
        .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    await db.schema.alterTable('payments').addColumn('fee_max_minor', 'bigint').execute();
    // Payments made before keep the terms their service has now: what a capture charged until today.
    await sql`
      update payments set
        fee_rate_ppm = (select s.fee_rate_ppm from services s where s.id = payments.service_id),
        fee_fixed_minor = (select s.fee_fixed_minor from services s where s.id = payments.service_id),
        fee_min_minor = (select s.fee_min_minor from services s where s.id = payments.service_id),
        fee_max_minor = (select s.fee_max_minor from services s where s.id = payments.service_id)
      where service_id is not null`.execute(db);
    await db.schema
      .alterTable('payments')
      .addColumn('op_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('refunds')
      .addColumn('fee_minor', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    for (const table of ['payments', 'refunds', 'payouts'])
      await db.schema.alterTable(table).addColumn('next_check_at', 'bigint').execute();
  },
});
