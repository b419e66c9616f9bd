import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, type Flavor, openDatabase } from '../../src/store/database.ts';

/**
 * Every engine test runs on SQLite and on PostgreSQL. PostgreSQL comes from TEST_DATABASE_URL,
 * DATABASE_URL, or the local default; each test file gets a schema of its own, so files run
 * in parallel. Off CI an unreachable PostgreSQL is skipped with a note; on CI it fails.
 */
export const postgresUrl =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;
function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

export async function testFlavors(): Promise<Flavor[]> {
  if (process.env.KOPEK_TEST_DB === 'sqlite') return ['sqlite'];
  if (await postgresReachable())
    return process.env.KOPEK_TEST_DB === 'postgres' ? ['postgres'] : ['sqlite', 'postgres'];
  if (process.env.CI)
    throw new Error(`PostgreSQL is not reachable at ${postgresUrl}; CI must test on both databases`);
  console.warn(`# PostgreSQL not reachable at ${postgresUrl}: running the SQLite half only`);
  return ['sqlite'];
}

export type TestDatabase = Database & { drop(): Promise<void> };

export const testSchemaPrefix = 'kopek_t_';

export async function openTestDatabase(
  flavor: Flavor,
  options: { poolSize?: number } = {},
): Promise<TestDatabase> {
  if (flavor === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kopek-test-'));
    const database = await openDatabase(join(dir, 'kopek.db'));
    await database.migrate();
    return {
      ...database,
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  // The run's pid (scripts/test.mjs's, else this file's) and the creation time in unix seconds,
  // base 36: test.mjs drops the schemas of its own run at its end, and others' by those two.
  const run = process.env.KOPEK_TEST_RUN ?? String(process.pid);
  const born = Math.floor(Date.now() / 1000).toString(36);
  const schema = `${testSchemaPrefix}${run}_${born}_${Math.random().toString(36).slice(2, 10)}`;
  const database = await openDatabase(postgresUrl, { schema, poolSize: options.poolSize ?? 20 });
  await database.migrate();
  // The schema is dropped by scripts/test.mjs once every file is done: dropping it while
  // another file's migrator introspects the catalogue makes that migrator fail.
  return { ...database, drop: () => database.close() };
}
