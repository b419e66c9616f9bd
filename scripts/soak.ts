/**
 * `npm run soak`: mixed load on the compiled server while it is killed with SIGKILL at random
 * moments and restarted, then checks that nothing was lost or left half done. Not part of
 * `npm test` (it runs for minutes and wants the machine to itself). Loopback only.
 *
 *   npm run soak                                  # SQLite, 8 kills
 *   npm run soak -- --database postgres --kills 12 --workers 8
 *   npm run soak -- --database postgres://user@127.0.0.1/db   # creates and drops a database beside it
 *
 * The server (`node bin/kopek.mjs serve`, dist/ rebuilt first when stale) gets a fresh SQLite
 * file or PostgreSQL database, a short bank deadline (so the janitor's window is seconds), fast
 * callback retries, and a local callback receiver it is allowed to call. Load: Paymega private
 * and public invoice creates, test-service invoices, refunds, and card payments through the
 * payment page's own HTTP endpoints (form, token cookie, 303 and result page). A create that
 * meets a dead server is retried with the same reference_id, as a shop would.
 *
 * After the last restart the load stops and the server is given `--settle-seconds` to finish
 * (janitor, outbox). Checks: every invoice answered 2xx exists with the amount asked; every
 * payment the page showed captured is captured; every refund answered 2xx is counted; the
 * ledger balances; the simulator bank's captures and refunds equal the gateway's; every outbox
 * row is delivered and the receiver got at least as many callbacks; nothing is unsettled; no
 * test-service invoice is left `created`. Prints `SOAK {…}`; exits 1 when a check fails.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { startUp } from '../src/cli/start-up.ts';
import { loadSettings } from '../src/config.ts';
import { buildIfStale } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'sqlite' },
    kills: { type: 'string', default: '8' },
    workers: { type: 'string', default: '6' },
    'min-up-ms': { type: 'string', default: '1500' },
    'max-up-ms': { type: 'string', default: '5000' },
    'settle-seconds': { type: 'string', default: '120' },
    'max-seconds': { type: 'string', default: '600' },
  },
});
const kills = Number(args.kills);
const workers = Number(args.workers);
const minUpMs = Number(args['min-up-ms']);
const maxUpMs = Number(args['max-up-ms']);
const settleMs = Number(args['settle-seconds']) * 1000;
const deadline = performance.now() + Number(args['max-seconds']) * 1000;
const connectorTimeoutMs = 2000; // the janitor's window is twice this

// ---------------------------------------------------------------------------------------------
// The database: a SQLite file in a temporary folder, or a PostgreSQL database of its own.

const dataDir = mkdtempSync(join(tmpdir(), 'kopek-soak-'));
let databaseUrl = join(dataDir, 'kopek.db');
let dropDatabase = async () => {};
if (args.database !== 'sqlite') {
  const adminUrl =
    args.database === 'postgres'
      ? (process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
      : args.database;
  const name = `kopek_soak_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  databaseUrl = url.href;
  dropDatabase = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.end();
  };
}
const flavor = args.database === 'sqlite' ? 'sqlite' : 'postgres';

// ---------------------------------------------------------------------------------------------
// The callback receiver: answers 200 to everything and counts.

let callbacksReceived = 0;
const receiver: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    callbacksReceived++;
    res.end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/paymega/callback`;

// ---------------------------------------------------------------------------------------------
// The server, as shipped: the compiled command in a child process.

const built = buildIfStale();
if (built) console.error(`soak: built dist/ (${built})`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serverEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: '',
  KOPEK_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  KOPEK_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  PUBLIC_URL: base,
  CONNECTOR_TIMEOUT_MS: String(connectorTimeoutMs),
  PAYMEGA_CALLBACK_STEP_MS: '1000',
  CALLBACKS_ALLOW_PRIVATE: 'true', // the receiver is on loopback
  TRUST_PROXY: '127.0.0.1', // payers' addresses from X-Forwarded-For, so per-IP page limits apply per payer
  LOG_LEVEL: 'warn',
};
delete serverEnv.KOPEK_ACTIVE_KEY_ID;
delete serverEnv.NODE_TEST_CONTEXT;
const serverLog = createWriteStream(join(dataDir, 'server.log'));
let serverErrors = 0;

function kopek(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [bin, ...argv], { cwd: root, env: serverEnv }, (error, stdout, stderr) =>
      error ? reject(new Error(`kopek ${argv.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

let server: ChildProcess | undefined;
let restartMs: number[] = [];

async function startServer(): Promise<void> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      serverLog.write(chunk);
      serverErrors += chunk.split('\n').filter((line) => /"level":(50|60)/.test(line)).length;
    });
  }
  server = child;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kopek serve exited with ${child.exitCode}; see ${dataDir}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() - started > 60_000) throw new Error('kopek serve: no /healthz 200 in 60 s');
    await sleep(25);
  }
  restartMs.push(performance.now() - started);
}

async function killServer(): Promise<void> {
  const child = server!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// ---------------------------------------------------------------------------------------------
// Load.

const created = await kopek(['merchant', 'create', '--name', 'Soak shop', '--json']);
const shop = JSON.parse(created).paymega as { account_id: string; public_key: string; secret_key: string };
const authorization = `Basic ${Buffer.from(`${shop.account_id}:${shop.secret_key}`).toString('base64')}`;

const counts = { requests: 0, ok2xx: 0, other: 0, networkErrors: 0, retries: 0 };
const byStatus: Record<number, number> = {};
/** Invoices answered 2xx: id → amount asked (minor units), and whether by the test service. */
const invoices = new Map<string, { amountMinor: bigint; test: boolean }>();
const unpaid: string[] = [];
const paid: string[] = [];
const shownCaptured = new Set<string>();
/** Refunds answered 2xx, per invoice: the sum asked. */
const refunded = new Map<string, bigint>();

