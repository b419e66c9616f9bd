import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { limits } from './domain/limits.ts';
import { formatKeyring, type Keyring, newMasterKey, parseKeyring } from './security/vault.ts';
import { isPostgresUrl } from './store/target.ts';

/** Everything configurable, from flags and the environment, with the embedded defaults. */
export type Config = {
  database: string;
  dataDir: string;
  host: string;
  port: number;
  publicUrl: string;
  keyring: Keyring;
  /** Where the keyring came from, for the start-up banner. */
  keyringSource: 'env' | 'file';
  connectorTimeoutMs: number;
  paymentAttemptsMax: number;
  statsTimeZone: string;
  logLevel: string;
  /** Run the outbox worker and janitor in this process. */
  workers: boolean;
  /** Fastify `trustProxy`: false, true, or the addresses/CIDRs of the proxies in front. */
  trustProxy: boolean | string[];
  /** Seconds a payment page's result shows before it sends the payer back to the shop; 3 unless set. */
  resultRedirectSeconds?: number;
  /** Bounds on slow or greedy clients (web/app.ts); `httpLimitsDefault` where unset. */
  http?: Partial<HttpLimits>;
  /** Where `/metrics` is served, never on the public listener; null: nowhere. */
  metrics?: { host: string; port: number } | null;
  /**
   * Callbacks may go to loopback, private and CGNAT addresses (a shop on the gateway's own
   * network); off unless set (domain/callback-targets.ts). The demo set-up turns it on.
   */
  callbacksAllowPrivate?: boolean;
  /** Requests to a public (browser-key) API per minute; `publicApiLimitsDefault` where unset. */
  publicApiLimits?: PublicApiLimits;
  /** Cabinet login attempts per login and per client address; `cabinetLoginLimitsDefault` where unset. */
  cabinetLoginLimits?: CabinetLoginLimits;
  /** The cabinet's built files (web/cabinet.ts); cabinet/dist/ of the install where unset. */
  cabinetDist?: string;
  /** PostgreSQL: connections this process keeps at most (`DATABASE_POOL_SIZE`); 10 unless set. */
  databasePoolSize?: number;
};

/** Login attempts at the cabinet (each counted, right or wrong, before the password is checked). */
export type CabinetLoginLimits = {
  /** For one login, from anywhere, per window; 0: no bound. Slows guessing one user's password. */
  perLogin: number;
  /** From one client address, whatever the login, per window; 0: no bound. Slows trying many logins. */
  perAddress: number;
  windowMs: number;
};

export const cabinetLoginLimitsDefault: CabinetLoginLimits = {
  perLogin: 10,
  perAddress: 50,
  windowMs: 15 * 60_000,
};

export type PublicApiLimits = {
  /** From one client address (`req.ip`: behind `TRUST_PROXY`, the payer's); 0: no bound. */
  perAddressPerMinute: number;
  /** For one merchant, whoever sends them; 0: no bound. */
  perMerchantPerMinute: number;
};

export const publicApiLimitsDefault: PublicApiLimits = {
  perAddressPerMinute: 120,
  perMerchantPerMinute: 1200,
};

export type HttpLimits = {
  /** A whole request, headers and body, must arrive within this; else the connection is closed. */
  requestTimeoutMs: number;
  /** The headers alone must arrive within this. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections from one client address; more are closed at once. 0: no bound. */
  connectionsPerAddressMax: number;
};

export const httpLimitsDefault: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  connectionsPerAddressMax: 100,
};

/** Everything but the keys, which are bound to the database they belong to (cli/key-binding.ts). */
export type Settings = Omit<Config, 'keyring' | 'keyringSource'>;

export type Overrides = { database?: string; port?: number; host?: string };

const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
};

/**
 * Master keys come from KOPEK_MASTER_KEYS (`id:base64,…`), else from `<dataDir>/master.keys`
 * (mode 0600); null when neither exists. Only cli/key-binding.ts creates the file, and only
 * for a database that has no keys yet.
 */
export function readKeyring(dataDir: string): { keyring: Keyring; source: Config['keyringSource'] } | null {
  const fromEnv = process.env.KOPEK_MASTER_KEYS;
  if (fromEnv)
    return { keyring: parseKeyring(fromEnv, process.env.KOPEK_ACTIVE_KEY_ID || undefined), source: 'env' };
  const file = masterKeysPath(dataDir);
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const active = lines.find((l) => l.startsWith('active='))?.slice('active='.length);
  return {
    keyring: parseKeyring(lines.filter((l) => !l.startsWith('active=')).join(','), active),
    source: 'file',
  };
}

export const masterKeysPath = (dataDir: string): string => join(dataDir, 'master.keys');

/**
 * Writes a fresh one-key file; `wx`, so of two processes creating it at once one wins and
 * the other reads the winner's key rather than overwriting it.
 */
export function createKeyFile(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const file = masterKeysPath(dataDir);
  try {
    writeFileSync(
      file,
      `${formatKeyring({ activeKeyId: 'k1', keys: new Map([['k1', newMasterKey()]]) })}\n`,
      { mode: 0o600, flag: 'wx' },
    );
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return;
    throw error;
  }
  chmodSync(file, 0o600);
}

