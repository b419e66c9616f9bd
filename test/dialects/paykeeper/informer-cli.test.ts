import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { postgresUrl, testFlavors } from '../../helpers/databases.ts';

/**
 * `kopek merchant set ID NAME VALUE` for the informer's settings, on both databases, through
 * the shipped command (dist/): each value checked, stored where the informer reads it.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');
const dataDir = mkdtempSync(join(tmpdir(), 'kopek-informer-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

type Run = { code: number | null; stdout: string; stderr: string };
const kopek = (args: string[], database: string): Promise<Run> => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KOPEK_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    METRICS_PORT: 'off',
  };
  for (const name of ['DATABASE_URL', 'KOPEK_MASTER_KEYS', 'KOPEK_ACTIVE_KEY_ID', 'NODE_TEST_CONTEXT'])
    delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args, '--database', database],
      { cwd: root, env, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
};

type Stored = { settings: string; secret: string };

for (const flavor of await testFlavors()) {
  describe(`kopek merchant set (informer) on ${flavor}`, { concurrency: false }, () => {
    let database: string;
    let read: (merchantId: string) => Promise<Stored>;
    let cleanup = async () => {};

    before(async () => {
      if (flavor === 'sqlite') {
        database = join(dataDir, 'informer.db');
        read = async (id) => {
          const db = new Sqlite(database, { readonly: true });
          try {
            return db
              .prepare(
                `select m.settings, c.secret from merchants m join credentials c on c.merchant_id = m.id
                 where m.id = ? and c.dialect = 'paykeeper'`,
              )
              .get(Number(id)) as Stored;
          } finally {
            db.close();
          }
        };
        return;
      }
      const name = `kopek_pkcli_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      const url = new URL(postgresUrl);
      url.pathname = `/${name}`;
      database = url.toString();
      const admin = async (query: string) => {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        try {
          await client.query(query);
        } finally {
          await client.end();
        }
      };
      await admin(`create database "${name}"`);
      cleanup = () => admin(`drop database if exists "${name}" with (force)`);
      read = async (id) => {
        const client = new pg.Client({ connectionString: database });
        await client.connect();
        try {
          const { rows } = await client.query(
            `select m.settings, c.secret from merchants m join credentials c on c.merchant_id = m.id
             where m.id = $1 and c.dialect = 'paykeeper'`,
            [id],
          );
          return rows[0] as Stored;
        } finally {
          await client.end();
        }
      };
    });
    after(() => cleanup());

    it('sets the URL, the type, the e-mail and the seed; refuses bad values, names and merchants', async () => {
      assert.equal((await kopek(['migrate'], database)).code, 0);
      const created = await kopek(['merchant', 'create', '--name', 'CLI shop', '--json'], database);
      assert.equal(created.code, 0, created.stderr);
      const { id } = JSON.parse(created.stdout) as { id: string };
      const before = await read(id);

      const set = (name: string, value: string) => kopek(['merchant', 'set', id, name, value], database);
      const ok = async (name: string, value: string) => {
        const run = await set(name, value);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, `merchant ${id}: ${name} set\n`);
      };
      await ok('paykeeper.informer-url', 'https://shop.test/paykeeper/callback.php');
      await ok('paykeeper.informer-type', 'email');
      await ok('paykeeper.support-email', 'orders@shop.test');
      await ok('paykeeper.informer-seed', 'the new seed');
      await ok('paykeeper.shopname', 'Магазин «Ромашка»');
      await ok('paykeeper.shopdomain', 'https://romashka.test');
      await ok('paykeeper.legal-name', 'ООО «Ромашка»');
      await ok('paykeeper.contract', '140221-031-1');
      const after = await read(id);
      const settings = JSON.parse(after.settings);
      assert.equal(settings.shopName, 'Магазин «Ромашка»');
      assert.equal(settings.shopDomain, 'https://romashka.test');
      assert.equal(settings.legalName, 'ООО «Ромашка»');
      assert.equal(settings.contractNumber, '140221-031-1');
      assert.equal(settings.informerUrl, 'https://shop.test/paykeeper/callback.php');
      assert.equal(settings.informerType, 'email');
      assert.equal(settings.supportEmail, 'orders@shop.test');
      assert.notEqual(after.secret, before.secret, 'the seed re-sealed');
      assert.ok(!after.secret.includes('the new seed'), 'never in clear');

      const refused: [string[], number, RegExp][] = [
        [[id, 'paykeeper.informer-type', 'sms'], 2, /informer-type: post or email/],
        [[id, 'paykeeper.informer-url', 'ftp://shop.test/'], 2, /an http\(s\) URL/],
        [[id, 'paykeeper.support-email', 'not an address'], 2, /an e-mail address/],
        [[id, 'paykeeper.informer-seed', ''], 2, /invalid_argument/],
        [[id, 'paykeeper.shopdomain', 'romashka'], 2, /an http\(s\) URL/],
        [[id, 'paykeeper.contract', ' '], 2, /1 to 64 printable characters/],
        [[id, 'paykeeper.colour', 'red'], 2, /expected ID NAME VALUE/],
        [[id, 'paykeeper.informer-type'], 2, /expected ID NAME VALUE/],
        [['x1', 'paykeeper.informer-type', 'post'], 2, /expected ID NAME VALUE/],
        [['999999', 'paykeeper.informer-type', 'post'], 1, /merchant_not_found/],
      ];
      for (const [args, code, message] of refused) {
        const run = await kopek(['merchant', 'set', ...args], database);
        assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message);
      }
      assert.deepEqual(await read(id), after, 'refusals change nothing');
    });
  });
}