const decimal = (minor: bigint): string => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;
let references = 0;
const reference = () => `soak-${process.pid}-${++references}`;

type Answer = { status: number; body: string; headers: Headers } | undefined;

/** One request; undefined when the server was not there to answer it. */
async function send(path: string, init: RequestInit): Promise<Answer> {
  counts.requests++;
  try {
    const res = await fetch(`${base}${path}`, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    const answer = { status: res.status, body: await res.text(), headers: res.headers };
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    if (res.status >= 200 && res.status < 300) counts.ok2xx++;
    else counts.other++;
    return answer;
  } catch {
    counts.networkErrors++;
    return undefined;
  }
}

/** A create, retried with the same body while the server is down (a shop's retry). */
async function sendWithRetry(path: string, init: RequestInit): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const answer = await send(path, init);
    if (answer || attempt === 5) return answer;
    counts.retries++;
    await sleep(500);
  }
}

const json = (body: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization },
  body,
});

async function createInvoice(kind: 'private' | 'public' | 'test'): Promise<void> {
  const amountMinor = BigInt(randomInt(100, 100_000));
  const fields = {
    reference_id: reference(),
    currency: 'USD',
    service: kind === 'test' ? 'test_usd_test' : 'payment_card_usd_hpp',
    callback_url: callbackUrl,
    ...(kind === 'test' && { service_fields: { status: 'processed' } }),
  };
  // The amount goes in as JSON text, never through a float.
  const attributes = JSON.stringify(fields).replace(/^\{/, `{"amount":${decimal(amountMinor)},`);
  const answer =
    kind === 'public'
      ? await sendWithRetry('/public-api/payment-invoices', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: attributes.replace(/^\{/, `{"public_key":${JSON.stringify(shop.public_key)},`),
        })
      : await sendWithRetry(
          '/api/payment-invoices',
          json(`{"data":{"type":"payment-invoices","attributes":${attributes}}}`),
        );
  if (!answer || answer.status >= 300) return;
  const id = String(JSON.parse(answer.body).data.id);
  invoices.set(id, { amountMinor, test: kind === 'test' });
  (kind === 'test' ? paid : unpaid).push(id);
}

const cards = ['4111111111111111', '5555555555554444', '2200000000000004', '4000000000003055'];

/** Pays one unpaid card invoice as a browser without JavaScript: form, token, 303, result. */
async function payOnPage(): Promise<void> {
  const id = unpaid.shift();
  if (!id) return createInvoice('private');
  const path = `/pay/${id.replace(/^cpi_/, '')}`;
  const headers = { 'x-forwarded-for': `198.51.100.${randomInt(1, 255)}`, 'accept-language': 'en' };
  const form = await send(path, { headers });
  if (form?.status !== 200) return;
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1];
  const cookie = form.headers.get('set-cookie')?.split(';')[0] ?? '';
  if (!csrf) return; // already paid or failed: the page shows its result, not the form
  const posted = await send(path, {
    method: 'POST',
    headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      csrf,
      pan: cards[randomInt(cards.length)]!,
      exp: '12/30',
      cvc: '123',
      holder: 'SOAK TEST',
    }).toString(),
  });
  if (posted?.status !== 303) return;
  const result = await send(path, { headers: { ...headers, cookie } });
  if (result && /data-status="captured"/.test(result.body)) {
    shownCaptured.add(id);
    paid.push(id);
  }
}

