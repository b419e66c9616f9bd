import type { ParseArgsConfig } from 'node:util';
import type { Logger } from 'pino';
import { loadSettings, type Overrides } from '../config.ts';
import { isEmailAddress } from '../delivery/email/message.ts';
import type * as EmailSetup from '../delivery/email/setup.ts';
import type { Result } from '../domain/result.ts';
import type { KeyUsage } from '../engine/keys/keys.ts';
import type { MerchantCredentials, MerchantSettings } from '../engine/merchants/view.ts';
import { createLogger } from '../log.ts';
import type { Gateway } from '../runtime.ts';
import type * as App from '../web/app.ts';
import { demoCommand } from './demo.ts';
import type * as KeyBinding from './key-binding.ts';
import { addActiveKey, masterKeysFile, removeKey } from './key-file.ts';
import type * as StartUp from './start-up.ts';

type Values = Record<string, string | boolean | undefined>;
export type Command = {
  name: string;
  summary: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Words after the command's name are its arguments (`merchant set <id> <name> <value>`). */
  positionals?: true;
  /** Exit code, or -1 when the process keeps running (a server). */
  run(values: Values, positionals?: string[]): Promise<number>;
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

// The gateway, its database drivers and the web app load only when a command runs, so `--help`
// and argument errors answer at once.
const startUp: typeof StartUp.startUp = async (...args) => (await import('./start-up.ts')).startUp(...args);
const demoMerchant: typeof StartUp.demoMerchant = (dataDir) => async (gateway) =>
  (await import('./start-up.ts')).demoMerchant(dataDir)(gateway);
const forgetKey: typeof KeyBinding.forgetKey = async (...args) =>
  (await import('./key-binding.ts')).forgetKey(...args);
const emailFromEnvironment: typeof EmailSetup.emailFromEnvironment = async (...args) =>
  (await import('../delivery/email/setup.ts')).emailFromEnvironment(...args);
const buildApp: typeof App.buildApp = async (...args) => (await import('../web/app.ts')).buildApp(...args);
const buildMetricsApp: typeof App.buildMetricsApp = async (...args) =>
  (await import('../web/app.ts')).buildMetricsApp(...args);

/** The gateway of a one-shot command, its keys checked against the database. */
const openCommand = async (values: Values, log: Logger = cliLogger()): Promise<Gateway> =>
  (await startUp(loadSettings(overrides(values)), log)).gateway;

/** Quiet by default for one-shot commands: their stdout is for the answer (and `--json`). */
const cliLogger = () => createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

const hostPort = ({ host, port }: { host: string; port: number }) =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

function banner(gateway: Gateway, creds: MerchantCredentials | null): string {
  const publicUrl = gateway.config.publicUrl;
  const lines = [
    '',
    `Kopek is running on ${gateway.database.label}`,
    '',
    `  Health        ${publicUrl}/healthz`,
    `  Metrics       ${gateway.config.metrics ? `http://${hostPort(gateway.config.metrics)}/metrics` : 'off'}`,
    `  Payment page  ${publicUrl}/pay/<payment id>`,
    `  Cabinet       ${publicUrl}/cabinet/  (the merchant cabinet; a cabinet user's login, or the PayKeeper login)`,
    ...gateway.dialects.flatMap((d) => d.endpoints?.(publicUrl) ?? []).map((line) => `  ${line}`),
    gateway.email?.inbox
      ? `  E-mail inbox  ${publicUrl}/dev/inbox/  (catch-all SMTP ${gateway.email.inbox.url}; loopback clients only; set SMTP_URL to send for real)`
      : `  E-mail        ${gateway.email ? 'over SMTP_URL' : 'off'}`,
  ];
  if (creds) {
    lines.push(
      '',
      `Demo merchant "${creds.name}" (id ${creds.id}):`,
      `  PayKeeper  login ${creds.paykeeper.login}  password ${creds.paykeeper.password}  informer seed ${creds.paykeeper.informer_seed}  form secret ${creds.paykeeper.form_secret ?? '-'}`,
      `  ImPay      X-Login ${creds.impay.login}  key ${creds.impay.key}  callback key ${creds.impay.callback_key}`,
      `  Paymega    account ${creds.paymega.account_id}  secret ${creds.paymega.secret_key}  public key ${creds.paymega.public_key}`,
      ...(creds.cabinet
        ? [
            `  Cabinet    ${publicUrl}/cabinet/  login ${creds.cabinet.login}  password ${creds.cabinet.password}`,
          ]
        : []),
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
KOPEK_WORKERS=0 (serve HTTP only; run workers elsewhere), SMTP_URL and SMTP_FROM (e-mail;
without SMTP_URL a catch-all SMTP server on loopback keeps it, shown at /dev/inbox/), METRICS_HOST and METRICS_PORT
(/metrics listener, default 127.0.0.1:9464, off to disable), HTTP_REQUEST_TIMEOUT_MS,
HTTP_HEADERS_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_CONNECTIONS_PER_ADDRESS_MAX,
CABINET_LOGIN_RATE_PER_LOGIN and CABINET_LOGIN_RATE_PER_ADDRESS (cabinet login attempts per 15
minutes; 10 and 50 by default, 0 for no bound).`,
  options: { ...databaseOption, port: { type: 'string', short: 'p' }, host: { type: 'string' } },
  async run(values) {
    const settings = loadSettings(overrides(values));
    const log = createLogger({ level: settings.logLevel });
    // Real e-mail over SMTP_URL, else into a catch-all server on loopback whose inbox is served.
    const email = await emailFromEnvironment(process.env, {
      defaultFrom: `noreply@${new URL(settings.publicUrl).hostname || 'localhost'}`,
      log,
    });
    const { gateway, prepared: creds } = await startUp(settings, log, demoMerchant(settings.dataDir), {
      email,
    });
    const config = gateway.config;
    const app = await buildApp(gateway);
    const metricsApp = config.metrics ? await buildMetricsApp(gateway) : null;
    try {
      await app.listen({ port: config.port, host: config.host });
      if (config.metrics) await metricsApp?.listen(config.metrics);
    } catch (error) {
      // A port taken: exit with the message rather than serve half (or keep the process up).
      await app.close();
      await metricsApp?.close();
      await gateway.close();
      throw error;
    }
    if (config.workers) gateway.startBackground();
    const stop = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      await app.close();
      await metricsApp?.close();
      await gateway.close();
      process.exit(0);
    };
    // Before the banner: whoever waits for it may signal at once.
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.stdout.write(banner(gateway, creds ?? null));
    return -1;
  },
};

const migrate: Command = {
  name: 'migrate',
  summary: 'bring the database schema up to date',
  help: `Usage: kopek migrate [--database D]\n\n${databaseHelp}`,
  options: databaseOption,
  async run(values) {
    const gateway = await openCommand(values);
    try {
      console.log(`migrated ${gateway.database.label}`);
    } finally {
      await gateway.close();
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
    const gateway = await openCommand(values);
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
            `  PayKeeper  login ${c.paykeeper.login}  password ${c.paykeeper.password}  informer_seed ${c.paykeeper.informer_seed}  form_secret ${c.paykeeper.form_secret}`,
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
    const gateway = await openCommand(values);
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

/** `merchant set` names: each checks its value and stores it (the informer reads them at every send). */
const merchantSettings: Record<
  string,
  (gateway: Gateway, id: bigint, value: string) => Promise<string | null>
> = {
  'paykeeper.informer-url': async (gateway, id, value) => {
    if (!isWebUrl(value)) return 'an http(s) URL';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { informerUrl: value }));
  },
  'paykeeper.informer-type': async (gateway, id, value) => {
    if (value !== 'post' && value !== 'email') return 'post or email';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { informerType: value }));
  },
  'paykeeper.informer-seed': async (gateway, id, value) =>
    orProblem(await gateway.engine.setInformerSeed(id, value)),
  'paykeeper.support-email': async (gateway, id, value) => {
    if (!isEmailAddress(value)) return 'an e-mail address';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { supportEmail: value }));
  },
  // the organization as the cabinet shows it (PayKeeper 4.3), which the API cannot change
  'paykeeper.shopname': async (gateway, id, value) => {
    if (!isPlainText(value, 200)) return '1 to 200 printable characters';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { shopName: value }));
  },
  'paykeeper.shopdomain': async (gateway, id, value) => {
    if (!isWebUrl(value)) return 'an http(s) URL';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { shopDomain: value }));
  },
  'paykeeper.legal-name': async (gateway, id, value) => {
    if (!isPlainText(value, 200)) return '1 to 200 printable characters';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { legalName: value }));
  },
  'paykeeper.contract': async (gateway, id, value) => {
    if (!isPlainText(value, 64)) return '1 to 64 printable characters';
    return orProblem(await gateway.engine.updateMerchantSettings(id, { contractNumber: value }));
  },
};

/** A name shown in the cabinet: not blank, bounded, no control characters. */
const isPlainText = (value: string, max: number) =>
  value.trim() !== '' && value.length <= max && !/\p{Cc}/u.test(value);

const isWebUrl = (value: string): boolean => {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

const orProblem = (
  r: { ok: true } | { ok: false; error: { code: string; detail?: string } },
): string | null => (r.ok ? null : `${r.error.code}${r.error.detail ? ` (${r.error.detail})` : ''}`);

/** `merchant set ID NAME VALUE`: the named settings (PayKeeper's informer). */
const merchantSetByName: Command = {
  name: 'merchant set',
  summary: "change a merchant's setting (the PayKeeper informer's URL, type, seed, e-mail)",
  help: `Usage: kopek merchant set ID NAME VALUE [--database D]

Names:
  paykeeper.informer-url URL       where paid payments are POSTed (http or https)
  paykeeper.informer-type post|email   a signed form to the URL, or an e-mail
  paykeeper.informer-seed SEED     signs the informer's key (the next notification on)
  paykeeper.support-email ADDRESS  where the e-mail informer writes
  paykeeper.shopname NAME          the shop's name in the cabinet (default: the merchant's name)
  paykeeper.shopdomain URL         the shop's site
  paykeeper.legal-name NAME        the organization's legal name
  paykeeper.contract NUMBER        the contract number (PayKeeper's paykeeper_id)
${databaseHelp}`,
  options: { ...databaseOption },
  positionals: true,
  async run(values, positionals = []) {
    const [id, name, value, ...extra] = positionals;
    const set = name === undefined ? undefined : merchantSettings[name];
    if (id === undefined || !/^[0-9]{1,19}$/.test(id) || !set || value === undefined || extra.length > 0) {
      console.error(`kopek merchant set: expected ID NAME VALUE\n\n${merchantSet.help}`);
      return 2;
    }
    const gateway = await openCommand(values);
    try {
      const problem = await set(gateway, BigInt(id), value);
      if (problem !== null) {
        console.error(`kopek merchant set: ${name}: ${problem}`);
        return problem.startsWith('merchant_not_found') ? 1 : 2;
      }
      console.log(`merchant ${id}: ${name} set`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const merchantSet: Command = {
  name: 'merchant set',
  summary:
    "change a merchant's settings (ImPay: callback URL, check URL, callback key, IP allow-list; PayKeeper: informer)",
  help: `Usage: kopek merchant set --merchant ID [setting options] [--database D]
       kopek merchant set ID NAME VALUE [--database D]

Changes only the settings given; "" clears a URL or the allow-list.

      --merchant ID                  the merchant's id (ImPay's X-Login)
      --impay-callback-url URL       where ImPay callbacks (GET, md5 key) are sent
      --impay-check-url URL          asked before each ImPay payment (GET ?extid=&sum=);
                                     {"success":false} refuses the payment
      --impay-callback-key KEY       the key of the callbacks' md5; 'api-key' makes it equal
                                     to the merchant's ImPay API key
      --impay-ip-allow LIST          addresses and CIDRs, comma-separated, allowed to call the
                                     ImPay API (behind a proxy, set TRUST_PROXY so the client's
                                     address is seen)
Names (second form):
  paykeeper.informer-url URL       where paid payments are POSTed (http or https)
  paykeeper.informer-type post|email   a signed form to the URL, or an e-mail
  paykeeper.informer-seed SEED     signs the informer's key (the next notification on)
  paykeeper.support-email ADDRESS  where the e-mail informer writes
  paykeeper.shopname, .shopdomain, .legal-name, .contract   the organization in the cabinet
${databaseHelp}`,
  options: {
    ...databaseOption,
    merchant: { type: 'string' },
    'impay-callback-url': { type: 'string' },
    'impay-check-url': { type: 'string' },
    'impay-callback-key': { type: 'string' },
    'impay-ip-allow': { type: 'string' },
  },
  positionals: true,
  async run(values, positionals = []) {
    if (positionals.length > 0) return merchantSetByName.run(values, positionals);
    const say = (message: string, code: number) => {
      console.error(`kopek merchant set: ${message}`);
      return code;
    };
    const id = values.merchant;
    if (typeof id !== 'string' || !/^[1-9]\d{0,18}$/.test(id))
      return say('--merchant takes a merchant id', 2);
    const { impaySettingKeys, ipAllowSetting, urlSetting } = await import('../dialects/impay/settings.ts');
    let patch: MerchantSettings = {};
    const steps: [string | boolean | undefined, (v: string) => Result<MerchantSettings, string>][] = [
      [values['impay-callback-url'], (v) => urlSetting(impaySettingKeys.callbackUrl, v)],
      [values['impay-check-url'], (v) => urlSetting(impaySettingKeys.checkUrl, v)],
      [values['impay-ip-allow'], ipAllowSetting],
    ];
    for (const [value, check] of steps) {
      if (typeof value !== 'string') continue;
      const checked = check(value);
      if (!checked.ok) return say(checked.error, 2);
      patch = { ...patch, ...checked.value };
    }
    const callbackKey = values['impay-callback-key'];
    if (Object.keys(patch).length === 0 && typeof callbackKey !== 'string')
      return say('nothing to set (see --help)', 2);
    if (callbackKey === '') return say('--impay-callback-key cannot be empty', 2);
    const gateway = await openCommand(values);
    try {
      const merchantId = BigInt(id);
      if (!(await gateway.engine.getMerchant(merchantId))) return say(`no merchant ${id}`, 1);
      if (Object.keys(patch).length > 0) {
        const updated = await gateway.engine.updateMerchantSettings(merchantId, patch);
        if (!updated.ok) return say(updated.error.code, 1);
      }
      if (typeof callbackKey === 'string') {
        const auth = await gateway.engine.merchantAuth('impay', merchantId);
        if (!auth) return say(`merchant ${id} has no ImPay credentials`, 1);
        const key = callbackKey === 'api-key' ? auth.secret() : callbackKey;
        const set = await gateway.engine.setDialectSecret(merchantId, 'impay', key);
        if (!set.ok) return say(set.error.detail ?? set.error.code, 2);
      }
      console.log(`merchant ${id} updated`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const userCreate: Command = {
  name: 'user create',
  summary: 'create a cabinet user (merchant operator or platform admin)',
  help: `Usage: kopek user create --login L --password P [--merchant ID] [--role admin|operator]
                         [--refunds [--refunds-per-day N]] [--database D]

Without --merchant the user is a platform administrator. --refunds lets the user refund
payments in the PayKeeper cabinet API, at most N a (Moscow) day with --refunds-per-day.

${databaseHelp}`,
  options: {
    ...databaseOption,
    login: { type: 'string' },
    password: { type: 'string' },
    merchant: { type: 'string' },
    role: { type: 'string' },
    refunds: { type: 'boolean' },
    'refunds-per-day': { type: 'string' },
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
    const perDayText = values['refunds-per-day'];
    if (perDayText !== undefined && (values.refunds !== true || !/^[1-9]\d{0,6}$/.test(String(perDayText)))) {
      console.error('kopek user create: --refunds-per-day takes a count from 1, with --refunds');
      return 2;
    }
    const refunds = {
      allowed: values.refunds === true,
      perDay: perDayText === undefined ? null : Number(perDayText),
    };
    const gateway = await openCommand(values);
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
        refunds,
      });
      if (!made.ok) {
        console.error(
          `kopek user create: ${made.error.field ?? ''} ${made.error.detail ?? made.error.code}`.trim(),
        );
        return 1;
      }
      const rights = !refunds.allowed
        ? ''
        : `, refunds ${refunds.perDay === null ? 'without a daily limit' : `up to ${refunds.perDay} a day`}`;
      console.log(`user ${made.value.login} (${made.value.role}${rights}) created`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const keysHelpTail = `Master keys come from KOPEK_MASTER_KEYS (id:base64,…; the first is active, or the one
KOPEK_ACTIVE_KEY_ID names) or, when it is unset, from <data dir>/master.keys: the directory
of the SQLite file (for PostgreSQL KOPEK_DATA_DIR, default ./data). Every sealed value
(merchant API secrets, card numbers) names its key, and the database records a check value
of each key: keys that are not its own are refused.`;

const keysRotate: Command = {
  name: 'keys rotate',
  summary: 're-encrypt every sealed value to the active master key (adds a new key first)',
  help: `Usage: kopek keys rotate [--no-new-key] [--batch N] [--json] [--database D]

With the key file: adds a fresh random key to <data dir>/master.keys, makes it active
(older keys stay, so nothing breaks midway), then re-encrypts every sealed value to it.
With KOPEK_MASTER_KEYS: re-encrypts every sealed value to the active key of the variable.
Values already under the active key are left alone: safe to run again, e.g. after a crash.

Afterwards restart every running 'kopek serve': it reads its keys at start. Once
'kopek keys status' shows that an old key holds nothing, 'kopek keys retire' removes it.

      --no-new-key   key file only: do not add a key, finish re-encrypting to the active one
      --batch N      rows per transaction (default 200)
      --json         print one JSON object on stdout
${databaseHelp}

${keysHelpTail}`,
  options: {
    ...databaseOption,
    'no-new-key': { type: 'boolean' },
    batch: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const batch = typeof values.batch === 'string' ? Number(values.batch) : undefined;
    if (batch !== undefined && (!Number.isSafeInteger(batch) || batch < 1)) {
      console.error('kopek keys rotate: --batch takes a positive number');
      return 2;
    }
    // The keys as they are are checked against the database before a new one joins them.
    let gateway = await openCommand(values);
    let added: string | null = null;
    if (gateway.config.keyringSource === 'file' && !values['no-new-key']) {
      added = addActiveKey(gateway.config.dataDir, gateway.config.keyring);
      await gateway.close();
      gateway = await openCommand(values); // read back exactly as `serve` will; records the new key
    }
    const config = gateway.config;
    try {
      const counts = await gateway.engine.rotateKeys({ batchSize: batch });
      const active = config.keyring.activeKeyId;
      if (values.json) {
        const tables = Object.fromEntries(
          counts.map((c) => [c.table, { reencrypted: c.reencrypted, current: c.current }]),
        );
        process.stdout.write(`${JSON.stringify({ activeKeyId: active, addedKeyId: added, tables })}\n`);
        return 0;
      }
      if (added) console.log(`added master key ${added} to ${masterKeysFile(config.dataDir)}; it is active`);
      console.log(`re-encrypted to ${active} on ${gateway.database.label}:`);
      for (const c of counts)
        console.log(
          `  ${c.table.padEnd(12)} ${c.reencrypted} re-encrypted, ${c.current} already on ${active}`,
        );
      console.log(
        config.keyringSource === 'file'
          ? `restart every running 'kopek serve' so that it uses ${active}; see 'kopek keys status'`
          : `every gateway process needs ${active} in KOPEK_MASTER_KEYS; see 'kopek keys status'`,
      );
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const printUsage = (usage: KeyUsage[]) => {
  console.log('key id            active  configured  credentials  cards  personal data');
  for (const u of usage)
    console.log(
      `${u.keyId.padEnd(17)} ${(u.active ? 'yes' : '').padEnd(7)} ${(u.configured ? 'yes' : 'MISSING').padEnd(11)} ${String(u.credentials).padEnd(12)} ${String(u.cards).padEnd(6)} ${u.personalData}`,
    );
};

const keysStatus: Command = {
  name: 'keys status',
  summary: 'show, per master key id, how many sealed values still use it',
  help: `Usage: kopek keys status [--json] [--database D]

Lists every master key id that is configured or named by a sealed value, whether it is
active, and how many values (merchant credentials, card numbers) it holds. A key that
holds nothing can be retired. "MISSING": values under a key this configuration lacks.

      --json         print one JSON array on stdout
${databaseHelp}

${keysHelpTail}`,
  options: { ...databaseOption, json: { type: 'boolean' } },
  async run(values) {
    const gateway = await openCommand(values);
    try {
      const usage = await gateway.engine.keyUsage();
      if (values.json) process.stdout.write(`${JSON.stringify(usage)}\n`);
      else printUsage(usage);
      return usage.some((u) => !u.configured) ? 1 : 0;
    } finally {
      await gateway.close();
    }
  },
};

const keysRetire: Command = {
  name: 'keys retire',
  summary: 'remove an old master key that no sealed value uses any more',
  help: `Usage: kopek keys retire --key ID [--database D]

Refuses while any sealed value still uses the key (run 'kopek keys rotate' first) and
refuses the active key. With the key file the key is removed from <data dir>/master.keys;
with KOPEK_MASTER_KEYS it only checks, and you remove the key from the variable yourself.
Check every database that shares these keys before retiring one.

      --key ID       the key id to remove
${databaseHelp}

${keysHelpTail}`,
  options: { ...databaseOption, key: { type: 'string' } },
  async run(values) {
    const keyId = values.key;
    if (typeof keyId !== 'string' || keyId === '') {
      console.error('kopek keys retire: --key is required');
      return 2;
    }
    const gateway = await openCommand(values);
    try {
      const config = gateway.config;
      if (!config.keyring.keys.has(keyId)) {
        console.error(`kopek keys retire: no master key ${keyId} is configured`);
        return 1;
      }
      if (keyId === config.keyring.activeKeyId) {
        console.error(`kopek keys retire: ${keyId} is the active key; rotate to a new one first`);
        return 1;
      }
      const inUse = (await gateway.engine.keyUsage()).find((u) => u.keyId === keyId);
      const held = (inUse?.credentials ?? 0) + (inUse?.cards ?? 0) + (inUse?.personalData ?? 0);
      if (held > 0) {
        console.error(
          `kopek keys retire: ${held} sealed values still use ${keyId}; run 'kopek keys rotate' first`,
        );
        return 1;
      }
      if (config.keyringSource === 'env') {
        console.log(`no sealed value uses ${keyId}: remove it from KOPEK_MASTER_KEYS`);
        return 0;
      }
      removeKey(config.dataDir, config.keyring, keyId);
      await forgetKey(gateway.database, keyId);
      console.log(`removed master key ${keyId} from ${masterKeysFile(config.dataDir)}`);
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

const statsRebuild: Command = {
  name: 'stats rebuild',
  summary: 'recompute the daily statistics from the payments (after changing STATS_TIME_ZONE)',
  help: `Usage: kopek stats rebuild [--batch N] [--json] [--database D]

Recomputes every day's statistics from the payments, with days in STATS_TIME_ZONE, and
replaces the old figures in one transaction: readers see the old ones until the new ones
are complete. Run it after changing STATS_TIME_ZONE (days counted before the change are
otherwise left in the old zone's calendar) or whenever statistics disagree with payments.
Safe beside running gateways: payment changes wait for it and are counted after it.

      --batch N      payments read per query (default 1000)
      --json         print one JSON object on stdout
${databaseHelp}`,
  options: { ...databaseOption, batch: { type: 'string' }, json: { type: 'boolean' } },
  async run(values) {
    const batch = typeof values.batch === 'string' ? Number(values.batch) : undefined;
    if (batch !== undefined && (!Number.isSafeInteger(batch) || batch < 1)) {
      console.error('kopek stats rebuild: --batch takes a positive number');
      return 2;
    }
    const gateway = await openCommand(values);
    try {
      const done = await gateway.engine.rebuildStats({ batchSize: batch });
      if (values.json) process.stdout.write(`${JSON.stringify(done)}\n`);
      else
        console.log(
          `rebuilt daily stats on ${gateway.database.label} in ${done.timeZone}: ${done.paymentsRead} payments read, ${done.bucketsWritten} buckets written (${done.rowsDeleted} replaced) in ${done.ms} ms`,
        );
      return 0;
    } finally {
      await gateway.close();
    }
  },
};

export const commands: Command[] = [
  serve,
  migrate,
  merchantCreate,
  merchantList,
  merchantSet,
  userCreate,
  keysRotate,
  keysStatus,
  keysRetire,
  statsRebuild,
  demoCommand,
];
