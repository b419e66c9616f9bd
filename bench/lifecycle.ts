/**
 * The whole life of a payment over HTTP, end to end: `npm run bench:lifecycle`. See
 * bench/README.md.
 *
 * Per payment, as a merchant and a payer do it: ImPay `hold/create` (the merchant's back end),
 * `GET /pay/<id>` and `POST /pay/<id>` with a card (the payer on the hosted page, each payer
 * from an address of its own), ImPay `hold/confirm` (the capture), and the ImPay callback of
 * the capture delivered by the outbox worker to a receiver in this process. The server runs in
 * a child process (bench/lifecycle-server.ts), so its RSS is measured alone.
 *
 * Two phases per database: as many payments as `LIFE_CONCURRENCY` payers can push (closed
 * loop) for the maximum rate in payments per second (counted by callbacks received), then an
 * open loop at half that rate for latencies (each request, and create → callback).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { intEnv, percentile, postgresReachable, round, sha1hex } from './harness.ts';

const settings = {
  /** Seconds of each phase. */
  seconds: Math.max(1, intEnv('LIFE_SECONDS', 10)),
  /** Payers at once in the closed loop (the maximum rate). */
  concurrency: Math.max(1, intEnv('LIFE_CONCURRENCY', 16)),
  /** The background chores' interval in the server (the outbox worker polls at this pace). */
  tickMs: Math.max(1, intEnv('LIFE_TICK_MS', 1000)),
  /** How long to wait for callbacks after the last capture. */
  drainSeconds: Math.max(1, intEnv('LIFE_DRAIN_SECONDS', 60)),
  databases: (process.env.BENCH_DB ?? 'sqlite,postgres')
    .split(',')
    .map((d) => d.trim())
    .filter((d): d is 'sqlite' | 'postgres' => d === 'sqlite' || d === 'postgres'),
  postgresUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  poolSize: Math.max(1, intEnv('BENCH_POOL_SIZE', 20)),
};

// ---------------------------------------------------------------------------------------------
// The callback receiver: when each payment's capture was told (ImPay status 1).

type Receiver = { url: string; captured: Map<string, number>; heard: () => number; close(): Promise<void> };