async function refund(): Promise<void> {
  const id = paid[randomInt(Math.max(paid.length, 1))];
  if (!id) return createInvoice('test');
  const asked = invoices.get(id)!.amountMinor;
  const already = refunded.get(id) ?? 0n;
  if (already >= asked) return;
  const amountMinor = randomInt(2) === 0 ? asked - already : (asked - already + 1n) / 2n;
  const answer = await sendWithRetry(
    `/api/payment-invoices/${id}/refund`,
    json(
      `{"data":{"type":"refund","attributes":{"reference_id":"${reference()}","amount":${decimal(amountMinor)}}}}`,
    ),
  );
  if (answer && answer.status >= 200 && answer.status < 300) refunded.set(id, already + amountMinor);
}

let loading = true;
async function worker(): Promise<void> {
  while (loading) {
    const roll = randomInt(100);
    if (roll < 25) await createInvoice('private');
    else if (roll < 40) await createInvoice('public');
    else if (roll < 55) await createInvoice('test');
    else if (roll < 85) await payOnPage();
    else await refund();
  }
}

// ---------------------------------------------------------------------------------------------
// The run: load, kill -9 at random moments, restart; then settle and check.

const started = performance.now();
await startServer();
restartMs = []; // the first start migrates: not a restart
const load = Array.from({ length: workers }, () => worker());
let killed = 0;
while (killed < kills && performance.now() < deadline) {
  await sleep(randomInt(minUpMs, maxUpMs + 1));
  await killServer();
  killed++;
  await startServer();
}
await sleep(minUpMs); // some load on the last server too
loading = false;
await Promise.all(load);
const loadSeconds = (performance.now() - started) / 1000;

// This process opens the server's database for the checks, with the server's keys.
Object.assign(process.env, { KOPEK_MASTER_KEYS: serverEnv.KOPEK_MASTER_KEYS, KOPEK_DATA_DIR: dataDir });
const { gateway } = await startUp(loadSettings({ database: databaseUrl }), pino({ level: 'silent' }));
const { db } = gateway.database;

