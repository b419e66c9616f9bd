import type { Migration } from 'kysely';

/**
 * The PayKeeper informer reads a payment's notification on its channel (the payment list's
 * status, `repeat_counter`, `repeatcnt`): one index over channel and reference serves those
 * lookups and the list's join. `if not exists`: the payment list's migration may add the
 * same index under this name.
 */
export const informerIndex = (): Migration => ({
  async up(db) {
    await db.schema
      .createIndex('outbox_channel_ref')
      .ifNotExists()
      .on('outbox')
      .columns(['channel', 'ref_type', 'ref_id'])
      .execute();
  },
});
