/**
 * The cabinet at scale: `npm run bench:cabinet` (issue 13). See bench/README.md.
 *
 * Fills a database with `kopek demo` (1 M payments; `--10m` for 10 M; `--payments N` for any
 * count), then opens the gateway on it in this process, listens on 127.0.0.1 and measures over
 * HTTP, as the cabinet calls them with the demo merchant's PayKeeper login:
 *
 * - statistics (1.2 sums, 1.3 chart, 1.4 allsum; from daily_stats) over a month and the period;
 * - the registry: 2.1 bydate first pages (all filters, one status, one system), a deep `from`,
 *   2.2 bydatecount over a day, a week, a month and the whole period, search by order id;
 * - the streamed XLSX export of the last 30 days and of everything: rows/s, MiB/s and the
 *   process's RSS sampled every 50 ms while it runs (the server runs in this process, so the
 *   figure is the server's memory plus the client's, which discards what it reads).
 *
 * p50/p99 of each query over BENCH_CABINET_RUNS sequential requests after a warm-up. Prints a
 * table and a final `BENCH_CABINET_JSON {...}` line. BENCH_CABINET_DB=<sqlite file or
 * postgres URL> reuses a database filled before (its data dir: BENCH_CABINET_DIR).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { request } from 'undici';
import { startUp } from '../src/cli/start-up.ts';
import { loadSettings } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { buildApp } from '../src/web/app.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : argv[at + 1];
};
const payments = Number(option('--payments') ?? (flag('--10m') ? 10_000_000 : 1_000_000));
const runs = Number(process.env.BENCH_CABINET_RUNS ?? 30);
const dir = resolve(process.env.BENCH_CABINET_DIR ?? join(tmpdir(), `kopek-cabinet-${payments}`));
const database = process.env.BENCH_CABINET_DB ?? join(dir, 'kopek.db');
const root = resolve(import.meta.dirname, '..');

mkdirSync(dir, { recursive: true });
process.env.KOPEK_DATA_DIR = dir;
process.env.KOPEK_DEMO_DATA = '0';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

function kopekDemo(): Promise<{ ms: number; out: string }> {
  const started = performance.now();
  return new Promise((done, failed) =>
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src/cli/main.ts'),
        'demo',
        '--payments',
        String(payments),
        '--seed',
        '1',
        '-d',
        database,
        '--json',
      ],
      { cwd: root, env: process.env, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error) failed(new Error(`kopek demo failed: ${stderr}`));
        else done({ ms: performance.now() - started, out: stdout.trim() });
      },
    ),
  );
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ms = (n: number) => n.toFixed(1);

async function main() {
  const log = createLogger({ level: 'warn' });
  const settings = loadSettings({ database });
  let fill: { ms: number; out: string } | null = null;
  {
    const { gateway } = await startUp(settings, log);
    const { rows } = await sql<{ n: bigint }>`select count(*) as n from payments`.execute(
      gateway.database.db,
    );
    await gateway.close();
    if (Number(rows[0]!.n) < payments) {
      console.log(`filling ${database} with ${payments} payments (kopek demo)…`);
      fill = await kopekDemo();
      console.log(`  ${fill.out}\n  wall ${(fill.ms / 1000).toFixed(1)} s`);
    } else console.log(`reusing ${database} (${rows[0]!.n} payments)`);
  }
  const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8'));
  const { gateway } = await startUp(settings, log);
  const app = await buildApp(gateway);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const auth = `Basic ${Buffer.from(`${creds.paykeeper.login}:${creds.paykeeper.password}`).toString('base64')}`;
  const day = (offsetDays: number) =>
    new Date(Date.now() + 3 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
  const today = day(0);
  const systems = (await (
    await request(`${base}/info/systems/list/`, { headers: { authorization: auth } })
  ).body.json()) as {
    id: string;
  }[];
  const allSystems = systems.map((s) => `payment_system_id[]=${s.id}`).join('&');
  const allStatuses = [
    'pending',
    'obtained',
    'canceled',
    'success',
    'failed',
    'stuck',
    'refunded',
    'refunding',
    'partially_refunded',
  ]
    .map((s) => `status[]=${s}`)
    .join('&');
  const period = (days: number) => `start=${day(-days + 1)}&end=${today}`;
  const { rows: sample } = await sql<{
    external_id: string;
  }>`select external_id from payments where external_id is not null order by id desc limit 1 offset 5000`.execute(
    gateway.database.db,
  );
  const orderId = sample[0]?.external_id ?? 'none';

  const queries: [string, string][] = [
    ['1.2 sums, 30 days', `/info/systems/sums/?${period(30)}`],
    ['1.2 sums, 180 days', `/info/systems/sums/?${period(180)}`],
    ['1.3 chart, 30 days', `/info/systems/sums/details/?${period(30)}`],
    ['1.4 allsum, 180 days', `/info/systems/allsum/?${period(180)}`],
    ['errors/total, 30 days', `/info/errors/total/?${period(30)}`],
    [
      '2.1 bydate p1, 30 days',
      `/info/payments/bydate/?${period(30)}&${allStatuses}&${allSystems}&from=0&limit=100`,
    ],
    [
      '2.1 bydate p1, 180 days',
      `/info/payments/bydate/?${period(180)}&${allStatuses}&${allSystems}&from=0&limit=100`,
    ],
    [
      '2.1 bydate success p1',
      `/info/payments/bydate/?${period(30)}&status[]=success&${allSystems}&from=0&limit=100`,
    ],
    [
      '2.1 bydate refunded p1',
      `/info/payments/bydate/?${period(30)}&status[]=refunded&${allSystems}&from=0&limit=100`,
    ],
    [
      '2.1 bydate p11 (from=1000)',
      `/info/payments/bydate/?${period(30)}&${allStatuses}&${allSystems}&from=1000&limit=100`,
    ],
    [
      '2.1 bydate from=100000',
      `/info/payments/bydate/?${period(180)}&${allStatuses}&${allSystems}&from=100000&limit=100`,
    ],
    ['2.2 bydatecount, 1 day', `/info/payments/bydatecount/?${period(1)}`],
    ['2.2 bydatecount, 7 days', `/info/payments/bydatecount/?${period(7)}`],
    ['2.2 bydatecount, 30 days', `/info/payments/bydatecount/?${period(30)}`],
    ['2.2 bydatecount, 180 days', `/info/payments/bydatecount/?${period(180)}`],
    ['search by order id', `/info/payments/search/?query=${encodeURIComponent(orderId)}`],
  ];
  const results: { name: string; p50: number; p99: number; bytes: number }[] = [];
  for (const [name, path] of queries) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs + 3; i++) {
      const t0 = performance.now();
      const res = await request(`${base}${path}`, { headers: { authorization: auth } });
      const body = await res.body.text();
      const t = performance.now() - t0;
      if (res.statusCode !== 200 || body.includes('"result":"fail"'))
        throw new Error(`${name}: ${res.statusCode} ${body.slice(0, 200)}`);
      bytes = body.length;
      if (i >= 3) times.push(t);
    }
    times.sort((a, b) => a - b);
    results.push({ name, p50: quantile(times, 0.5), p99: quantile(times, 0.99), bytes });
    console.log(
      `${name.padEnd(30)} p50 ${ms(quantile(times, 0.5)).padStart(8)} ms  p99 ${ms(quantile(times, 0.99)).padStart(8)} ms  (${bytes} B)`,
    );
  }

  const exports: {
    name: string;
    rows: number;
    seconds: number;
    mib: number;
    rssMiBMax: number;
    rssMiBStart: number;
  }[] = [];
  const exportPeriods =
    process.env.BENCH_CABINET_EXPORT === '0'
      ? []
      : ([
          ['export 30 days', 30],
          ['export everything', 3650],
        ] as const);
  for (const [name, days] of exportPeriods) {
    global.gc?.();
    const rssStart = process.memoryUsage().rss;
    let rssMax = rssStart;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }, 50);
    const t0 = performance.now();
    const res = await request(`${base}/export/payments/all/?type=xlsx&${period(days)}`, {
      headers: { authorization: auth },
    });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const rows = Number(res.headers['x-total-count']);
    const figure = {
      name,
      rows,
      seconds,
      mib: bytes / 2 ** 20,
      rssMiBStart: rssStart / 2 ** 20,
      rssMiBMax: rssMax / 2 ** 20,
    };
    exports.push(figure);
    console.log(
      `${name.padEnd(30)} ${rows} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s, ${figure.mib.toFixed(1)} MiB; RSS ${figure.rssMiBStart.toFixed(0)} → max ${figure.rssMiBMax.toFixed(0)} MiB`,
    );
  }
  await app.close();
  await gateway.close();
  console.log(
    `BENCH_CABINET_JSON ${JSON.stringify({ payments, database: gateway.database.label, fill: fill && { ms: Math.round(fill.ms), ...JSON.parse(fill.out) }, queries: results, exports })}`,
  );
}

if (!existsSync(join(root, 'src/cli/main.ts'))) throw new Error('run from the repository');
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
