import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Request as CannonRequest, type Result as CannonResult } from 'autocannon';
import type { Database, Flavor } from '../src/store/database.ts';
import { startCeiling } from './ceiling.ts';
import {
  type BenchDatabase,
  intEnv,
  type Memory,
  memory,
  openPostgresBench,
  openSqliteBench,
  percentile,
  postgresReachable,
  round,
  sha1hex,
  startServer,
} from './harness.ts';

// ---------------------------------------------------------------------------------------------
// Settings, all from the environment.

const listEnv = (name: string, fallback: string): string[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const testNames = ['healthz', 'nodb', 'create', 'impay', 'paykeeper', 'get', 'page'] as const;
type TestName = (typeof testNames)[number];

const connections = listEnv('BENCH_HTTP_CONNECTIONS', '1,16').map((c) => {
  const value = Number(c);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error('BENCH_HTTP_CONNECTIONS: e.g. 1,16');
  return value;
});

const settings = {
  /** Measured seconds per (test, connections) run. */
  seconds: Math.max(1, intEnv('BENCH_HTTP_SECONDS', 5)),
  /** Unmeasured seconds before each run, same test and connections (0: none). */
  warmupSeconds: intEnv('BENCH_HTTP_WARMUP_SECONDS', 1),
  connections,
  tests: listEnv('BENCH_HTTP_TESTS', 'healthz,nodb,create,impay,paykeeper,get,page').map((t) => {
    if (!(testNames as readonly string[]).includes(t))
      throw new Error(`BENCH_HTTP_TESTS: one or more of ${testNames.join(',')}`);
    return t as TestName;
  }),
  databases: listEnv('BENCH_DB', 'sqlite,postgres').map((d) => {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error('BENCH_DB: sqlite, postgres or both');
    return d as Flavor;
  }),
  /** PostgreSQL pool; above the highest connection count so no request waits for a connection. */
  poolSize: Math.max(1, intEnv('BENCH_POOL_SIZE', Math.max(20, ...connections.map((c) => c + 4)))),
  postgresUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  sqliteDir: process.env.BENCH_SQLITE_DIR ?? tmpdir(),
};

// ---------------------------------------------------------------------------------------------
// Figures.

type Figures = {
  test: TestName;
  connections: number;
  /** Responses received in the measured run (any status). */
  responses: number;
  seconds: number;
  /** autocannon's mean of its per-second samples. */
  perSecond: number;
  /** responses ÷ seconds, for comparison. */
  perSecondOverall: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Status → count, e.g. { "201": 812 }. */
  statuses: Record<string, number>;
  expected: number;
  non2xx: number;
  /** Responses with another status than `expected` (also counts a 200 where 201 was due). */
  unexpected: number;
  /** Connection errors and timeouts (autocannon's `errors`, which include `timeouts`). */
  errors: number;
  timeouts: number;
  /** create only: payments the run added to the database (≥ its 201s; in-flight at the stop count too). */
  stored?: number;
  warmup: { responses: number; unexpected: number; errors: number };
  /** creates: responses per second as a share of the ceiling's (no database) at the same connections. */
  vsCeiling?: number;
  before: Memory;
  after: Memory;
};

// ---------------------------------------------------------------------------------------------
// Driving the server.

type Target = {
  test: TestName;
  /** The status every response must have. */
  expected: number;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** A new body for every request. */
  body?: () => string;
  /** Builds every request (body and headers) instead of `body`. */
  setup?: (req: CannonRequest) => CannonRequest;
  /** Another server than the gateway (the ceiling without a database). */
  url?: string;
};

type Shot = {
  result: CannonResult;
  /** Every response's latency in ms, as measured by autocannon (hrtime, not rounded). */
  latencies: Float64Array;
};

async function shoot(url: string, target: Target, conns: number, seconds: number): Promise<Shot> {
  const { body, setup } = target;
  const request: CannonRequest = {
    method: target.method,
    path: target.path,
    ...(target.headers ? { headers: target.headers } : {}),
    // autocannon calls setupRequest before each send when it is given: each request a new body.
    ...(setup
      ? { setupRequest: setup }
      : body
        ? { setupRequest: (req: CannonRequest) => ({ ...req, body: body() }) }
        : {}),
  };
  let latencies = new Float64Array(1 << 14);
  let count = 0;
  const instance = autocannon({
    url,
    connections: conns,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [request],
  });
  instance.on('response', (_client, _status, _bytes, ms) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  });
  const result = await instance;
  return { result, latencies: latencies.subarray(0, count).sort() };
}