const unsettledCount = async () => {
  const payments = await db
    .selectFrom('payments')
    .select(db.fn.countAll<string>().as('n'))
    .where((eb) =>
      eb.or([
        eb('status', '=', 'unknown'),
        eb.and([eb('status', '=', 'pending'), eb('challenge', 'is', null)]),
        eb('op_in_flight', 'is not', null),
      ]),
    )
    .executeTakeFirstOrThrow();
  const refunds = await db
    .selectFrom('refunds')
    .select(db.fn.countAll<string>().as('n'))
    .where('status', 'in', ['pending', 'unknown'])
    .executeTakeFirstOrThrow();
  return Number(payments.n) + Number(refunds.n);
};
const undeliveredCount = async () =>
  Number(
    (
      await db
        .selectFrom('outbox')
        .select(db.fn.countAll<string>().as('n'))
        .where('notice', '!=', 'delivered')
        .executeTakeFirstOrThrow()
    ).n,
  );

const settleStarted = performance.now();
while (performance.now() - settleStarted < settleMs) {
  if ((await unsettledCount()) === 0 && (await undeliveredCount()) === 0) break;
  await sleep(1000);
}
const settleSeconds = (performance.now() - settleStarted) / 1000;

type Check = { name: string; ok: boolean; detail: string };
const checks: Check[] = [];
const check = (name: string, problems: string[], detail = '') =>
  checks.push({ name, ok: problems.length === 0, detail: problems.slice(0, 5).join('; ') || detail });

const publicIds = [...invoices.keys()].map((id) => id.replace(/^cpi_/, ''));
const rows = new Map<string, { status: string; amount: bigint; captured: bigint; refunded: bigint }>();
for (let i = 0; i < publicIds.length; i += 500) {
  const found = await db
    .selectFrom('payments')
    .select(['public_id', 'status', 'amount_minor', 'captured_minor', 'refunded_minor'])
    .where('public_id', 'in', publicIds.slice(i, i + 500))
    .execute();
  for (const r of found)
    rows.set(`cpi_${r.public_id}`, {
      status: r.status,
      amount: BigInt(r.amount_minor),
      captured: BigInt(r.captured_minor),
      refunded: BigInt(r.refunded_minor),
    });
}
check(
  'every invoice answered 2xx exists with the amount asked',
  [...invoices].flatMap(([id, { amountMinor }]) => {
    const row = rows.get(id);
    if (!row) return [`${id} missing`];
    return row.amount === amountMinor ? [] : [`${id} amount ${row.amount}, asked ${amountMinor}`];
  }),
  `${invoices.size} invoices`,
);
check(
  'every payment the page showed captured is captured',
  [...shownCaptured].flatMap((id) => {
    const row = rows.get(id)!;
    return row.captured === row.amount ? [] : [`${id} ${row.status} captured ${row.captured}`];
  }),
  `${shownCaptured.size} page payments`,
);
check(
  'every refund answered 2xx is counted',
  [...refunded].flatMap(([id, sum]) => {
    const row = rows.get(id)!;
    return row.refunded >= sum ? [] : [`${id} refunded ${row.refunded}, acknowledged ${sum}`];
  }),
  `${refunded.size} invoices refunded`,
);

const ledger = await gateway.engine.verifyLedger();
check('the ledger balances', [
  ...(ledger.postingsSumMinor === 0n ? [] : [`postings sum to ${ledger.postingsSumMinor}`]),
  ...(ledger.unbalancedEntries === 0 ? [] : [`${ledger.unbalancedEntries} unbalanced entries`]),
  ...(ledger.driftedAccounts.length === 0 ? [] : [`${ledger.driftedAccounts.length} drifted accounts`]),
]);

// The simulator bank's books against ours: per authorization, what it captured and refunded.
const bank = new Map<string, { captured: bigint; refunded: bigint }>();
for (const { data } of await db.selectFrom('sim_bank_operations').select('data').execute()) {
  const op = JSON.parse(data) as {
    record: string;
    bankRef: string;
    capturedMinor: string;
    refundedMinor: string;
  };
  if (op.record === 'authorization')
    bank.set(op.bankRef, { captured: BigInt(op.capturedMinor), refunded: BigInt(op.refundedMinor) });
}
const ours = await db
  .selectFrom('payments')
  .select(['public_id', 'bank_ref', 'captured_minor', 'refunded_minor'])
  .where('bank_ref', 'is not', null)
  .execute();