function parseTrustProxy(raw: string | undefined): Config['trustProxy'] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The settings of one command. The data dir (key file, demo credentials) of a SQLite database
 * is the directory of its file, wherever the command runs from: a database and its keys
 * travel together. KOPEK_DATA_DIR (default ./data) places the default database and, for
 * PostgreSQL, the key file.
 */
export function loadSettings(overrides: Overrides = {}): Settings {
  const defaultDir = process.env.KOPEK_DATA_DIR ?? './data';
  const database = overrides.database ?? process.env.DATABASE_URL ?? join(defaultDir, 'kopek.db');
  const dataDir = isPostgresUrl(database) || database === ':memory:' ? defaultDir : dirname(database);
  const port = overrides.port ?? intEnv('PORT', 8080);
  const host = overrides.host ?? process.env.HOST ?? '0.0.0.0';
  return {
    database,
    dataDir,
    host,
    port,
    publicUrl: (process.env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    connectorTimeoutMs: intEnv('CONNECTOR_TIMEOUT_MS', limits.connectorTimeoutMs),
    paymentAttemptsMax: intEnv('PAYMENT_ATTEMPTS_MAX', limits.paymentAttemptsMax),
    statsTimeZone: process.env.STATS_TIME_ZONE ?? 'Europe/Moscow',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    workers: process.env.KOPEK_WORKERS !== '0',
    trustProxy: parseTrustProxy(process.env.TRUST_PROXY),
    ...(process.env.RESULT_REDIRECT_SECONDS
      ? { resultRedirectSeconds: intEnv('RESULT_REDIRECT_SECONDS', 0) }
      : {}),
    http: {
      requestTimeoutMs: intEnv('HTTP_REQUEST_TIMEOUT_MS', httpLimitsDefault.requestTimeoutMs),
      headersTimeoutMs: intEnv('HTTP_HEADERS_TIMEOUT_MS', httpLimitsDefault.headersTimeoutMs),
      keepAliveTimeoutMs: intEnv('HTTP_KEEP_ALIVE_TIMEOUT_MS', httpLimitsDefault.keepAliveTimeoutMs),
      connectionsPerAddressMax: intEnv(
        'HTTP_CONNECTIONS_PER_ADDRESS_MAX',
        httpLimitsDefault.connectionsPerAddressMax,
      ),
    },
    metrics: parseMetrics(process.env.METRICS_PORT, process.env.METRICS_HOST),
    publicApiLimits: {
      perAddressPerMinute: intEnv('PUBLIC_API_RATE_PER_ADDRESS', publicApiLimitsDefault.perAddressPerMinute),
      perMerchantPerMinute: intEnv(
        'PUBLIC_API_RATE_PER_MERCHANT',
        publicApiLimitsDefault.perMerchantPerMinute,
      ),
    },
    cabinetLoginLimits: {
      perLogin: intEnv('CABINET_LOGIN_RATE_PER_LOGIN', cabinetLoginLimitsDefault.perLogin),
      perAddress: intEnv('CABINET_LOGIN_RATE_PER_ADDRESS', cabinetLoginLimitsDefault.perAddress),
      windowMs: cabinetLoginLimitsDefault.windowMs,
    },
    callbacksAllowPrivate: parseAllowPrivate(
      process.env.CALLBACKS_ALLOW_PRIVATE,
      overrides.database === undefined && process.env.DATABASE_URL === undefined,
    ),
    ...(process.env.DATABASE_POOL_SIZE
      ? { databasePoolSize: poolSizeOf(process.env.DATABASE_POOL_SIZE) }
      : {}),
  };
}

/** `DATABASE_POOL_SIZE`: 1 to 1000 connections (README, "PostgreSQL pool size"). */
function poolSizeOf(raw: string): number {
  const size = Number(raw);
  if (!Number.isSafeInteger(size) || size < 1 || size > 1000)
    throw new Error(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, got ${raw}`);
  return size;
}

/**
 * `CALLBACKS_ALLOW_PRIVATE`: `true` or `false`. Unset, it is on only for the demo set-up (no
 * database named: `npm start` on `./data/kopek.db`), whose shop runs on the same machine;
 * any named database (production) refuses private targets unless told otherwise.
 */
function parseAllowPrivate(raw: string | undefined, demo: boolean): boolean {
  if (raw === undefined || raw === '') return demo;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`CALLBACKS_ALLOW_PRIVATE must be true or false, got ${raw}`);
}

export const metricsPortDefault = 9464;

/** `METRICS_PORT`: a port, or `0`/`off` for no metrics listener at all. */
function parseMetrics(port: string | undefined, host: string | undefined): Config['metrics'] {
  if (port === '0' || port === 'off') return null;
  const value = port === undefined || port === '' ? metricsPortDefault : Number(port);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`METRICS_PORT must be a port, 0 or off, got ${port}`);
  return { host: host || '127.0.0.1', port: value };
}
