import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../src/store/database.ts';
import type { GroupCommitOptions } from '../../src/store/group-commit.ts';
import { inTransaction, inTransactionOrRollback, Rollback } from '../../src/store/transaction.ts';
import { openTestDatabase, type TestDatabase, testFlavors } from '../helpers/databases.ts';

/**
 * Transactions keep their promises however they are committed: on PostgreSQL one commit each,
 * on SQLite with group commit many use cases in one commit, each in its own savepoint. The
 * first part runs on both databases; the second looks inside SQLite's group commit.
 */

async function scratch(database: Database, table: string): Promise<void> {
  await sql.raw(`create table ${table} (k text primary key, v bigint not null)`).execute(database.db);
}

async function keys(database: Database, table: string): Promise<string[]> {
  const { rows } = await sql<{ k: string }>`select k from ${sql.table(table)} order by k`.execute(
    database.db,
  );
  return rows.map((r) => r.k);
}

const put = (trx: Parameters<Parameters<typeof inTransaction>[1]>[0], table: string, k: string, v: number) =>
  sql`insert into ${sql.table(table)} (k, v) values (${k}, ${BigInt(v)})`.execute(trx);

/** 60 use cases at once: a third throw after two writes, a third roll back with a value, a third commit. */
async function mixedLoad(database: Database, table: string) {
  return Promise.allSettled(
    Array.from({ length: 60 }, (_, i) => {
      const key = `k${String(i).padStart(2, '0')}`;
      if (i % 3 === 0)
        return inTransaction(database, async (trx) => {
          await put(trx, table, `${key}a`, i);
          await put(trx, table, `${key}b`, i);
          throw new Error(`boom ${i}`);
        });
      if (i % 3 === 1)
        return inTransactionOrRollback<number, string>(database, async (trx) => {
          await put(trx, table, `${key}a`, i);
          throw new Rollback(`refused ${i}`);
        });
      return inTransaction(database, async (trx) => {
        await put(trx, table, `${key}a`, i);
        await put(trx, table, `${key}b`, i);
        return i;
      });
    }),
  );
}

function checkMixed(results: PromiseSettledResult<unknown>[], stored: string[]) {
  results.forEach((r, i) => {
    if (i % 3 === 0) assert.deepEqual(r, { status: 'rejected', reason: new Error(`boom ${i}`) });
    else if (i % 3 === 1) assert.deepEqual(r, { status: 'fulfilled', value: `refused ${i}` });
    else assert.deepEqual(r, { status: 'fulfilled', value: i });
  });
  const expected = results.flatMap((_, i) => {
    const key = `k${String(i).padStart(2, '0')}`;
    return i % 3 === 2 ? [`${key}a`, `${key}b`] : [];
  });
  assert.deepEqual(stored, expected);
}

for (const flavor of await testFlavors()) {
  describe(`transactions under concurrency on ${flavor}`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await openTestDatabase(flavor, { poolSize: 30 });
      await scratch(database, 'tx_probe');
    });
    after(() => database.drop());

    it('keeps each use case atomic and isolated: throws and rollbacks undo only their own writes', async () => {
      const results = await mixedLoad(database, 'tx_probe');
      checkMixed(results, await keys(database, 'tx_probe'));
    });
  });
}

