import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import { GroupCommit, type GroupCommitOptions, ImmediateSqliteDialect } from './group-commit.ts';
import { migrations } from './migrations/index.ts';
import type { DB, Flavor } from './schema.ts';
import { isPostgresUrl } from './target.ts';

export type { Flavor } from './schema.ts';
export type Tx = Transaction<DB>;

export type Database = {
  flavor: Flavor;
  db: Kysely<DB>;
  /** A short, password-free description for logs and banners. */
  label: string;
  migrate(): Promise<void>;
  /**
   * Runs `work` while no other process runs start-up work on this database: start-ups of
   * several processes at once (migrations, key records, the demo merchant) happen one after
   * the other, each seeing what the one before it did.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * SQLite with group commit on (the default): `inTransaction` hands its work here, and
   * concurrent use cases share one durable commit, each in its own savepoint.
   */
  groupCommit?: GroupCommit;
};

export type OpenOptions = {
  /** PostgreSQL only: run in this schema (created if missing); tests use one per file. */
  schema?: string;
  poolSize?: number;
  /**
   * SQLite only: share one durable commit among concurrent use cases (store/group-commit.ts).
   * Default on; KOPEK_SQLITE_GROUP_COMMIT=0 turns it off (one commit per use case).
   */
  groupCommit?: boolean | GroupCommitOptions;
};

export { isPostgresUrl };

/** Opens a SQLite file path (or `:memory:`) or a `postgres://` URL, same schema either way. */
export async function openDatabase(target: string, options: OpenOptions = {}): Promise<Database> {
  return isPostgresUrl(target) ? openPostgres(target, options) : openSqlite(target, options);
}

/** How long a SQLite write waits for another process's write lock. */
const sqliteBusyTimeoutMs = 5000;

function openSqlite(path: string, options: OpenOptions): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // Durability written down rather than inherited: a committed payment survives power loss.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (say `kopek merchant create` beside `kopek serve`) waits rather than fails.
  sqlite.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  sqlite.defaultSafeIntegers(true);
  const grouped = options.groupCommit ?? process.env.KOPEK_SQLITE_GROUP_COMMIT !== '0';
  const config = { database: withStatementCache(sqlite) };
  const dialect = grouped
    ? new ImmediateSqliteDialect(config, sqlite, sqliteBusyTimeoutMs)
    : new SqliteDialect(config);
  const db = new Kysely<DB>({ dialect });
  const database = withMigrator('sqlite', db, `sqlite:${path}`, sqliteExclusive(path));
  if (!grouped) return database;
  const groupCommit = new GroupCommit(db, sqlite, grouped === true ? {} : grouped);
  return {
    ...database,
    groupCommit,
    close: async () => {
      await groupCommit.drain(); // a batch in flight commits before the connection closes
      await database.close();
    },
  };
}

/**
 * SQLite's start-up lock: a write transaction on a small file beside the database, not on the
 * database itself (whose one connection the work inside needs). The operating system drops
 * the lock when its process dies, so a killed start-up never leaves it held. Polled rather
 * than waited for in SQLite, which would block this process's event loop meanwhile.
 */
function sqliteExclusive(path: string): Database['exclusive'] {
  return async (work) => {
    if (path === ':memory:') return work();
    const lock = new SQLite(`${path}.startup-lock`);
    try {
      lock.pragma('busy_timeout = 0');
      for (;;) {
        try {
          lock.exec('begin immediate');
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      return await work();
    } finally {
      lock.close(); // ends the transaction, releasing the lock
    }
  };
}

/**
 * PostgreSQL's start-up lock: a session advisory lock held on one pooled connection while
 * `work` runs on the others. Keyed by the schema, so test schemas side by side do not wait
 * for each other. A process that dies loses its session and with it the lock.
 */
function postgresExclusive(db: Kysely<DB>): Database['exclusive'] {
  const key = sql`hashtext(current_schema() || ':kopek-startup')`;
  return (work) =>
    db.connection().execute(async (session) => {
      await sql`select pg_advisory_lock(${key})`.execute(session);
      try {
        return await work();
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(session);
      }
    });
}

/**
 * Kysely prepares every query anew, and better-sqlite3 compiles SQL on each `prepare`: about a
 * tenth of the CPU of a payment create. The engine has a few hundred distinct statements, so
 * they stay compiled, least recently used dropped first. Kysely runs one query at a time on
 * this single connection, so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database, size = 1000): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement)
        cache.delete(sql); // re-inserted below: the Map's order is the LRU order
      else statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}

// Integers come back as bigint (int8 would otherwise be a string, and sums a numeric string).
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 21 || oid === 23) return (v: string) => BigInt(v);
    if (oid === 1700) return (v: string) => (/^-?\d+$/.test(v) ? BigInt(v) : v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  if (options.schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${options.schema.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    types: pgTypes,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const host = new URL(url);
  return withMigrator(
    'postgres',
    db,
    `postgres://${host.host}${host.pathname}${options.schema ? `#${options.schema}` : ''}`,
    postgresExclusive(db),
    options.schema,
  );
}

/**
 * `schema`: where the migration bookkeeping lives. Named explicitly, because Kysely's
 * migrator otherwise takes a `kysely_migration_lock` table in any schema of the database
 * (another process's) as its own and then fails to find it on its search path.
 */
function withMigrator(
  flavor: Flavor,
  db: Kysely<DB>,
  label: string,
  exclusive: Database['exclusive'],
  schema?: string,
): Database {
  return {
    flavor,
    db,
    label,
    exclusive,
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations(flavor) },
        // Work developed side by side lands in any order; each migration still runs once.
        allowUnorderedMigrations: true,
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },
    close: () => db.destroy(),
  };
}
