import type { SimOperation, SimStore } from '../acquiring/sim-store.ts';
import type { Database } from './database.ts';

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

  async put(op: SimOperation): Promise<void> {
    const data = JSON.stringify(op);
    await this.database.db
      .insertInto('sim_bank_operations')
      .values({ operation_id: op.key, data, created_at: Date.now() })
      .onConflict((oc) => oc.column('operation_id').doUpdateSet({ data }))
      .execute();
  }
}
