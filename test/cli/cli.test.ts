import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { commands } from '../../src/cli/commands.ts';
import { postgresUrl, testFlavors } from '../helpers/databases.ts';
import { card, cards, merchant, paid, payment } from '../helpers/fixtures.ts';
import { testGateway } from '../helpers/gateway.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');
const flavors = await testFlavors();

const tempDirs: string[] = [];
const children = new Set<ChildProcess>();
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-cli-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** The child's environment: nothing from ours that the CLI reads, unless given. */
function childEnv(dataDir: string | null, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'KOPEK_MASTER_KEYS',
    'KOPEK_ACTIVE_KEY_ID',
    'KOPEK_WORKERS',
    'PORT',
    'HOST',
    'PUBLIC_URL',
    'NODE_TEST_CONTEXT',
    'METRICS_PORT',
    'METRICS_HOST',
    'KOPEK_DATA_DIR',
  ])
    delete env[name];
  // No metrics listener unless a test asks: servers side by side would want the same port.
  return {
    ...env,
    ...(dataDir ? { KOPEK_DATA_DIR: dataDir } : {}),
    LOG_LEVEL: 'warn',
    METRICS_PORT: 'off',
    ...extra,
  };
}

type Run = { code: number | null; stdout: string; stderr: string };

function kopek(
  args: string[],
  options: { dataDir?: string | null; env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  const env = childEnv(options.dataDir === undefined ? tempDir() : options.dataDir, options.env);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: options.cwd ?? root, env, timeout: 120_000 }, // generous: CI shares two cores with other test files
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const credentialKeys = {
  paykeeper: ['informer_seed', 'login', 'password'],
  impay: ['callback_key', 'key', 'login'],
  paymega: ['account_id', 'public_key', 'secret_key'],
};

/** `merchant create --json`: the whole stdout is one object with exactly the documented keys. */
function parseCredentials(run: Run, name: string): { id: string } & Record<string, unknown> {
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.split('\n').filter(Boolean).length, 1, `one line on stdout:\n${run.stdout}`);
  const creds = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(creds).sort(), ['id', 'impay', 'name', 'paykeeper', 'paymega']);
  assert.match(creds.id, /^\d+$/);
  assert.equal(creds.name, name);
  for (const [dialect, keys] of Object.entries(credentialKeys)) {
    assert.deepEqual(Object.keys(creds[dialect]).sort(), keys, dialect);
    for (const key of keys) {
      const value = creds[dialect][key];
      assert.ok(typeof value === 'string' && value.length > 0, `${dialect}.${key}`);
    }
  }
  return creds;
}

type Listed = { id: string; name: string; status: string; created_at: string };
function parseList(run: Run): Listed[] {
  assert.equal(run.code, 0, run.stderr);
  const list = JSON.parse(run.stdout);
  assert.ok(Array.isArray(list));
  return list;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

type Server = {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

async function serve(dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    env: childEnv(dataDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(out)) return false;
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(out);
        return true;
      };
      const timer = setTimeout(() => {
        child.stdout!.off('data', check);
        reject(new Error(`no ${pattern} within 60 s\nstdout: ${out}\nstderr: ${err}`));
      }, 60_000); // a first start migrates and builds nothing else, but CI machines are busy
      if (check()) return;
      child.stdout!.on('data', check);
      void exited.then(({ code }) => {
        if (!check()) {
          clearTimeout(timer);
          reject(new Error(`kopek serve exited (${code}) before ${pattern}\nstdout: ${out}\nstderr: ${err}`));
        }
      });
    });
  return { child, port, stdout: () => out, waitFor, exited };
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
}

const demoLine = /Demo merchant "Demo shop" \(id (\d+)\):\n {2}PayKeeper {2}login (\S+) {2}password (\S+)/;

