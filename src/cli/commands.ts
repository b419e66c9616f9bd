import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { loadConfig, type Overrides } from '../config.ts';
import type { MerchantCredentials } from '../engine/merchants.ts';
import { createLogger } from '../log.ts';
import { openGateway } from '../runtime.ts';
import { openDatabase } from '../store/database.ts';
import { buildApp } from '../web/app.ts';

type Values = Record<string, string | boolean | undefined>;
export type Command = {
  name: string;
  summary: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Exit code, or -1 when the process keeps running (a server). */
  run(values: Values): Promise<number>;
};

const databaseOption = { database: { type: 'string' as const, short: 'd' } };
const databaseHelp = `  -d, --database D   SQLite file path or postgres:// URL (env DATABASE_URL; default ./data/kopek.db)`;

function overrides(values: Values): Overrides {
  const o: Overrides = {};
  if (typeof values.database === 'string') o.database = values.database;
  if (typeof values.port === 'string') {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`--port must be 0-65535, got ${values.port}`);
    o.port = port;
  }
  if (typeof values.host === 'string') o.host = values.host;
  return o;
}

/** Quiet by default for one-shot commands: their stdout is for the answer (and `--json`). */
const cliLogger = () => createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

const demoFile = (dataDir: string) => join(dataDir, 'demo-credentials.json');

function banner(publicUrl: string, creds: MerchantCredentials | null, database: string): string {
  const lines = [
    '',
    `Kopek is running on ${database}`,
    '',
    `  Health         ${publicUrl}/healthz`,
    `  Metrics        ${publicUrl}/metrics`,
  ];
  if (creds) {
    lines.push(
      '',
      `Demo merchant "${creds.name}" (id ${creds.id}):`,
      `  PayKeeper  login ${creds.paykeeper.login}  password ${creds.paykeeper.password}  informer seed ${creds.paykeeper.informer_seed}`,
      `  ImPay      X-Login ${creds.impay.login}  key ${creds.impay.key}  callback key ${creds.impay.callback_key}`,
      `  Paymega    account ${creds.paymega.account_id}  secret ${creds.paymega.secret_key}  public key ${creds.paymega.public_key}`,
      '',
      'Test card 4111 1111 1111 1111, any future expiry, CVC 123. More test cards in README.md.',
    );
  }
  return `${lines.join('\n')}\n`;
}

const serve: Command = {
  name: 'serve',
  summary: 'start the gateway (HTTP server, outbox worker, janitor)',
  help: `Usage: kopek serve [--port N] [--host H] [--database D]

Starts the gateway. Migrations run first. On an empty database a demo merchant is
created and its credentials are printed (and kept in <data dir>/demo-credentials.json).

  -p, --port N       port to listen on (env PORT; default 8080)
      --host H       address to bind (env HOST; default 0.0.0.0)
${databaseHelp}

Environment: PUBLIC_URL, KOPEK_MASTER_KEYS, KOPEK_DATA_DIR, LOG_LEVEL, CONNECTOR_TIMEOUT_MS,
KOPEK_WORKERS=0 (serve HTTP only; run workers elsewhere).`,
  options: { ...databaseOption, port: { type: 'string', short: 'p' }, host: { type: 'string' } },
  async run(values) {
    const config = loadConfig(overrides(values));
    const log = createLogger({ level: config.logLevel });
    const gateway = await openGateway(config, { log });
    let creds: MerchantCredentials | null = null;
    if ((await gateway.engine.listMerchants()).length === 0) {
      const made = await gateway.engine.createMerchant({ name: 'Demo shop' });
      if (made.ok) {
        creds = made.value;
        writeFileSync(demoFile(config.dataDir), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
      }
    } else if (existsSync(demoFile(config.dataDir))) {
      creds = JSON.parse(readFileSync(demoFile(config.dataDir), 'utf8'));
    }
    const app = await buildApp(gateway);
    await app.listen({ port: config.port, host: config.host });
    if (config.workers) gateway.startBackground();
    const stop = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      await app.close();
      await gateway.close();
      process.exit(0);
    };
    // Before the banner: whoever waits for it may signal at once.
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.stdout.write(banner(config.publicUrl, creds, gateway.database.label));
    return -1;
  },
};

const migrate: Command = {
  name: 'migrate',
  summary: 'bring the database schema up to date',
  help: `Usage: kopek migrate [--database D]\n\n${databaseHelp}`,
  options: databaseOption,
  async run(values) {
    const config = loadConfig(overrides(values));
    const database = await openDatabase(config.database);
    try {
      await database.migrate();
      console.log(`migrated ${database.label}`);
    } finally {
      await database.close();
    }
    return 0;
  },
};

