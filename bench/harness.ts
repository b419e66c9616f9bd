/**
 * What the HTTP benchmarks share: a scratch database (a temporary SQLite file, or a fresh
 * PostgreSQL schema), the gateway and its Fastify app listening on 127.0.0.1, and figures.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { type Gateway, openGateway } from '../src/runtime.ts';
import { newMasterKey } from '../src/security/vault.ts';
import { type Database, openDatabase } from '../src/store/database.ts';
import { buildApp } from '../src/web/app.ts';

/** A whole number ≥ 0 from the environment, or `fallback` when unset. */
export const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0`);
  return value;
};

/** SHA-1 of a text, in hex (the dialects' signatures). */
export const sha1hex = (text: string) => createHash('sha1').update(text).digest('hex');

export type Memory = { rssMiB: number; heapUsedMiB: number };
export const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
export const memory = (): Memory => {
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
};
export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of sorted latencies. */
export const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export type BenchDatabase = { database: Database; durability: string; drop(): Promise<void> };

/** The file system holding `path`, from /proc/mounts (Linux); tmpfs would make fsync free. */
function fileSystemOf(path: string): string {
  try {
    const full = resolve(path);
    let best = { point: '', type: 'unknown' };
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, point, type] = line.split(' ');
      if (!point || !type) continue;
      const inside = full === point || full.startsWith(point.endsWith('/') ? point : `${point}/`);
      if (inside && point.length >= best.point.length) best = { point, type };
    }
    return best.type;
  } catch {
    return 'unknown';
  }
}

/** A fresh SQLite file under `sqliteDir`; `groupCommit` given forces it on or off (else the default). */
export async function openSqliteBench(
  sqliteDir: string,
  prefix: string,
  groupCommit?: boolean,
): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(sqliteDir, `${prefix}-`));
  const database = await openDatabase(join(dir, 'kopek.db'), { groupCommit });
  const pragma = async (name: string) =>
    String(Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] ?? {})[0]);
  const synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][Number(await pragma('synchronous'))] ?? '?';
  const grouping = groupCommit === undefined ? '' : `, group commit ${groupCommit ? 'on' : 'off'}`;
  return {
    database,
    durability: `journal_mode=${await pragma('journal_mode')} synchronous=${synchronous}${grouping}, file on ${fileSystemOf(dir)} (${dir})`,
    drop: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postgresReachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openPostgresBench(
  url: string,
  poolSize: number,
  prefix: string,
): Promise<BenchDatabase> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const drop = async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await admin.end();
    }
  };
  let database: Database;
  try {
    database = await openDatabase(url, { schema, poolSize });
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  const show = async (name: string) =>
    String(Object.values((await sql.raw(`show ${name}`).execute(database.db)).rows[0] ?? {})[0]);
  const version = (await show('server_version')).split(' ')[0];
  return {
    database,
    durability: `PostgreSQL ${version}, fsync=${await show('fsync')} synchronous_commit=${await show('synchronous_commit')}, schema ${schema}, pool ${poolSize}`,
    drop: async () => {
      await database.close();
      await drop();
    },
  };
}

export type Server = { gateway: Gateway; app: FastifyInstance; url: string; logLines: () => number };

/** A gateway on the given database, as tests assemble it: throwaway keyring, logs counted and discarded; no workers. */
export async function benchGateway(
  database: Database,
  logLevel: 'info' | 'warn',
  more: Partial<Config> = {},
): Promise<{ gateway: Gateway; logLines: () => number }> {
  let lines = 0;
  const log = createLogger({
    level: logLevel,
    destination: new Writable({
      write(_chunk, _encoding, done) {
        lines++;
        done();
      },
    }),
  });
  const config: Config = {
    database: database.label,
    dataDir: '/nonexistent',
    host: '127.0.0.1',
    port: 0,
    publicUrl: 'http://kopek.bench',
    keyring: { activeKeyId: 'b1', keys: new Map([['b1', newMasterKey()]]) },
    keyringSource: 'env',
    connectorTimeoutMs: 10_000,
    paymentAttemptsMax: 3,
    statsTimeZone: 'Europe/Moscow',
    logLevel,
    workers: false,
    trustProxy: false,
    ...more,
  };
  const gateway = await openGateway(config, { log, database });
  return { gateway, logLines: () => lines };
}

/** The gateway and its Fastify app on 127.0.0.1:<free port>; logs at `warn`, counted and discarded; no workers. */
export async function startServer(database: Database, more: Partial<Config> = {}): Promise<Server> {
  const { gateway, logLines } = await benchGateway(database, 'warn', more);
  try {
    const app = await buildApp(gateway);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    return { gateway, app, url: `http://127.0.0.1:${port}`, logLines };
  } catch (error) {
    await gateway.close();
    throw error;
  }
}
