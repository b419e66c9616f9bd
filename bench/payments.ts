import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { CardData } from '../src/domain/card-data.ts';
import { Secret } from '../src/security/secret.ts';
import type { Database, Flavor } from '../src/store/database.ts';
import { inTransaction } from '../src/store/transaction.ts';
import {
  type BenchDatabase,
  benchGateway,
  type Memory,
  memory,
  openPostgresBench,
  openSqliteBench,
  percentile,
  postgresReachable,
  round,
} from './harness.ts';

// ---------------------------------------------------------------------------------------------
// Settings, all from the environment.

const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

const settings = {
  /** Payments created per (database, concurrency) run; also the raw transactions per run. */
  n: intEnv('BENCH_N', 3000),
  /** Payments paid by card per (database, concurrency) run; prepared outside the timed region. */
  payN: intEnv('BENCH_PAY_N', Math.max(1, Math.floor(intEnv('BENCH_N', 3000) / 3))),
  /** A run stops starting operations after this long (slow disks), and reports how many it did. */
  runSecondsMax: intEnv('BENCH_RUN_SECONDS_MAX', 8),
  /** Operations of each kind run untimed first, per database. */
  warmup: intEnv('BENCH_WARMUP', 200),
  concurrency: (process.env.BENCH_CONCURRENCY ?? '1,16').split(',').map((c) => {
    const value = Number(c.trim());
    if (!Number.isSafeInteger(value) || value < 1) throw new Error('BENCH_CONCURRENCY: e.g. 1,16');
    return value;
  }),
  /** PostgreSQL pool size; at least the highest concurrency, so no run waits for a connection. */
  poolSize: intEnv('BENCH_POOL_SIZE', 20),
  databases: (process.env.BENCH_DB ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as Flavor[],
  postgresUrl:
    process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  sqliteDir: process.env.BENCH_SQLITE_DIR ?? tmpdir(),
  /** SQLite runs with group commit on, off, or both (each on a file of its own), in this order. */
  sqliteGroupCommit: (process.env.BENCH_SQLITE_GROUP_COMMIT ?? 'on,off').split(',').map((m) => {
    const mode = m.trim();
    if (mode !== 'on' && mode !== 'off') throw new Error('BENCH_SQLITE_GROUP_COMMIT: on, off or on,off');
    return mode;
  }),
};

// ---------------------------------------------------------------------------------------------
// Measuring.

type Figures = {
  test: 'create' | 'raw2' | 'raw2g' | 'pay';
  concurrency: number;
  n: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** create only: its ops/s as a share of raw2's at the same concurrency. */
  shareOfRaw?: number;
  /** The run hit BENCH_RUN_SECONDS_MAX before n operations. */
  cut?: boolean;
  /** SQLite group commit: use cases per durable commit in this run, on average. */
  perCommit?: number;
  before: Memory;
  after: Memory;
};

/**
 * Runs `op(0..n-1)` with `concurrency` workers each pulling the next index, recording every
 * latency; past BENCH_RUN_SECONDS_MAX no new index is handed out. Returns the indices done.
 */
async function drive(
  n: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
  latencies?: Float64Array,
): Promise<number> {
  const deadline = performance.now() + settings.runSecondsMax * 1000;
  let next = 0;
  const worker = async () => {
    while (next < n && performance.now() < deadline) {
      const i = next++;
      const started = performance.now();
      await op(i);
      if (latencies) latencies[i] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return next;
}

async function measure(
  test: Figures['test'],
  n: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<Figures> {
  const all = new Float64Array(n);
  const before = memory();
  const started = performance.now();
  const done = await drive(n, concurrency, op, all);
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  const latencies = all.subarray(0, done).sort();
  return {
    test,
    concurrency,
    n: done,
    ...(done < n ? { cut: true } : {}),
    seconds: round(seconds, 3),
    perSecond: round(done / seconds, 1),
    p50Ms: round(percentile(latencies, 50), 3),
    p90Ms: round(percentile(latencies, 90), 3),
    p99Ms: round(percentile(latencies, 99), 3),
    maxMs: round(latencies[done - 1] ?? Number.NaN, 3),
    before,
    after,
  };
}

const warm = (n: number, op: (i: number) => Promise<void>) => drive(n, 4, op);

// ---------------------------------------------------------------------------------------------
// Databases and the gateway.

// ---------------------------------------------------------------------------------------------
// The three tests.

const approvedCard = () =>
  new Secret<CardData>({
    pan: '4111111111111111',
    expiry: { month: 12, year: 2030 },
    cvc: '123',
    holder: 'BENCH',
  });

/** Scratch tables for the raw transaction, in the same database (and schema) as the gateway's. */
async function createScratchTables(database: Database): Promise<void> {
  const id =
    database.flavor === 'sqlite' ? 'integer primary key' : 'bigint generated always as identity primary key';
  for (const table of ['bench_raw_a', 'bench_raw_b'])
    await sql
      .raw(`create table ${table} (id ${id}, k text not null, v bigint not null, created_at bigint not null)`)
      .execute(database.db);
}

async function runDatabase(label: string, bench: BenchDatabase): Promise<Figures[]> {
  const { database } = bench;
  const { gateway, logLines } = await benchGateway(database, 'info');
  const { engine } = gateway;
  const startMemory = memory();
  try {
    await createScratchTables(database);
    const merchant = await engine.createMerchant({ name: 'Bench merchant' });
    if (!merchant.ok) throw new Error(`createMerchant failed: ${JSON.stringify(merchant.error)}`);
    const merchantId = BigInt(merchant.value.id);
    const run = `${Date.now().toString(36)}`;
    let serial = 0;

    const create = async () => {
      const externalId = `bench-${run}-${serial++}`;
      const result = await engine.createPayment({
        merchantId,
        origin: 'core',
        amountMinor: 10_000n + BigInt(serial % 1000),
        currency: 'RUB',
        externalId,
      });
      if (!result.ok || !result.value.created)
        throw new Error(
          `createPayment ${externalId}: ${JSON.stringify(result.ok ? 'not created' : result.error)}`,
        );
      return result.value.payment.id;
    };
    const raw2 = async () => {
      const k = `raw-${run}-${serial++}`;
      const now = Date.now();
      await database.db.transaction().execute(async (trx) => {
        await sql`insert into bench_raw_a (k, v, created_at) values (${k}, ${BigInt(serial)}, ${now})`.execute(
          trx,
        );
        await sql`insert into bench_raw_b (k, v, created_at) values (${k}, ${BigInt(serial)}, ${now})`.execute(
          trx,
        );
      });
    };
    // The same two inserts through inTransaction: with SQLite's group commit, many share a commit.
    const raw2g = async () => {
      const k = `rawg-${run}-${serial++}`;
      const now = Date.now();
      await inTransaction(database, async (trx) => {
        await sql`insert into bench_raw_a (k, v, created_at) values (${k}, ${BigInt(serial)}, ${now})`.execute(
          trx,
        );
        await sql`insert into bench_raw_b (k, v, created_at) values (${k}, ${BigInt(serial)}, ${now})`.execute(
          trx,
        );
      });
    };
    const grouped = database.groupCommit;
    /** measure(), plus use cases per commit when the store groups commits. */
    const timed = async (...args: Parameters<typeof measure>): Promise<Figures> => {
      const before = grouped?.stats();
      const figures = await measure(...args);
      const after = grouped?.stats();
      if (before && after && after.commits > before.commits)
        figures.perCommit = round((after.useCases - before.useCases) / (after.commits - before.commits), 1);
      return figures;
    };
    const pay = async (id: bigint) => {
      const result = await engine.payWithCard({ payment: { id }, merchantId, card: approvedCard() });
      if (!result.ok) throw new Error(`payWithCard ${id}: ${JSON.stringify(result.error)}`);
      if (result.value.outcome !== 'approved' || result.value.payment.status !== 'captured')
        throw new Error(`payWithCard ${id}: ${result.value.outcome}, ${result.value.payment.status}`);
    };
    const prepare = async (count: number) => {
      const ids: bigint[] = [];
      await warm(count, async () => {
        ids.push(await create());
      });
      return ids;
    };

    // Warm-up: every path once at some concurrency, untimed.
    await warm(settings.warmup, async () => {
      await create();
    });
    await warm(settings.warmup, raw2);
    if (grouped) await warm(settings.warmup, raw2g);
    const warmPay = await prepare(Math.max(10, settings.warmup >> 2));
    await warm(warmPay.length, (i) => pay(warmPay[i]!));

    const figures: Figures[] = [];
    for (const c of settings.concurrency) {
      figures.push(
        await timed('create', settings.n, c, async () => {
          await create();
        }),
      );
      figures.push(await timed('raw2', settings.n, c, raw2));
      if (grouped) figures.push(await timed('raw2g', settings.n, c, raw2g));
      const ids = await prepare(settings.payN);
      figures.push(await timed('pay', ids.length, c, (i) => pay(ids[i]!)));
    }

    for (const f of figures) {
      const raw = figures.find((r) => r.test === 'raw2' && r.concurrency === f.concurrency);
      if (f.test === 'create' && raw) f.shareOfRaw = round(f.perSecond / raw.perSecond, 3);
    }
    const check = await engine.verifyLedger();
    printTable(label, bench.durability, figures, startMemory, memory(), logLines(), check);
    return figures;
  } finally {
    await gateway.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Output.

const names = {
  create: 'engine createPayment',
  raw2: 'raw 2-insert tx',
  raw2g: 'raw 2-insert, grouped',
  pay: 'engine payWithCard',
};

function printTable(
  label: string,
  durability: string,
  figures: Figures[],
  start: Memory,
  end: Memory,
  logLines: number,
  ledger: unknown,
) {
  const header = [
    'test',
    'C',
    'n',
    'ops/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'vs raw',
    'per commit',
    'RSS MiB',
    'heap MiB',
  ];
  const rows = figures.map((f) => {
    const share = f.shareOfRaw === undefined ? '' : `${Math.round(f.shareOfRaw * 100)}%`;
    return [
      names[f.test],
      String(f.concurrency),
      `${f.n}${f.cut ? '*' : ''}`,
      f.perSecond.toFixed(0),
      f.p50Ms.toFixed(2),
      f.p90Ms.toFixed(2),
      f.p99Ms.toFixed(2),
      f.maxMs.toFixed(2),
      share,
      f.perCommit === undefined ? '' : f.perCommit.toFixed(1),
      `${f.before.rssMiB.toFixed(0)}→${f.after.rssMiB.toFixed(0)}`,
      `${f.before.heapUsedMiB.toFixed(0)}→${f.after.heapUsedMiB.toFixed(0)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(`\n== ${label}: ${durability}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  if (figures.some((f) => f.cut))
    console.log(`* stopped at BENCH_RUN_SECONDS_MAX=${settings.runSecondsMax} s`);
  console.log(
    `memory: RSS ${start.rssMiB}→${end.rssMiB} MiB, heap used ${start.heapUsedMiB}→${end.heapUsedMiB} MiB; ` +
      `log lines written: ${logLines}; ledger check: ${JSON.stringify(ledger, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
  );
}

/** SQLite side by side: creates and payments with group commit on and off, and the raw ceilings. */
function printGroupCommitComparison(on: Figures[], off: Figures[]) {
  const rate = (runs: Figures[], test: Figures['test'], c: number) =>
    runs.find((f) => f.test === test && f.concurrency === c)?.perSecond;
  const cell = (x: number | undefined) => (x === undefined ? '' : x.toFixed(0));
  const header = [
    'C',
    'create on',
    'create off',
    'on/off',
    'pay on',
    'pay off',
    'raw tx (off)',
    'raw grouped (on)',
    'create on/raw tx',
  ];
  const rows = settings.concurrency.map((c) => {
    const createOn = rate(on, 'create', c);
    const createOff = rate(off, 'create', c);
    const raw = rate(off, 'raw2', c);
    return [
      String(c),
      cell(createOn),
      cell(createOff),
      createOn && createOff ? `${(createOn / createOff).toFixed(1)}×` : '',
      cell(rate(on, 'pay', c)),
      cell(rate(off, 'pay', c)),
      cell(raw),
      cell(rate(on, 'raw2g', c)),
      createOn && raw ? `${Math.round((createOn / raw) * 100)}%` : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  console.log(
    '\n== SQLite group commit, ops/s in the same run (raw tx: BEGIN; 2 INSERTs; COMMIT, one fsync each)',
  );
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const began = performance.now();
  const host = { node: process.version, platform: `${process.platform}-${process.arch}` };
  console.log(
    `Kopek engine benchmark: BENCH_N=${settings.n} BENCH_PAY_N=${settings.payN} BENCH_WARMUP=${settings.warmup} ` +
      `BENCH_RUN_SECONDS_MAX=${settings.runSecondsMax} ` +
      `concurrency=${settings.concurrency.join(',')}, node ${host.node}, ${host.platform}`,
  );
  const results: Record<string, unknown> = {};
  const notes: string[] = [];

  if (settings.databases.includes('sqlite')) {
    const sqlite: Record<string, { durability: string; runs: Figures[] }> = {};
    for (const mode of settings.sqliteGroupCommit) {
      const bench = await openSqliteBench(settings.sqliteDir, 'kopek-bench', mode === 'on');
      try {
        sqlite[mode] = {
          durability: bench.durability,
          runs: await runDatabase(`SQLite, group commit ${mode}`, bench),
        };
      } finally {
        await bench.drop();
      }
    }
    results.sqlite = sqlite;
    if (sqlite.on && sqlite.off) printGroupCommitComparison(sqlite.on.runs, sqlite.off.runs);
  }

  if (settings.databases.includes('postgres')) {
    const url = settings.postgresUrl;
    const shown = (() => {
      try {
        const u = new URL(url);
        return `${u.protocol}//${u.host}${u.pathname}`;
      } catch {
        return 'the configured URL';
      }
    })();
    const unreachable = await postgresReachable(url);
    if (unreachable) {
      const note = `PostgreSQL skipped: not reachable at ${shown} (${unreachable})`;
      console.log(`\n== ${note}`);
      notes.push(note);
    } else {
      const bench = await openPostgresBench(url, settings.poolSize, 'kopek_bench');
      try {
        results.postgres = {
          durability: bench.durability,
          runs: await runDatabase(`PostgreSQL ${shown}`, bench),
        };
      } finally {
        await bench.drop();
      }
    }
  }

  const total = round((performance.now() - began) / 1000, 1);
  console.log(`\ntotal ${total} s`);
  console.log(
    `BENCH_JSON ${JSON.stringify({ settings: { ...settings, postgresUrl: undefined }, host, results, notes, totalSeconds: total })}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