const unexpectedOf = (result: CannonResult, expected: number) =>
  Object.entries(result.statusCodeStats).reduce(
    (sum, [status, { count }]) => sum + (Number(status) === expected ? 0 : count),
    0,
  );

// ---------------------------------------------------------------------------------------------
// Databases and the gateway.

// ---------------------------------------------------------------------------------------------
// One database.

const paymentsOf = async (database: Database, merchantId: bigint): Promise<number> =>
  Number(
    (
      await database.db
        .selectFrom('payments')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('merchant_id', '=', merchantId)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Waits until requests still in the server when autocannon stopped have committed. */
async function settledPayments(database: Database, merchantId: bigint): Promise<number> {
  let last = await paymentsOf(database, merchantId);
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    const now = await paymentsOf(database, merchantId);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** The tests that create a payment: their runs count what they stored. */
const creates = new Set<TestName>(['create', 'impay', 'paykeeper']);

type Section = { figures: Figures[]; start: Memory; end: Memory; logLines: number; problems: string[] };

async function runDatabase(label: string, bench: BenchDatabase): Promise<Section> {
  const { database } = bench;
  const server = await startServer(database);
  const ceiling = await startCeiling();
  const { gateway, url } = server;
  const start = memory();
  try {
    const made = await gateway.engine.createMerchant({ name: 'Bench merchant' });
    if (!made.ok) throw new Error(`createMerchant failed: ${JSON.stringify(made.error)}`);
    const merchantId = BigInt(made.value.id);
    const { account_id, secret_key } = made.value.paymega;
    const auth = `Basic ${Buffer.from(`${account_id}:${secret_key}`).toString('base64')}`;
    const run = `${process.pid}-${Date.now().toString(36)}`;
    let serial = 0;
    const invoiceBody = () =>
      JSON.stringify({
        data: {
          type: 'payment-invoices',
          attributes: {
            reference_id: `bench-${run}-${++serial}`,
            amount: 10,
            currency: 'USD',
            service: 'payment_card_usd_hpp',
          },
        },
      });
    const jsonHeaders = { authorization: auth, 'content-type': 'application/vnd.api+json' };

    // One invoice to read back and to show on the payment page; checks both answer before timing.
    const created = await fetch(`${url}/api/payment-invoices`, {
      method: 'POST',
      headers: jsonHeaders,
      body: invoiceBody(),
    });
    const createdText = await created.text();
    if (created.status !== 201)
      throw new Error(`POST /api/payment-invoices: ${created.status} ${createdText.slice(0, 300)}`);
    const invoiceId = String((JSON.parse(createdText) as { data: { id: string } }).data.id);
    const publicId = invoiceId.replace(/^cpi_/, '');
    for (const [path, headers, type] of [
      [`/api/payment-invoices/${invoiceId}`, { authorization: auth }, 'json'],
      [`/pay/${publicId}`, {}, 'text/html'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { headers });
      await res.arrayBuffer();
      if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes(type))
        throw new Error(`GET ${path}: ${res.status} ${res.headers.get('content-type')}`);
    }

    // ImPay: X-Token = sha1(sha1(key) + sha1(body)) over each body; PayKeeper: a form with
    // the security token the merchant's login gets from /info/settings/token/
    const impay = made.value.impay;
    const impayKeyHash = sha1hex(impay.key);
    const impayRequest = (req: CannonRequest): CannonRequest => {
      const body = JSON.stringify({ amount: 10, extid: `bench-${run}-${++serial}` });
      return {
        ...req,
        body,
        headers: {
          'content-type': 'application/json',
          'x-login': impay.login,
          'x-token': sha1hex(impayKeyHash + sha1hex(body)),
        },
      };
    };
    const pk = made.value.paykeeper;
    const pkAuth = `Basic ${Buffer.from(`${pk.login}:${pk.password}`).toString('base64')}`;
    const tokenRes = await fetch(`${url}/info/settings/token/`, { headers: { authorization: pkAuth } });
    const pkToken = ((await tokenRes.json()) as { token?: string }).token;
    if (tokenRes.status !== 200 || !pkToken) throw new Error(`PayKeeper token: ${tokenRes.status}`);
    const pkBody = () =>
      `pay_amount=10.00&orderid=bench-${run}-${++serial}&service_name=Bench&token=${encodeURIComponent(pkToken)}`;

    const targets: Record<TestName, Target> = {
      healthz: { test: 'healthz', expected: 200, method: 'GET', path: '/healthz' },
      nodb: {
        test: 'nodb',
        expected: 201,
        method: 'POST',
        path: '/api/payment-invoices',
        headers: jsonHeaders,
        body: invoiceBody,
        url: ceiling.url,
      },
      impay: {
        test: 'impay',
        expected: 200,
        method: 'POST',
        path: '/v1/pay/lk',
        setup: impayRequest,
      },
      paykeeper: {
        test: 'paykeeper',
        expected: 200,
        method: 'POST',
        path: '/change/invoice/preview/',
        headers: { authorization: pkAuth, 'content-type': 'application/x-www-form-urlencoded' },
        body: pkBody,
      },
      create: {
        test: 'create',
        expected: 201,
        method: 'POST',
        path: '/api/payment-invoices',
        headers: jsonHeaders,
        body: invoiceBody,
      },
      get: {
        test: 'get',
        expected: 200,
        method: 'GET',
        path: `/api/payment-invoices/${invoiceId}`,
        headers: { authorization: auth },
      },
      page: { test: 'page', expected: 200, method: 'GET', path: `/pay/${publicId}` },
    };

    const figures: Figures[] = [];
    for (const test of settings.tests) {
      const target = targets[test];
      for (const conns of settings.connections) {
        const warm =
          settings.warmupSeconds > 0
            ? (await shoot(target.url ?? url, target, conns, settings.warmupSeconds)).result
            : null;
        const storedBefore = creates.has(test) ? await settledPayments(database, merchantId) : 0;
        const before = memory();
        const { result, latencies } = await shoot(target.url ?? url, target, conns, settings.seconds);
        const after = memory();
        const stored = creates.has(test)
          ? (await settledPayments(database, merchantId)) - storedBefore
          : undefined;
        const statuses = Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]),
        );
        const responses = latencies.length;
        figures.push({
          test,
          connections: conns,
          responses,
          seconds: result.duration,
          perSecond: round(result.requests.average, 1),
          perSecondOverall: round(responses / result.duration, 1),
          p50Ms: round(percentile(latencies, 50), 3),
          p90Ms: round(percentile(latencies, 90), 3),
          p99Ms: round(percentile(latencies, 99), 3),
          maxMs: round(latencies[responses - 1] ?? Number.NaN, 3),
          statuses,
          expected: target.expected,
          non2xx: result.non2xx,
          unexpected: unexpectedOf(result, target.expected),
          errors: result.errors,
          timeouts: result.timeouts,
          ...(stored === undefined ? {} : { stored }),
          warmup: {
            responses: warm ? warm.requests.total : 0,
            unexpected: warm ? unexpectedOf(warm, target.expected) : 0,
            errors: warm ? warm.errors : 0,
          },
          before,
          after,
        });
      }
    }

    // each create beside the ceiling measured in the same run, at the same connections
    for (const f of figures) {
      const top = figures.find((g) => g.test === 'nodb' && g.connections === f.connections);
      if (creates.has(f.test) && top && top.perSecondOverall > 0)
        f.vsCeiling = round(f.perSecondOverall / top.perSecondOverall, 3);
    }
    const problems: string[] = [];
    for (const f of figures) {
      const at = `${label} ${names[f.test]} C=${f.connections}`;
      if (f.unexpected > 0 || f.errors > 0)
        problems.push(
          `${at}: ${f.unexpected} responses not ${f.expected} (${statusText(f.statuses)}), non-2xx ${f.non2xx}, errors ${f.errors} (timeouts ${f.timeouts})`,
        );
      if (f.warmup.unexpected > 0 || f.warmup.errors > 0)
        problems.push(
          `${at} warm-up: ${f.warmup.unexpected} responses not ${f.expected}, errors ${f.warmup.errors}`,
        );
      const got = f.statuses[String(f.expected)] ?? 0;
      if (f.stored !== undefined && (f.stored < got || f.stored > got + f.connections))
        problems.push(`${at}: ${got} × ${f.expected} but ${f.stored} payments stored`);
      if (f.responses === 0) problems.push(`${at}: no responses`);
    }
    const section = { figures, start, end: memory(), logLines: server.logLines(), problems };
    printTable(label, bench.durability, section);
    return section;
  } finally {
    await ceiling.close();
    await server.app.close();
    await gateway.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Output.

const names: Record<TestName, string> = {
  healthz: 'GET /healthz',
  nodb: 'ceiling: same POST, no database',
  create: 'Paymega POST /api/payment-invoices',
  impay: 'ImPay POST /v1/pay/lk',
  paykeeper: 'PayKeeper POST /change/invoice/preview/',
  get: 'GET /api/payment-invoices/{id}',
  page: 'GET /pay/{id}',
};

const statusText = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ') || 'none';

function printTable(label: string, durability: string, section: Section) {
  const header = [
    'test',
    'C',
    'n',
    'req/s',
    'vs ceiling',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'statuses',
    'non-2xx',
    'errors',
    'RSS MiB',
    'heap MiB',
  ];
  const rows = section.figures.map((f) => [
    names[f.test],
    String(f.connections),
    String(f.responses),
    f.perSecond.toFixed(0),
    f.vsCeiling === undefined ? '' : `${(f.vsCeiling * 100).toFixed(1)}%`,
    f.p50Ms.toFixed(2),
    f.p90Ms.toFixed(2),
    f.p99Ms.toFixed(2),
    f.maxMs.toFixed(2),
    `${statusText(f.statuses)}${f.unexpected > 0 ? ' !' : ''}`,
    `${f.non2xx}${f.non2xx > 0 ? ' !' : ''}`,
    `${f.errors}${f.errors > 0 ? ' !' : ''}`,
    `${f.before.rssMiB.toFixed(0)}→${f.after.rssMiB.toFixed(0)}`,
    `${f.before.heapUsedMiB.toFixed(0)}→${f.after.heapUsedMiB.toFixed(0)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 || i === 9 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  console.log(`\n== ${label}: ${durability}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  const creates = section.figures
    .filter((f) => f.stored !== undefined)
    .map(
      (f) =>
        `${names[f.test]} C=${f.connections}: ${f.statuses[String(f.expected)] ?? 0} × ${f.expected}, ${f.stored} stored`,
    );
  if (creates.length > 0) console.log(`create check: ${creates.join('; ')}`);
  const { start, end } = section;
  console.log(
    `memory: RSS ${start.rssMiB}→${end.rssMiB} MiB, heap used ${start.heapUsedMiB}→${end.heapUsedMiB} MiB; ` +
      `warn/error log lines: ${section.logLines}`,
  );
  for (const problem of section.problems) console.log(`!! ${problem}`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const began = performance.now();
  const host = { node: process.version, platform: `${process.platform}-${process.arch}` };
  console.log(
    `Kopek HTTP benchmark: BENCH_HTTP_SECONDS=${settings.seconds} BENCH_HTTP_WARMUP_SECONDS=${settings.warmupSeconds} ` +
      `connections=${settings.connections.join(',')} tests=${settings.tests.join(',')}, ` +
      `node ${host.node}, ${host.platform}; autocannon in this process (shares the event loop with the server)`,
  );
  const results: Record<string, unknown> = {};
  const notes: string[] = [];
  const problems: string[] = [];
  const record = (key: string, durability: string, section: Section) => {
    results[key] = {
      durability,
      runs: section.figures,
      memory: { start: section.start, end: section.end },
      logLines: section.logLines,
    };
    problems.push(...section.problems);
  };

  if (settings.databases.includes('sqlite')) {
    const bench = await openSqliteBench(settings.sqliteDir, 'kopek-bench-http');
    try {
      record('sqlite', bench.durability, await runDatabase('SQLite', bench));
    } finally {
      await bench.drop();
    }
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
      const bench = await openPostgresBench(url, settings.poolSize, 'kopek_bench_http');
      try {
        record('postgres', bench.durability, await runDatabase(`PostgreSQL ${shown}`, bench));
      } finally {
        await bench.drop();
      }
    }
  }

  const total = round((performance.now() - began) / 1000, 1);
  console.log(
    `\ntotal ${total} s${problems.length > 0 ? `; ${problems.length} problem(s), see !! above` : ''}`,
  );
  console.log(
    `BENCH_HTTP_JSON ${JSON.stringify({
      settings: { ...settings, postgresUrl: undefined },
      host,
      results,
      notes,
      problems,
      totalSeconds: total,
    })}`,
  );
  if (problems.length > 0) process.exitCode = 1;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    // Everything is closed by now; a handle left open somewhere must not keep the run alive.
    setTimeout(() => {
      console.error('bench:http: handles still open 2 s after the end; exiting');
      process.exit(process.exitCode ?? 0);
    }, 2000).unref();
  });
