import type { Kysely } from 'kysely';
import type { Flavor } from '../schema.ts';

/** A new table with an integer identity `id`: autoincrement on SQLite, identity on PostgreSQL. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export const idTable = (db: Kysely<any>, flavor: Flavor, table: string) =>
  db.schema
    .createTable(table)
    .addColumn('id', flavor === 'sqlite' ? 'integer' : 'bigint', (c) =>
      flavor === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
    );