const captureProblems: string[] = [];
let bankCaptured = 0n;
let gatewayCaptured = 0n;
for (const [, b] of bank) bankCaptured += b.captured;
for (const p of ours) {
  const b = bank.get(p.bank_ref!);
  gatewayCaptured += BigInt(p.captured_minor);
  if (!b) captureProblems.push(`${p.public_id}: the bank has no ${p.bank_ref}`);
  else if (b.captured !== BigInt(p.captured_minor) || b.refunded !== BigInt(p.refunded_minor))
    captureProblems.push(
      `${p.public_id}: bank captured ${b.captured} refunded ${b.refunded}, ours ${p.captured_minor}/${p.refunded_minor}`,
    );
}
const known = new Set(ours.map((p) => p.bank_ref));
for (const [ref, b] of bank)
  if (b.captured > 0n && !known.has(ref))
    captureProblems.push(`the bank captured ${b.captured} on ${ref}, unknown to us`);
check(
  'simulator and gateway captures agree',
  captureProblems,
  `${ours.length} payments at the bank, ${decimal(gatewayCaptured)} captured here, ${decimal(bankCaptured)} there`,
);

const outbox = await db
  .selectFrom('outbox')
  .select(['notice', db.fn.countAll<string>().as('n')])
  .groupBy('notice')
  .execute();
const delivered = Number(outbox.find((r) => r.notice === 'delivered')?.n ?? 0);
check(
  'every outbox row is delivered, each to the receiver',
  [
    ...outbox.filter((r) => r.notice !== 'delivered').map((r) => `${r.n} ${r.notice}`),
    ...(callbacksReceived >= delivered ? [] : [`${delivered} delivered, ${callbacksReceived} received`]),
  ],
  `${delivered} rows, ${callbacksReceived} callbacks received`,
);
const unsettled = await unsettledCount();
check(
  'nothing unsettled after the janitor',
  unsettled === 0 ? [] : [`${unsettled} payments/refunds unsettled`],
);
const stuck = [...invoices]
  .filter(([id, { test }]) => test && rows.get(id)?.status === 'created')
  .map(([id]) => `${id} created`);
const stuckUnanswered = await db
  .selectFrom('payments')
  .select(db.fn.countAll<string>().as('n'))
  .where('system', '=', 'test')
  .where('status', '=', 'created')
  .executeTakeFirstOrThrow();
check(
  'no test-service invoice left created',
  Number(stuckUnanswered.n) > 0 ? [...stuck, `${stuckUnanswered.n} test payments created`] : [],
);

await gateway.close();
server!.kill('SIGTERM');
await new Promise((resolve) => server!.once('exit', resolve));
receiver.close();
serverLog.end();

const passed = checks.filter((c) => c.ok).length;
for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
const restarts = [...restartMs].sort((a, b) => a - b);
const summary = {
  database: flavor,
  seconds: Math.round(loadSeconds),
  requests: counts.requests,
  '2xx': counts.ok2xx,
  other: counts.other,
  byStatus,
  networkErrors: counts.networkErrors,
  retries: counts.retries,
  kills: killed,
  restartMedianMs: Math.round(restarts[Math.floor(restarts.length / 2)] ?? 0),
  invoices: invoices.size,
  pagePayments: shownCaptured.size,
  refunds: refunded.size,
  callbacks: callbacksReceived,
  settleSeconds: Math.round(settleSeconds),
  serverErrorLines: serverErrors,
  checks: `${passed}/${checks.length}`,
};
console.log(`SOAK ${JSON.stringify(summary)}`);
if (passed === checks.length) {
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase();
} else console.log(`soak: the server log and data are kept in ${dataDir} (and ${databaseUrl})`);
process.exit(passed === checks.length ? 0 : 1);
