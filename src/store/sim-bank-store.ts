import type { Kysely } from 'kysely';
import type { SimOperation, SimStore } from '../acquiring/sim-store.ts';
import type { Database } from './database.ts';
import type { DB } from './schema.ts';

/** The simulator bank's books in the gateway's database (a table of its own), so they survive restarts. */
export class DatabaseSimStore implements SimStore {
  constructor(private readonly database: Database) {}

  async get(key: string): Promise<SimOperation | undefined> {
    const row = await this.database.db
      .selectFrom('sim_bank_operations')
      .select('data')
      .where('operation_id', '=', key)
      .executeTakeFirst();
    return row ? (JSON.parse(row.data) as SimOperation) : undefined;
  }

  /**
   * One statement for all records: atomic on both databases, so a crash writes all or none.
   * With SQLite's group commit it joins the shared commit rather than paying an fsync of its own.
   */
  async put(...ops: SimOperation[]): Promise<void> {
    if (ops.length === 0) return;
    const at = Date.now();
    const upsert = (db: Kysely<DB>) =>
      db
        .insertInto('sim_bank_operations')
        .values(ops.map((op) => ({ operation_id: op.key, data: JSON.stringify(op), created_at: at })))
        .onConflict((oc) =>
          oc.column('operation_id').doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })),
        )
        .execute();
    const group = this.database.groupCommit;
    await (group ? group.run(upsert) : upsert(this.database.db));
  }
}