describe('SQLite group commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-gc-test-'));
  let serial = 0;
  const opened: Database[] = [];
  const open = async (groupCommit: boolean | GroupCommitOptions = {}) => {
    const path = join(dir, `gc-${++serial}.db`);
    const database = await openDatabase(path, { groupCommit });
    opened.push(database);
    return { database, path };
  };
  after(async () => {
    for (const database of opened) await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares commits among concurrent use cases, each atomic and isolated', async () => {
    const { database } = await open();
    await scratch(database, 'probe');
    const before = database.groupCommit!.stats();
    const results = await mixedLoad(database, 'probe');
    checkMixed(results, await keys(database, 'probe'));
    const stats = database.groupCommit!.stats();
    assert.equal(stats.useCases - before.useCases, 60);
    assert.ok(
      stats.commits - before.commits < 60,
      `60 use cases took ${stats.commits - before.commits} commits`,
    );
    assert.ok(stats.largestBatch > 1);
  });

  it('settles no use case before the commit holding it is visible to another connection', async () => {
    const commits: number[] = [];
    const { database, path } = await open({ beforeCommit: (n) => commits.push(n), batchMax: 7 });
    await scratch(database, 'probe');
    const other = new SQLite(path, { readonly: true });
    try {
      const committed = other.prepare('select count(*) as n from probe where k = ?').pluck();
      const seenAtSettle: Array<[string, number]> = [];
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const k = `k${i}`;
          await inTransaction(database, async (trx) => {
            await put(trx, 'probe', k, i);
            // Not committed while the use case runs: another connection does not see it yet.
            assert.equal(committed.get(k), 0);
          });
          seenAtSettle.push([k, committed.get(k) as number]);
        }),
      );
      assert.equal(seenAtSettle.length, 40);
      for (const [k, n] of seenAtSettle) assert.equal(n, 1, `${k} settled before its commit`);
      // Batches of at most 7, and fewer commits than use cases.
      assert.ok(commits.length < 40 && commits.every((n) => n >= 1 && n <= 7), JSON.stringify(commits));
      assert.equal(
        commits.reduce((a, b) => a + b, 0),
        40,
      );
    } finally {
      other.close();
    }
  });

  it('fails every use case of a batch whose COMMIT fails, and commits the next batch', async () => {
    const { database } = await open();
    await scratch(database, 'probe');
    await sql`create table parent (id integer primary key)`.execute(database.db);
    await sql`create table child (id integer primary key, parent_id integer not null references parent (id))`.execute(
      database.db,
    );
    // One use case defers its foreign key check to COMMIT and breaks it: the COMMIT fails.
    const results = await Promise.allSettled([
      inTransaction(database, (trx) => put(trx, 'probe', 'first', 1)),
      inTransaction(database, async (trx) => {
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await sql`insert into child (id, parent_id) values (1, 999)`.execute(trx);
      }),
      inTransaction(database, (trx) => put(trx, 'probe', 'third', 3)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    );
    for (const r of results)
      assert.equal((r as PromiseRejectedResult).reason.code, 'SQLITE_CONSTRAINT_FOREIGNKEY');
    assert.deepEqual(await keys(database, 'probe'), []);
    // The connection is whole again: the next use cases commit.
    await Promise.all([
      inTransaction(database, (trx) => put(trx, 'probe', 'after1', 1)),
      inTransaction(database, (trx) => put(trx, 'probe', 'after2', 2)),
    ]);
    assert.deepEqual(await keys(database, 'probe'), ['after1', 'after2']);
  });

  it('fails only the use case that fills the disk; the others of its batch commit', async () => {
    const { database } = await open();
    await scratch(database, 'probe');
    await sql`create table blobs (b blob not null)`.execute(database.db);
    const pages = Number(
      (await sql<{ page_count: bigint }>`pragma page_count`.execute(database.db)).rows[0]!.page_count,
    );
    await sql.raw(`pragma max_page_count = ${pages + 8}`).execute(database.db); // a disk about to be full
    try {
      const results = await Promise.allSettled([
        inTransaction(database, (trx) => put(trx, 'probe', 'before', 1)),
        inTransaction(database, (trx) => sql`insert into blobs (b) values (zeroblob(1048576))`.execute(trx)),
        inTransaction(database, (trx) => put(trx, 'probe', 'after', 2)),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal((results[1] as PromiseRejectedResult).reason.code, 'SQLITE_FULL');
      assert.deepEqual(await keys(database, 'probe'), ['after', 'before']);
    } finally {
      await sql`pragma max_page_count = 1073741823`.execute(database.db);
    }
  });

  it('keeps reads outside a transaction from seeing a batch before it commits', async () => {
    const { database } = await open();
    await scratch(database, 'probe');
    let open_!: () => void;
    const gate = new Promise<void>((resolve) => {
      open_ = resolve;
    });
    const order: string[] = [];
    const writing = inTransaction(database, async (trx) => {
      await put(trx, 'probe', 'late', 1);
      await gate;
      throw new Rollback('changed its mind');
    }).catch((error) => {
      order.push('rolled back');
      return error;
    });
    const reading = keys(database, 'probe').then((found) => {
      order.push('read');
      return found;
    });
    open_();
    assert.ok((await writing) instanceof Rollback);
    assert.deepEqual(await reading, []); // the row written in the batch and rolled back was never seen
    assert.deepEqual(order, ['rolled back', 'read']);
  });

  it("waits for another connection's write lock without blocking the event loop", async () => {
    const { database, path } = await open();
    await scratch(database, 'probe');
    const other = new SQLite(path);
    try {
      other.exec('begin immediate');
      other.prepare('insert into probe (k, v) values (?, ?)').run('other', 1);
      const mine = inTransaction(database, (trx) => put(trx, 'probe', 'mine', 2));
      // Only a running event loop gets here to let the other connection commit; a blocking
      // busy wait would hold it until the BEGIN failed with SQLITE_BUSY.
      setTimeout(() => other.exec('commit'), 30);
      await mine;
      assert.deepEqual(await keys(database, 'probe'), ['mine', 'other']);
    } finally {
      other.close();
    }
  });

  it('keeps every acknowledged transaction, whole, through kill -9', async () => {
    const path = join(dir, 'killed.db');
    const acked: string[] = [];
    for (let run = 0; run < 3; run++) {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(new URL('group-commit-writer.ts', import.meta.url)),
          path,
          `r${run}`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let buffered = '';
      let seen = 0;
      const target = 150 + run * 37; // killed at a different point of its batches each run
      await new Promise<void>((resolve) => {
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          acked.push(...lines);
          seen += lines.length;
          if (seen >= target && child.exitCode === null && !child.killed) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('exit', () => resolve());
      });
      await exited;
      assert.ok(seen >= target, `run ${run}: the writer stopped after ${seen} acknowledgements`);
    }
    const check = new SQLite(path);
    try {
      const a = new Set(check.prepare('select k from acked_a').pluck().all() as string[]);
      const b = new Set(check.prepare('select k from acked_b').pluck().all() as string[]);
      assert.deepEqual(
        acked.filter((k) => !a.has(k) || !b.has(k)),
        [],
        'acknowledged but lost',
      );
      assert.deepEqual(
        [...a].filter((k) => !b.has(k)),
        [],
        'half a transaction',
      );
      assert.equal(a.size, b.size);
    } finally {
      check.close();
    }
  });

  it('can be turned off: one commit per use case, same results', async () => {
    const { database } = await open(false);
    assert.equal(database.groupCommit, undefined);
    await scratch(database, 'probe');
    checkMixed(await mixedLoad(database, 'probe'), await keys(database, 'probe'));
  });
});