// The suites are independent (each has its own data dir or database): run them side by side.
describe('kopek CLI', { concurrency: true }, () => {
  describe('kopek help and argument errors', { concurrency: 2 }, () => {
    const expected = ['serve', 'migrate', 'merchant create', 'merchant list', 'user create', 'stats rebuild'];

    test('kopek --help lists every command', async () => {
      assert.deepEqual(
        expected.filter((name) => !commands.some((c) => c.name === name)),
        [],
      );
      const run = await kopek(['--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Usage: kopek <command>/);
      for (const c of commands) assert.ok(run.stdout.includes(`  ${c.name} `), `${c.name} listed`);
    });

    for (const name of expected) {
      test(`kopek ${name} --help prints its usage`, async () => {
        const run = await kopek([...name.split(' '), '--help']);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(run.stdout.startsWith(`Usage: kopek ${name}`), run.stdout);
        assert.ok(run.stdout.includes('--database'));
        assert.equal(run.stderr, '');
      });
    }

    test('an unknown command exits 2 with the usage on stderr', async () => {
      const run = await kopek(['frobnicate']);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /Usage: kopek <command>/);
    });

    test('an unknown option exits 2 with a message', async () => {
      const run = await kopek(['migrate', '--bogus']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /kopek migrate: Unknown option '--bogus'/);
      assert.match(run.stderr, /Usage: kopek migrate/);
      const stray = await kopek(['migrate', 'now']);
      assert.equal(stray.code, 2);
      assert.match(stray.stderr, /kopek migrate: .*'now'/);
    });

    test('merchant create without --name exits 2', async () => {
      const dataDir = tempDir();
      const variants = [['--json'], ['--name', '  ']];
      const runs = await Promise.all(
        variants.map((args) => kopek(['merchant', 'create', ...args], { dataDir })),
      );
      for (const [i, run] of runs.entries()) {
        assert.equal(run.code, 2, variants[i]!.join(' '));
        assert.match(run.stderr, /--name is required/);
        assert.equal(run.stdout, '');
      }
      assert.ok(!existsSync(join(dataDir, 'kopek.db')), 'nothing opened');
    });

    test('a bad --port fails with a message', async () => {
      const run = await kopek(['serve', '--port', 'eighty']);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /--port must be 0-65535/);
    });
  });

  describe('one-shot commands on SQLite', { concurrency: false }, () => {
    const dataDir = tempDir();
    const database = join(dataDir, 'nested', 'shop.db');
    let merchantId = '';

    test('migrate creates the database file', async () => {
      const run = await kopek(['migrate', '--database', database], { dataDir });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(existsSync(database));
      assert.equal(run.stdout, `migrated sqlite:${database}\n`);
    });

    test('merchant create --json prints exactly one credentials object', async () => {
      const creds = parseCredentials(
        await kopek(['merchant', 'create', '--name', 'Shop One', '--json', '--database', database], {
          dataDir,
        }),
        'Shop One',
      );
      merchantId = creds.id;
      const first = await kopek(['-d', database, '--json', 'merchant', 'list'], { dataDir });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(
        parseList(first).map((m) => m.name),
        ['Shop One'],
        'options may stand before the command',
      );
      const plain = await kopek(['merchant', 'create', '--name', 'Shop Two', '-d', database], { dataDir });
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /^Merchant \d+ "Shop Two"\n {2}PayKeeper {2}login /);
    });

    test('merchant list --json lists the merchants created before', async () => {
      const list = parseList(
        await kopek(['merchant', 'list', '--json', '--database', database], { dataDir }),
      );
      assert.deepEqual(
        list.map((m) => [m.name, m.status]),
        [
          ['Shop One', 'active'],
          ['Shop Two', 'active'],
        ],
      );
      assert.equal(list[0]!.id, merchantId);
      assert.ok(!Number.isNaN(Date.parse(list[0]!.created_at)));
    });

    test('user create: admins and operators', async () => {
      const admin = await kopek(
        ['user', 'create', '--login', 'root', '--password', 'long enough', '-d', database],
        {
          dataDir,
        },
      );
      assert.equal(admin.code, 0, admin.stderr);
      assert.equal(admin.stdout, 'user root (admin) created\n');
      const operator = await kopek(
        [
          'user',
          'create',
          '--login',
          'op@shop',
          '--password',
          'long enough',
          '--merchant',
          merchantId,
          '-d',
          database,
        ],
        { dataDir },
      );
      assert.equal(operator.code, 0, operator.stderr);
      assert.equal(operator.stdout, 'user op@shop (operator) created\n');
    });

    test('user create: refusals', async () => {
      const cases: Array<[string[], number, RegExp]> = [
        [['--login', 'short', '--password', '1234567'], 1, /password at least 8 characters/],
        [
          ['--login', 'role', '--password', 'long enough', '--role', 'root'],
          2,
          /--role is admin or operator/,
        ],
        [['--login', 'ghost', '--password', 'long enough', '--merchant', '999999'], 1, /no merchant 999999/],
        [['--login', 'root', '--password', 'long enough'], 1, /login taken/],
        [['--login', 'nopass'], 2, /--login and --password are required/],
      ];
      const runs = await Promise.all(
        cases.map(([args]) => kopek(['user', 'create', ...args, '--database', database], { dataDir })),
      );
      for (const [i, [args, code, message]] of cases.entries()) {
        const run = runs[i]!;
        assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.equal(run.stdout, '');
      }
    });

    test('stats rebuild recomputes daily_stats beside a running gateway', async () => {
      const gw = await testGateway('sqlite');
      try {
        const m = await merchant(gw.engine);
        for (let i = 0; i < 5; i++) {
          await paid(gw.engine, m, { amountMinor: BigInt(100_00 + i) });
          gw.clock.advance(20 * 60 * 60 * 1000);
        }
        const open = await payment(gw.engine, m);
        await gw.engine.payWithCard({ payment: { id: open.id }, card: card(cards.declined) });
        const statsRows = async () =>
          JSON.stringify(
            await gw.db.db
              .selectFrom('daily_stats')
              .selectAll()
              .where('count', '!=', 0n)
              .orderBy('day')
              .orderBy('status')
              .orderBy('shard')
              .execute(),
            (_, v) => (typeof v === 'bigint' ? v.toString() : v),
          );
        const live = await statsRows();
        await gw.db.db.deleteFrom('daily_stats').where('status', '=', 'captured').execute();
        await gw.db.db.updateTable('daily_stats').set({ amount_minor: 1n }).execute();
        assert.notEqual(await statsRows(), live);
        const path = gw.db.label.replace(/^sqlite:/, '');
        // the test gateway's keys: the database was written with them, and refuses others
        const env = {
          KOPEK_MASTER_KEYS: [...gw.config.keyring.keys]
            .map(([id, key]) => `${id}:${key.toString('base64')}`)
            .join(','),
        };

        const run = await kopek(['stats', 'rebuild', '--database', path], { env });
        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stdout,
          /^rebuilt daily stats on sqlite:\S+ in Europe\/Moscow: 6 payments read, \d+ buckets written \(\d+ replaced\) in \d+ ms\n$/,
        );
        assert.equal(await statsRows(), live);

        const json = await kopek(['stats', 'rebuild', '--json', '--batch', '2', '-d', path], { env });
        assert.equal(json.code, 0, json.stderr);
        const done = JSON.parse(json.stdout);
        assert.deepEqual(Object.keys(done).sort(), [
          'bucketsWritten',
          'ms',
          'paymentsRead',
          'rowsDeleted',
          'timeZone',
        ]);
        assert.equal(done.paymentsRead, 6);
        assert.equal(done.rowsDeleted, done.bucketsWritten);
        assert.equal(await statsRows(), live);

        const bad = await kopek(['stats', 'rebuild', '--batch', '0', '-d', path], { env });
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /--batch takes a positive number/);
      } finally {
        await gw.close();
      }
    });

    test('DATABASE_URL chooses the database; --database overrides it', async () => {
      const dir = tempDir();
      const fromEnv = join(dir, 'env.db');
      const created = parseCredentials(
        await kopek(['merchant', 'create', '--name', 'Env shop', '--json'], {
          dataDir: dir,
          env: { DATABASE_URL: fromEnv },
        }),
        'Env shop',
      );
      assert.ok(existsSync(fromEnv));
      assert.ok(!existsSync(join(dir, 'kopek.db')), 'the default path is not used');
      const list = parseList(
        await kopek(['merchant', 'list', '--json'], { dataDir: dir, env: { DATABASE_URL: fromEnv } }),
      );
      assert.deepEqual(
        list.map((m) => m.id),
        [created.id],
      );
      const flag = join(dir, 'flag.db');
      const run = await kopek(['migrate', '--database', flag], {
        dataDir: dir,
        env: { DATABASE_URL: fromEnv },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(existsSync(flag));
    });
  });

  describe('master keys bound to their database', { concurrency: false }, () => {
    const home = tempDir();
    const database = join(home, 'shop', 'x.db');
    const keyFile = join(home, 'shop', 'master.keys');
    let original = '';
    const refusals = [
      ['merchant', 'list'],
      ['merchant', 'create', '--name', 'Another'],
      ['migrate'],
      ['keys', 'status'],
      ['stats', 'rebuild'],
    ];

    test('the key file is beside the SQLite file, wherever the command runs from', async () => {
      const elsewhere = tempDir();
      const created = parseCredentials(
        await kopek(['merchant', 'create', '--name', 'Far shop', '--json', '--database', database], {
          dataDir: null,
          cwd: elsewhere,
        }),
        'Far shop',
      );
      assert.ok(existsSync(keyFile));
      assert.ok(!existsSync(join(elsewhere, 'data')), 'no key file in the working directory');
      original = readFileSync(keyFile, 'utf8');
      const list = await kopek(['merchant', 'list', '--json', '--database', database], {
        dataDir: null,
        cwd: tempDir(),
      });
      assert.deepEqual(
        parseList(list).map((m) => m.id),
        [created.id],
      );
    });

    test('another key file: every command refuses with a message, serve too', async () => {
      assert.ok(original, 'the first test ran');
      writeFileSync(keyFile, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      for (const args of refusals) {
        const run = await kopek([...args, '--database', database], { dataDir: null });
        assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
        assert.match(
          run.stderr,
          /master key k1 is not the key this database was written with/,
          args.join(' '),
        );
      }
      const server = await serve(home, { DATABASE_URL: database });
      assert.deepEqual(await server.exited, { code: 1, signal: null });
      assert.ok(!server.stdout().includes('Kopek is running'));
      writeFileSync(keyFile, original, { mode: 0o600 });
      assert.equal((await kopek(['merchant', 'list', '--database', database], { dataDir: null })).code, 0);
    });

    test('no key file: refused, and none is generated for a database that has keys', async () => {
      rmSync(keyFile);
      try {
        const run = await kopek(['merchant', 'list', '--database', database], { dataDir: null });
        assert.equal(run.code, 1);
        assert.match(run.stderr, /Not generating new keys/);
        assert.ok(!existsSync(keyFile));
      } finally {
        writeFileSync(keyFile, original, { mode: 0o600 });
      }
    });

    test('KOPEK_MASTER_KEYS with none of the database keys is refused', async () => {
      const run = await kopek(['merchant', 'list', '--database', database], {
        dataDir: null,
        env: { KOPEK_MASTER_KEYS: `prod:${randomBytes(32).toString('base64')}` },
      });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /none of the configured master keys \(prod\)/);
    });
  });

  // A database of its own, not a schema of the shared one: the CLI has no schema option, and
  // migrating the shared database's public schema would leave kysely_migration tables that
  // every per-schema test's migrator then mistakes for its own.
  describe('one-shot commands on PostgreSQL', {
    skip: !flavors.includes('postgres'),
    concurrency: false,
  }, () => {
    const name = `kopek_cli_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    const database = url.toString();
    const dataDir = tempDir();
    const admin = async (query: string) => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(query);
      } finally {
        await client.end();
      }
    };
    before(() => admin(`create database "${name}"`));
    after(() => admin(`drop database if exists "${name}" with (force)`));

    test('migrate, merchant create and list with --database and DATABASE_URL', async () => {
      const migrated = await kopek(['migrate', '--database', database], { dataDir });
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.equal(migrated.stdout, `migrated postgres://${url.host}/${name}\n`);
      const one = parseCredentials(
        await kopek(['merchant', 'create', '--name', 'PG shop', '--json', '--database', database], {
          dataDir,
        }),
        'PG shop',
      );
      const two = parseCredentials(
        await kopek(['merchant', 'create', '--name', 'PG env shop', '--json'], {
          dataDir,
          env: { DATABASE_URL: database },
        }),
        'PG env shop',
      );
      const list = parseList(
        await kopek(['merchant', 'list', '--json'], { dataDir, env: { DATABASE_URL: database } }),
      );
      assert.deepEqual(
        list.map((m) => [m.id, m.name]),
        [
          [one.id, 'PG shop'],
          [two.id, 'PG env shop'],
        ],
      );
      const rebuilt = await kopek(['stats', 'rebuild', '--database', database], { dataDir });
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.match(
        rebuilt.stdout,
        /^rebuilt daily stats on postgres:\/\/\S+ in Europe\/Moscow: 0 payments read, 0 buckets written/,
      );
    });
  });

  describe('kopek serve', { concurrency: false }, () => {
    const dataDir = tempDir();
    let demo: { id: string; login: string; password: string } | undefined;

    test('first start: banner with demo credentials, health, metrics on their own port, clean SIGTERM', async () => {
      const metricsPort = await freePort();
      const server = await serve(dataDir, { METRICS_PORT: String(metricsPort) });
      const banner = await server.waitFor(/Test card 4111/);
      const base = `http://localhost:${server.port}`;
      assert.ok(banner.includes(`Kopek is running on sqlite:${join(dataDir, 'kopek.db')}`), banner);
      assert.ok(banner.includes(`${base}/healthz`));
      assert.ok(banner.includes(`Metrics       http://127.0.0.1:${metricsPort}/metrics`), banner);
      const m = demoLine.exec(banner);
      assert.ok(m, banner);
      demo = { id: m[1]!, login: m[2]!, password: m[3]! };

      const file = join(dataDir, 'demo-credentials.json');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(saved.id, demo.id);
      assert.equal(saved.paykeeper.login, demo.login);
      assert.equal(saved.paykeeper.password, demo.password);
      for (const value of [saved.impay.key, saved.impay.callback_key, saved.paymega.secret_key])
        assert.ok(banner.includes(value));

      const direct = `http://127.0.0.1:${server.port}`;
      const health = await fetch(`${direct}/healthz`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { status: string };
      assert.equal(body.status, 'ok');
      const hidden = await fetch(`${direct}/metrics`);
      assert.equal(hidden.status, 404, 'not on the public listener');
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await metrics.text();
      assert.ok(text.includes('kopek_http_request_duration_seconds'));
      assert.ok(text.includes('kopek_outbox_rows'));
      const missing = await fetch(`${direct}/nope`);
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { error: 'not_found', path: '/nope' });

      await stop(server);
    });

    test('second start on the same data dir shows the same demo merchant', async () => {
      assert.ok(demo, 'the first start ran');
      const server = await serve(dataDir);
      const banner = await server.waitFor(/Test card 4111/);
      const m = demoLine.exec(banner);
      assert.ok(m, banner);
      assert.deepEqual({ id: m[1], login: m[2], password: m[3] }, demo);
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      assert.equal(health.status, 200);
      await stop(server);
      const list = parseList(await kopek(['merchant', 'list', '--json'], { dataDir }));
      assert.deepEqual(
        list.map((x) => x.id),
        [demo.id],
      );
    });

    test('a database that already has merchants gets no demo merchant', async () => {
      const dir = tempDir();
      parseCredentials(
        await kopek(['merchant', 'create', '--name', 'Real shop', '--json'], { dataDir: dir }),
        'Real shop',
      );
      const server = await serve(dir);
      const banner = await server.waitFor(/Metrics +\S+\n/);
      await stop(server);
      assert.ok(!server.stdout().includes('Demo merchant'), server.stdout());
      assert.ok(!banner.includes('Test card'));
      assert.ok(!existsSync(join(dir, 'demo-credentials.json')));
    });
  });
});
