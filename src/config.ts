import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { limits } from './domain/limits.ts';
import { formatKeyring, type Keyring, newMasterKey, parseKeyring } from './security/vault.ts';

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
};

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
 * Master keys come from KOPEK_MASTER_KEYS (`id:base64,…`). Without it, the embedded setup
 * keeps a generated key in `<dataDir>/master.keys` (mode 0600); a multi-process PostgreSQL
 * deployment must set the variable so every process shares the keys.
 */
function loadKeyring(dataDir: string): { keyring: Keyring; source: Config['keyringSource'] } {
  const fromEnv = process.env.KOPEK_MASTER_KEYS;
  if (fromEnv)
    return { keyring: parseKeyring(fromEnv, process.env.KOPEK_ACTIVE_KEY_ID || undefined), source: 'env' };
  const file = join(dataDir, 'master.keys');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      file,
      `${formatKeyring({ activeKeyId: 'k1', keys: new Map([['k1', newMasterKey()]]) })}\n`,
      { mode: 0o600 },
    );
    chmodSync(file, 0o600);
  }
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const active = lines.find((l) => l.startsWith('active='))?.slice('active='.length);
  return {
    keyring: parseKeyring(lines.filter((l) => !l.startsWith('active=')).join(','), active),
    source: 'file',
  };
}

function parseTrustProxy(raw: string | undefined): Config['trustProxy'] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadConfig(overrides: Overrides = {}): Config {
  const dataDir = process.env.KOPEK_DATA_DIR ?? './data';
  const port = overrides.port ?? intEnv('PORT', 8080);
  const host = overrides.host ?? process.env.HOST ?? '0.0.0.0';
  const { keyring, source } = loadKeyring(dataDir);
  return {
    database: overrides.database ?? process.env.DATABASE_URL ?? join(dataDir, 'kopek.db'),
    dataDir,
    host,
    port,
    publicUrl: (process.env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    keyring,
    keyringSource: source,
    connectorTimeoutMs: intEnv('CONNECTOR_TIMEOUT_MS', limits.connectorTimeoutMs),
    paymentAttemptsMax: intEnv('PAYMENT_ATTEMPTS_MAX', limits.paymentAttemptsMax),
    statsTimeZone: process.env.STATS_TIME_ZONE ?? 'Europe/Moscow',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    workers: process.env.KOPEK_WORKERS !== '0',
    trustProxy: parseTrustProxy(process.env.TRUST_PROXY),
    ...(process.env.RESULT_REDIRECT_SECONDS
      ? { resultRedirectSeconds: intEnv('RESULT_REDIRECT_SECONDS', 0) }
      : {}),
  };
}
