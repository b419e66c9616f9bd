import type { Migration } from 'kysely';

/**
 * The card vault: what a card is kept for, and the link between a card and the payments that
 * register it, save it or charge it. SQLite adds one column per statement.
 */
export const cardVault = (): Migration => ({
  async up(db) {
    // pay: autopay and payouts (ImPay type 0); payout: payouts only (ImPay type 1)
    await db.schema
      .alterTable('cards')
      .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('pay'))
      .execute();
    // the payment that registered or saved the card
    await db.schema.alterTable('cards').addColumn('payment_id', 'bigint').execute();
    await db.schema.createIndex('cards_merchant').on('cards').columns(['merchant_id', 'id']).execute();

    await db.schema
      .alterTable('payments')
      .addColumn('card_id', 'bigint', (c) => c.references('cards.id'))
      .execute();
    // verify (registration hold) | save (saves the card it is paid with) | charge (autopay)
    await db.schema.alterTable('payments').addColumn('card_role', 'text').execute();
    await db.schema.createIndex('payments_card').on('payments').column('card_id').execute();
  },
});
