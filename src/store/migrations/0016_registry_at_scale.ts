import { type Migration, sql } from 'kysely';

/**
 * The payment registry at millions of payments (issue 13). A cabinet reads one merchant's
 * payments of a period, newest first, filtered by state and payment system, and counts them
 * by state and system (PayKeeper 2.1/2.2, the XLSX export). One index serves all of it:
 * `(merchant_id, created_at, id)` orders a page and walks a keyset cursor without a sort, and
 * the state, service and refund-in-flight columns beside them let the counts and the filters
 * be answered from the index alone, without reading the wide payment rows. It replaces
 * `payments_registry` (its prefix), so a payment's write keeps one registry index to update.
 * `refunds_in_flight` finds the refunds still with the bank (registry-counts-store.ts).
 */
export const registryAtScale = (): Migration => ({
  async up(db) {
    await db.schema
      .createIndex('payments_registry_cover')
      .on('payments')
      .columns(['merchant_id', 'created_at', 'id', 'status', 'service_id', 'refund_reserved_minor'])
      .execute();
    await db.schema.dropIndex('payments_registry').ifExists().execute();
    // the few refunds still with the bank, found without reading the others (the registry's
    // counts from the daily aggregates move their payments to `refunding`)
    await sql`create index refunds_in_flight on refunds (merchant_id, payment_id) where status in ('pending', 'unknown')`.execute(
      db,
    );
  },
});
