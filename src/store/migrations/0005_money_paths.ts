import type { Kysely, Migration } from 'kysely';
import { refundFeeShare } from '../../domain/fees.ts';
import type { DB } from '../schema.ts';

/**
 * Money paths, after an audit. SQLite adds one column per statement.
 * - A payment keeps the fee terms of its service from its creation, so a hold captured later
 *   pays what a charge created at the same moment pays (holds.ts). Nullable, without a
 *   default and without a backfill: a payment without them (made before, or inserted by a
 *   process of the previous version while a rolling upgrade runs) pays its service's terms
 *   at capture, as it did before (holds.ts feeTermsOf). So adding them rewrites no row.
 * - Each capture or void of a hold is its own bank operation: `op_seq` numbers them.
 * - A refund remembers the part of the payment's fee it gives back (fees.ts refundFeeShare);
 *   see `shareOutEarlierRefunds` for the refunds made before.
 * - `next_check_at`: the janitor asks the bank about an unsettled operation again no sooner.
 * - `challenge_expires_at`: when the 3-D Secure challenge the payment waits on lapses, so the
 *   sweep of lapsed challenges can ask for exactly those (challenges.ts).
 */
export const moneyPaths = (): Migration => ({
  async up(db) {
    for (const column of ['fee_rate_ppm', 'fee_fixed_minor', 'fee_min_minor', 'fee_max_minor'])
      await db.schema.alterTable('payments').addColumn(column, 'bigint').execute();
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
    await db.schema.alterTable('payments').addColumn('challenge_expires_at', 'bigint').execute();
    await db.schema
      .createIndex('payments_challenge_lapse')
      .on('payments')
      .columns(['status', 'challenge_expires_at'])
      .execute();
    await shareOutEarlierRefunds(db);
  },
});

/**
 * Refunds made before this migration gave back no fee, and say so (`fee_minor` 0). The next
 * refund of the same payment would count them as having returned nothing, and give back the
 * fee share of all of them at once. So each succeeded refund of a payment that can still be
 * refunded (`partially_refunded`) is given the share the formula of today would have given it,
 * in the order they were made: the fee those refunds kept stays kept, and what later refunds
 * give back adds up to the fee on the rest. Only the books' memory changes, not the ledger.
 *
 * A refund still with the bank (`pending`, `unknown`) is left at 0: its reservation moved no
 * fee, so its decline must move none back (refunds.ts), and its share, should it succeed, goes
 * back with the next refund. Fully refunded payments take no further refund and are left alone.
 */
export async function shareOutEarlierRefunds(db: Kysely<DB>): Promise<void> {
  const refunds = await db
    .selectFrom('refunds as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['r.id', 'r.payment_id', 'r.amount_minor', 'p.fee_minor', 'p.captured_minor'])
    .where('r.status', '=', 'succeeded')
    .where('p.status', '=', 'partially_refunded')
    .orderBy('r.payment_id')
    .orderBy('r.id')
    .execute();
  let paymentId: bigint | null = null;
  let refunded = 0n;
  let returned = 0n;
  for (const r of refunds) {
    if (r.payment_id !== paymentId) {
      paymentId = r.payment_id;
      refunded = 0n;
      returned = 0n;
    }
    refunded += r.amount_minor;
    const share = refundFeeShare({
      feeMinor: r.fee_minor,
      capturedMinor: r.captured_minor,
      refundedAfterMinor: refunded,
      returnedMinor: returned,
      amountMinor: r.amount_minor,
    });
    returned += share;
    if (share !== 0n)
      await db.updateTable('refunds').set({ fee_minor: share }).where('id', '=', r.id).execute();
  }
}