const merchantCreate: Command = {
  name: 'merchant create',
  summary: 'create a merchant with credentials for all three dialects',
  help: `Usage: kopek merchant create --name NAME [--json] [--database D]

Creates a merchant and prints its credentials: the only time the secrets are shown.

      --name NAME    the merchant's display name (required)
      --json         print exactly one JSON object on stdout
${databaseHelp}`,
  options: { ...databaseOption, name: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    if (typeof values.name !== 'string' || values.name.trim() === '') {
      console.error('kopek merchant create: --name is required');
      return 2;
    }
    const config = loadConfig(overrides(values));
    const gateway = await openGateway(config, { log: cliLogger() });
    try {
      const made = await gateway.engine.createMerchant({ name: values.name });
      if (!made.ok) {
        console.error(
          `kopek merchant create: ${made.error.code}${made.error.detail ? ` (${made.error.detail})` : ''}`,
        );
        return 1;
      }
      const c = made.value;
      if (values.json) process.stdout.write(`${JSON.stringify(c)}\n`);
      else
        console.log(
          [
            `Merchant ${c.id} "${c.name}"`,
            `  PayKeeper  login ${c.paykeeper.login}  password ${c.paykeeper.password}  informer_seed ${c.paykeeper.informer_seed}`,
            `  ImPay      login ${c.impay.login}  key ${c.impay.key}  callback_key ${c.impay.callback_key}`,
            `  Paymega    account_id ${c.paymega.account_id}  secret_key ${c.paymega.secret_key}  public_key ${c.paymega.public_key}`,
          ].join('\n'),
        );
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const merchantList: Command = {
  name: 'merchant list',
  summary: 'list merchants',
  help: `Usage: kopek merchant list [--json] [--database D]\n\n      --json         one JSON array on stdout\n${databaseHelp}`,
  options: { ...databaseOption, json: { type: 'boolean' } },
  async run(values) {
    const config = loadConfig(overrides(values));
    const gateway = await openGateway(config, { log: cliLogger() });
    try {
      const merchants = await gateway.engine.listMerchants();
      if (values.json)
        process.stdout.write(
          `${JSON.stringify(merchants.map((m) => ({ id: m.id.toString(), name: m.name, status: m.status, created_at: m.createdAt.toISOString() })))}\n`,
        );
      else for (const m of merchants) console.log(`${m.id}\t${m.status}\t${m.name}`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const userCreate: Command = {
  name: 'user create',
  summary: 'create a cabinet user (merchant operator or platform admin)',
  help: `Usage: kopek user create --login L --password P [--merchant ID] [--role admin|operator] [--database D]

Without --merchant the user is a platform administrator.

${databaseHelp}`,
  options: {
    ...databaseOption,
    login: { type: 'string' },
    password: { type: 'string' },
    merchant: { type: 'string' },
    role: { type: 'string' },
  },
  async run(values) {
    if (typeof values.login !== 'string' || typeof values.password !== 'string') {
      console.error('kopek user create: --login and --password are required');
      return 2;
    }
    const merchantId = typeof values.merchant === 'string' ? values.merchant : null;
    if (merchantId !== null && !/^\d+$/.test(merchantId)) {
      console.error('kopek user create: --merchant takes a merchant id');
      return 2;
    }
    const role = values.role ?? (merchantId ? 'operator' : 'admin');
    if (role !== 'admin' && role !== 'operator') {
      console.error('kopek user create: --role is admin or operator');
      return 2;
    }
    const config = loadConfig(overrides(values));
    const gateway = await openGateway(config, { log: cliLogger() });
    try {
      if (merchantId && !(await gateway.engine.getMerchant(BigInt(merchantId)))) {
        console.error(`kopek user create: no merchant ${merchantId}`);
        return 1;
      }
      const made = await gateway.engine.createUser({
        merchantId: merchantId ? BigInt(merchantId) : null,
        login: values.login,
        password: values.password,
        role,
      });
      if (!made.ok) {
        console.error(
          `kopek user create: ${made.error.field ?? ''} ${made.error.detail ?? made.error.code}`.trim(),
        );
        return 1;
      }
      console.log(`user ${made.value.login} (${made.value.role}) created`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

export const commands: Command[] = [serve, migrate, merchantCreate, merchantList, userCreate];
