import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startUp } from '../../src/cli/start-up.ts';
import { loadSettings } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { postgresUrl, testFlavors } from '../helpers/databases.ts';

/** `kopek merchant set`: an ImPay merchant configured without SQL, checked before it is stored. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');
const flavors = await testFlavors();

type Run = { code: number | null; stdout: string; stderr: string };

function kopek(args: string[], dataDir: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, KOPEK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'KOPEK_MASTER_KEYS', 'KOPEK_ACTIVE_KEY_ID', 'NODE_TEST_CONTEXT'])
    delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** What the gateway reads back: the merchant's settings and its ImPay keys. */
async function readBack(dataDir: string, database: string, merchantId: string) {
  const saved = process.env.KOPEK_DATA_DIR;
  process.env.KOPEK_DATA_DIR = dataDir;
  try {
    const { gateway } = await startUp(loadSettings({ database }), createLogger({ level: 'silent' }));
    try {
      const merchant = await gateway.engine.getMerchant(BigInt(merchantId));
      const auth = await gateway.engine.merchantAuth('impay', BigInt(merchantId));
      return { settings: merchant?.settings ?? {}, key: auth?.secret(), callbackKey: auth?.secret2() };
    } finally {
      await gateway.close();
    }
  } finally {
    if (saved === undefined) delete process.env.KOPEK_DATA_DIR;
    else process.env.KOPEK_DATA_DIR = saved;
  }
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('kopek merchant set --help names every ImPay setting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-set-'));
  dirs.push(dir);
  const run = await kopek(['merchant', 'set', '--help'], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.startsWith('Usage: kopek merchant set'));
  for (const option of [
    '--impay-callback-url',
    '--impay-check-url',
    '--impay-callback-key',
    '--impay-ip-allow',
  ])
    assert.ok(run.stdout.includes(option), option);
});

for (const flavor of flavors) {
  describe(`kopek merchant set on ${flavor}`, { concurrency: false }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kopek-set-'));
    dirs.push(dataDir);
    const pgName = `kopek_set_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const database =
      flavor === 'sqlite'
        ? join(dataDir, 'kopek.db')
        : Object.assign(new URL(postgresUrl), { pathname: `/${pgName}` }).toString();
    const admin = async (query: string) => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(query);
      } finally {
        await client.end();
      }
    };
    let id = '';
    let key = '';

    before(async () => {
      if (flavor === 'postgres') await admin(`create database "${pgName}"`);
      const made = await kopek(
        ['merchant', 'create', '--name', 'Set shop', '--json', '-d', database],
        dataDir,
      );
      assert.equal(made.code, 0, made.stderr);
      const creds = JSON.parse(made.stdout);
      id = creds.id;
      key = creds.impay.key;
      assert.equal(creds.impay.login, id, 'X-Login is the merchant number');
    });
    after(async () => {
      if (flavor === 'postgres') await admin(`drop database if exists "${pgName}" with (force)`);
    });

    test('stores the callback URL, check URL and IP allow-list; the callback key equal to the API key', async () => {
      const run = await kopek(
        [
          'merchant',
          'set',
          '--merchant',
          id,
          '--impay-callback-url',
          'https://shop.example/impay/cb?x=1',
          '--impay-check-url',
          'http://shop.example/check',
          '--impay-ip-allow',
          '10.0.0.0/8, 2001:db8::1',
          '--impay-callback-key',
          'api-key',
          '-d',
          database,
        ],
        dataDir,
      );
      assert.equal(run.code, 0, run.stderr);
      const back = await readBack(dataDir, database, id);
      assert.equal(back.settings.impayCallbackUrl, 'https://shop.example/impay/cb?x=1');
      assert.equal(back.settings.impayCheckUrl, 'http://shop.example/check');
      assert.deepEqual(back.settings.impayIpAllowList, ['10.0.0.0/8', '2001:db8::1']);
      assert.equal(back.callbackKey, key);
      assert.equal(back.key, key);
    });

    test('an explicit callback key; "" clears a URL and the allow-list, other settings kept', async () => {
      const run = await kopek(
        [
          'merchant',
          'set',
          '--merchant',
          id,
          '--impay-callback-key',
          'my-cb-key',
          '--impay-check-url',
          '',
          '--impay-ip-allow',
          '',
          '-d',
          database,
        ],
        dataDir,
      );
      assert.equal(run.code, 0, run.stderr);
      const back = await readBack(dataDir, database, id);
      assert.equal(back.callbackKey, 'my-cb-key');
      assert.equal(back.settings.impayCheckUrl, undefined);
      assert.equal(back.settings.impayIpAllowList, undefined);
      assert.equal(back.settings.impayCallbackUrl, 'https://shop.example/impay/cb?x=1');
    });

    test('refuses a bad URL, a bad allow-list entry, no setting, an unknown merchant; stores nothing', async () => {
      const cases: [string[], number, RegExp][] = [
        [['--merchant', id, '--impay-callback-url', 'ftp://x'], 2, /not an http\(s\) URL/],
        [['--merchant', id, '--impay-ip-allow', '10.0.0.0/33'], 2, /not an IP address or CIDR: 10.0.0.0\/33/],
        [['--merchant', id], 2, /nothing to set/],
        [['--merchant', 'x1', '--impay-check-url', 'http://a.example'], 2, /--merchant takes a merchant id/],
        [['--merchant', '999999', '--impay-check-url', 'http://a.example'], 1, /no merchant 999999/],
      ];
      for (const [args, code, message] of cases) {
        const run = await kopek(['merchant', 'set', ...args, '-d', database], dataDir);
        assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message);
      }
      const back = await readBack(dataDir, database, id);
      assert.equal(back.settings.impayCallbackUrl, 'https://shop.example/impay/cb?x=1');
    });
  });
}
