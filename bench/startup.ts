/**
 * Start-up figures of the `kopek` command: `npm run bench:startup`. See bench/README.md.
 *
 * For each command line (default: the shipped `node bin/kopek.mjs`) it times `--help`, then
 * starts `serve` on a prepared SQLite data dir (migrated by an untimed first start) and times
 * spawn → first `GET /healthz` 200, then waits for the process to be idle and reads its RSS
 * from /proc. Prints a table of medians and a final `BENCH_STARTUP_JSON {...}` line.
 *
 *   npm run bench:startup
 *   STARTUP_RUNS=10 npm run bench:startup -- 'node bin/kopek.mjs' 'node --import tsx src/cli/main.ts'
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.STARTUP_RUNS ?? 5);
const idleMs = Number(process.env.STARTUP_IDLE_MS ?? 3000);
const commandLines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['node bin/kopek.mjs'];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function argvOf(commandLine: string): [string, string[]] {
  const [program, ...args] = commandLine.split(' ').filter(Boolean);
  return [program === 'node' ? process.execPath : (program ?? process.execPath), args];
}

const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : Number.NaN;
};

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

/** One `serve`: milliseconds to the first /healthz 200, and RSS (MB) once idle. */
async function serveOnce(commandLine: string, dataDir: string): Promise<{ healthzMs: number; rss: number }> {
  const [program, args] = argvOf(commandLine);
  const port = await freePort();
  const started = performance.now();
  const child = spawn(program, [...args, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    env: {
      ...process.env,
      KOPEK_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: join(dataDir, 'kopek.db'),
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${commandLine} serve exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (performance.now() - started > 60_000) throw new Error(`${commandLine} serve: no /healthz in 60 s`);
      await sleep(10);
    }
    const healthzMs = performance.now() - started;
    await sleep(idleMs);
    return { healthzMs, rss: rssMb(child.pid!) };
  } finally {
    await stop(child);
  }
}

function helpOnce(commandLine: string): number {
  const [program, args] = argvOf(commandLine);
  const started = performance.now();
  const run = spawnSync(program, [...args, '--help'], { cwd: root, stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`${commandLine} --help exited with ${run.status}`);
  return performance.now() - started;
}

const results: Record<string, { helpMs: number; healthzMs: number; rssMb: number }> = {};
for (const commandLine of commandLines) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kopek-startup-'));
  try {
    helpOnce(commandLine); // warms the disk cache (and tsx's own cache)
    await serveOnce(commandLine, dataDir); // migrates and creates the demo merchant, untimed
    const help = Array.from({ length: runs }, () => helpOnce(commandLine));
    const serves = [];
    for (let i = 0; i < runs; i++) serves.push(await serveOnce(commandLine, dataDir));
    results[commandLine] = {
      helpMs: Math.round(median(help)),
      healthzMs: Math.round(median(serves.map((s) => s.healthzMs))),
      rssMb: Math.round(median(serves.map((s) => s.rss))),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`median of ${runs} runs; RSS of serve ${idleMs} ms after its first /healthz 200`);
console.log(
  `${'command'.padEnd(44)} ${'--help ms'.padStart(10)} ${'healthz ms'.padStart(11)} ${'RSS MB'.padStart(7)}`,
);
for (const [commandLine, r] of Object.entries(results))
  console.log(
    `${commandLine.padEnd(44)} ${String(r.helpMs).padStart(10)} ${String(r.healthzMs).padStart(11)} ${String(r.rssMb).padStart(7)}`,
  );
console.log(`BENCH_STARTUP_JSON ${JSON.stringify(results)}`);
