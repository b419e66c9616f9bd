// Runs every *.test.ts under test/ with node's own runner (TypeScript through tsx).
// Arguments narrow the run: `npm test -- money refund` runs files whose path contains either word.
// Tests that start `kopek` as a child run the compiled dist/, so it is rebuilt first when src/
// changed since the last build: they test the code that is checked out, as it ships.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfStale } from './build.mjs';

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.test.ts')) yield path;
  }
}

const files = [...walk('test')]
  .sort()
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error('no test files match', filters);
  process.exit(1);
}
// Each test file migrates a PostgreSQL schema of its own (kopek_t_<run pid>_<born>_…). They
// are dropped here, before and after the run, never while a file may be reading the
// catalogue: this run's own at its end, others' only once their run is gone. A run in another
// PID namespace (a container sharing the database) looks gone too, so a schema younger than
// an hour is left to the run that made it.
const youngMs = 60 * 60 * 1000;
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

async function dropTestSchemas() {
  if (process.env.KOPEK_TEST_DB === 'sqlite') return;
  const url =
    process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query(
      "select nspname from pg_namespace where nspname like 'kopek\\_t\\_%'",
    );
    for (const { nspname } of rows) {
      const [, , pidText, bornText] = nspname.split('_');
      const pid = Number(pidText);
      if (pid !== process.pid) {
        if (Number.isInteger(pid) && alive(pid)) continue;
        const bornMs = Number.parseInt(bornText ?? '', 36) * 1000;
        if (bornMs <= Date.now() && Date.now() - bornMs < youngMs) continue; // (older names: no time)
      }
      await client.query(`drop schema if exists "${nspname}" cascade`);
    }
  } catch {
    // no PostgreSQL here: the suite runs its SQLite half
  } finally {
    await client.end().catch(() => {});
  }
}

try {
  const reason = buildIfStale();
  if (reason) console.error(`# built dist/ first (${reason})`);
} catch (error) {
  console.error(`# kopek build: ${error.message}`);
  process.exit(1);
}
await dropTestSchemas();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...flags, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', KOPEK_TEST_RUN: String(process.pid) } },
);
await dropTestSchemas();
process.exit(result.status ?? 1);