async function startReceiver(): Promise<Receiver> {
  const captured = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  let heard = 0;
  const server: Server = createServer((req, res) => {
    heard++;
    const query = new URL(req.url ?? '/', 'http://receiver').searchParams;
    const extid = query.get('extid') ?? '';
    if (query.get('status') === '1' && !captured.has(extid)) {
      captured.set(extid, performance.now());
      waiting.get(extid)?.();
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/impay-callback`,
    captured,
    heard: () => heard,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The server child.

type Child = { process: ChildProcess; url: string; durability: string; login: string; key: string };

async function startChild(flavor: 'sqlite' | 'postgres', receiver: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./lifecycle-server.ts', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        LIFE_DB: flavor,
        LIFE_RECEIVER: receiver,
        LIFE_POOL_SIZE: String(settings.poolSize),
        LIFE_TICK_MS: String(settings.tickMs),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        const ready = JSON.parse(line.slice(6)) as Omit<Child, 'process'>;
        resolve({ process: child, ...ready });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
}

async function stopChild(child: Child): Promise<void> {
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.stdin?.end();
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The child's resident set in MiB (Linux /proc). */
function rssMiBOf(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? round(Number(line.split(/\s+/)[1]) / 1024, 1) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// One payment.

const steps = ['create', 'page', 'pay', 'capture'] as const;
type Step = (typeof steps)[number];

type Payment = { extid: string; startedAt: number; step: Record<Step, number> };

class Failure extends Error {}

function makePayer(child: Child, pool: Pool, run: string) {
  const keyHash = sha1hex(child.key);
  let serial = 0;
  const impay = async (path: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    const res = await pool.request({
      method: 'POST',
      path: `/v1/${path}`,
      headers: {
        'content-type': 'application/json',
        'x-login': child.login,
        'x-token': sha1hex(keyHash + sha1hex(body)),
      },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Failure(`${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    const answer = JSON.parse(text) as { status: number; id?: number; url?: string; message?: string };
    if (answer.status !== 1) throw new Failure(`${path}: ${text.slice(0, 200)}`);
    return answer;
  };
  return async (): Promise<Payment> => {
    const n = ++serial;
    const extid = `life-${run}-${n}`;
    // one address per payer: 10.x.y.z from the serial
    const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const step = {} as Record<Step, number>;
    const startedAt = performance.now();
    let at = startedAt;
    const lap = (name: Step) => {
      const now = performance.now();
      step[name] = now - at;
      at = now;
    };

    const created = await impay('hold/create', { amount: 10, extid });
    lap('create');
    const publicId = String(created.url).split('/pay/')[1] ?? '';
    const page = await pool.request({
      method: 'GET',
      path: `/pay/${publicId}`,
      headers: { 'x-forwarded-for': ip },
    });
    const html = await page.body.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    const setCookie = page.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(';')[0];
    if (page.statusCode !== 200 || !csrf || !cookie) throw new Failure(`GET /pay: ${page.statusCode}`);
    lap('page');
    const form = new URLSearchParams({
      csrf,
      pan: '4111 1111 1111 1111',
      exp: '12/34',
      cvc: '123',
      holder: 'BENCH PAYER',
    });
    const paid = await pool.request({
      method: 'POST',
      path: `/pay/${publicId}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie,
        'x-forwarded-for': ip,
      },
      body: form.toString(),
    });
    await paid.body.dump();
    if (paid.statusCode !== 303) throw new Failure(`POST /pay: ${paid.statusCode}`);
    lap('pay');
    await impay('hold/confirm', { id: created.id });
    lap('capture');
    return { extid, startedAt, step };
  };
}

// ---------------------------------------------------------------------------------------------
// Phases.

type PhaseFigures = {
  phase: 'max' | 'half';
  /** Payments started per second (open loop) or null (closed loop). */
  targetRate: number | null;
  started: number;
  /** All four requests answered as due. */
  completed: number;
  failed: number;
  firstFailure: string | null;
  /** Captures whose callback arrived. */
  called: number;
  seconds: number;
  /** Callbacks of captures received ÷ seconds from the first create to the last callback. */
  paymentsPerSecond: number;
  latencyMs: Record<Step | 'createToCallback', { p50: number; p99: number; max: number }>;
  rssMiB: { max: number; end: number };
};

const sorted = (values: number[]) => Float64Array.from(values).sort();
const summary = (values: number[]) => {
  const s = sorted(values);
  return {
    p50: round(percentile(s, 50), 2),
    p99: round(percentile(s, 99), 2),
    max: round(s[s.length - 1] ?? Number.NaN, 2),
  };
};

async function phase(
  name: PhaseFigures['phase'],
  child: Child,
  receiver: Receiver,
  pay: () => Promise<Payment>,
  rate: number | null,
): Promise<PhaseFigures> {
  const done: Payment[] = [];
  let started = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssMiBOf(child.process.pid!));
  }, 200);
  const one = async () => {
    started++;
    try {
      done.push(await pay());
    } catch (error) {
      failed++;
      firstFailure ??= (error as Error).message;
    }
  };
  const began = performance.now();
  const end = began + settings.seconds * 1000;
  if (rate === null) {
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (performance.now() < end) await one();
      }),
    );
  } else {
    const inFlight: Promise<void>[] = [];
    const gapMs = 1000 / rate;
    for (let i = 0; began + i * gapMs < end; i++) {
      const due = began + i * gapMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inFlight.push(one());
    }
    await Promise.all(inFlight);
  }
  // the callbacks of every capture, or the drain's bound
  const drainEnd = performance.now() + settings.drainSeconds * 1000;
  while (performance.now() < drainEnd && done.some((p) => !receiver.captured.has(p.extid))) await sleep(50);
  clearInterval(sampler);
  const rssEnd = rssMiBOf(child.process.pid!);
  const arrivals = done
    .map((p) => receiver.captured.get(p.extid))
    .filter((t): t is number => t !== undefined);
  const last = arrivals.reduce((a, b) => Math.max(a, b), began);
  const seconds = (last - began) / 1000;
  const stepTimes = Object.fromEntries(steps.map((s) => [s, summary(done.map((p) => p.step[s]))])) as Record<
    Step,
    PhaseFigures['latencyMs']['create']
  >;
  return {
    phase: name,
    targetRate: rate,
    started,
    completed: done.length,
    failed,
    firstFailure,
    called: arrivals.length,
    seconds: round(seconds, 2),
    paymentsPerSecond: seconds > 0 ? round(arrivals.length / seconds, 1) : 0,
    latencyMs: {
      ...stepTimes,
      createToCallback: summary(
        done.flatMap((p) => {
          const t = receiver.captured.get(p.extid);
          return t === undefined ? [] : [t - p.startedAt];
        }),
      ),
    },
    rssMiB: { max: round(Math.max(rssMax, rssEnd), 1), end: rssEnd },
  };
}

function print(label: string, durability: string, figures: PhaseFigures[]) {
  console.log(`\n== ${label}: ${durability}`);
  for (const f of figures) {
    const at =
      f.targetRate === null
        ? `${settings.concurrency} payers, closed loop`
        : `open loop at ${f.targetRate}/s`;
    console.log(
      `${f.phase === 'max' ? 'maximum' : 'half rate'} (${at}): ${f.paymentsPerSecond} payments/s end to end ` +
        `(${f.called} callbacks of ${f.completed} captures in ${f.seconds} s; ${f.failed} failed` +
        `${f.firstFailure ? `, first: ${f.firstFailure}` : ''}); server RSS max ${f.rssMiB.max} MiB, end ${f.rssMiB.end} MiB`,
    );
    for (const [step, l] of Object.entries(f.latencyMs))
      console.log(
        `  ${step.padEnd(16)} p50 ${l.p50.toFixed(2).padStart(8)} ms  p99 ${l.p99.toFixed(2).padStart(8)} ms  max ${l.max.toFixed(2).padStart(8)} ms`,
      );
  }
}

async function runDatabase(flavor: 'sqlite' | 'postgres') {
  const receiver = await startReceiver();
  const child = await startChild(flavor, receiver.url);
  const pool = new Pool(child.url, { connections: Math.max(64, settings.concurrency), pipelining: 1 });
  try {
    const run = `${process.pid}-${Date.now().toString(36)}`;
    const pay = makePayer(child, pool, run);
    // a short warm-up, untimed
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 5; i++) await pay();
      }),
    );
    const max = await phase('max', child, receiver, pay, null);
    const halfRate = Math.max(1, Math.round(max.paymentsPerSecond / 2));
    const half = await phase('half', child, receiver, pay, halfRate);
    print(flavor === 'sqlite' ? 'SQLite' : 'PostgreSQL', child.durability, [max, half]);
    return { durability: child.durability, phases: [max, half], callbacksHeard: receiver.heard() };
  } finally {
    await pool.close();
    await stopChild(child);
    await receiver.close();
  }
}

async function main() {
  console.log(
    `Kopek lifecycle benchmark: LIFE_SECONDS=${settings.seconds} LIFE_CONCURRENCY=${settings.concurrency} ` +
      `LIFE_TICK_MS=${settings.tickMs}, node ${process.version}; the server in a child process`,
  );
  const results: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const flavor of settings.databases) {
    if (flavor === 'postgres') {
      const unreachable = await postgresReachable(settings.postgresUrl);
      if (unreachable) {
        console.log(`\n== PostgreSQL skipped: ${unreachable}`);
        continue;
      }
    }
    const result = await runDatabase(flavor);
    results[flavor] = result;
    for (const p of result.phases) {
      if (p.failed > 0)
        problems.push(`${flavor} ${p.phase}: ${p.failed} payments failed (${p.firstFailure})`);
      if (p.called < p.completed)
        problems.push(`${flavor} ${p.phase}: ${p.completed - p.called} callbacks missing`);
    }
  }
  for (const problem of problems) console.log(`!! ${problem}`);
  console.log(
    `BENCH_LIFECYCLE_JSON ${JSON.stringify({ settings: { ...settings, postgresUrl: undefined }, results, problems })}`,
  );
  if (problems.length > 0) process.exitCode = 1;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
  });
