/**
 * A child process for group-commit.test.ts: writes pairs of rows through group commit, 16 at a
 * time, and prints each key once its transaction has resolved (acknowledged). The test kills it
 * with SIGKILL and checks that every acknowledged pair is on disk, and no half pair is.
 */
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/database.ts';
import { inTransaction } from '../../src/store/transaction.ts';

const [path, run] = process.argv.slice(2);
const database = await openDatabase(path!, { groupCommit: true });
await sql`create table if not exists acked_a (k text primary key)`.execute(database.db);
await sql`create table if not exists acked_b (k text primary key)`.execute(database.db);
let next = 0;
const writer = async () => {
  for (;;) {
    const k = `${run}-${next++}`;
    await inTransaction(database, async (trx) => {
      await sql`insert into acked_a (k) values (${k})`.execute(trx);
      await sql`insert into acked_b (k) values (${k})`.execute(trx);
    });
    process.stdout.write(`${k}\n`);
  }
};
await Promise.all(Array.from({ length: 16 }, writer));
