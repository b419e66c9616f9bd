import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { demoMerchant, demoPaymentsOf, startUp } from '../../src/cli/start-up.ts';
import { loadSettings } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';

/** `kopek demo` as a command, and the demo merchant's data at a first start (KOPEK_DEMO_DATA). */

delete process.env.KOPEK_MASTER_KEYS;
delete process.env.KOPEK_ACTIVE_KEY_ID;
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-demo-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };
function kopek(args: string[], dataDir: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KOPEK_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    METRICS_PORT: 'off',
  };
  for (const name of ['DATABASE_URL', 'NODE_TEST_CONTEXT', 'KOPEK_DEMO_DATA']) delete env[name];
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

describe('demo data', () => {
  test('KOPEK_DEMO_DATA: a count, 0 or off for none; none by default in test runs', () => {
    assert.equal(demoPaymentsOf({}), 3000);
    assert.equal(demoPaymentsOf({ NODE_ENV: 'test' }), 0);
    assert.equal(demoPaymentsOf({ NODE_ENV: 'test', KOPEK_DEMO_DATA: '250' }), 250);
    assert.equal(demoPaymentsOf({ KOPEK_DEMO_DATA: '0' }), 0);
    assert.equal(demoPaymentsOf({ KOPEK_DEMO_DATA: 'off' }), 0);
    assert.equal(demoPaymentsOf({ KOPEK_DEMO_DATA: ' 12 ' }), 12);
  });

  test('the demo merchant of a new database starts with its demo payments, once', async () => {
    const dataDir = tempDir();
    const settings = loadSettings({ database: join(dataDir, 'kopek.db') });
    const log = createLogger({ level: 'silent' });
    const saved = process.env.KOPEK_DEMO_DATA;
    process.env.KOPEK_DEMO_DATA = '150';
    try {
      for (let start = 0; start < 2; start++) {
        const { gateway, prepared } = await startUp({ ...settings, dataDir }, log, demoMerchant(dataDir));
        try {
          assert.ok(prepared, 'the demo credentials');
          const { rows } = await sql<{ n: bigint }>`select count(*) as n from payments`.execute(
            gateway.database.db,
          );
          assert.equal(Number(rows[0]!.n), 150, 'written at the first start only');
          const stats = await gateway.engine.statistics({
            merchantId: BigInt(prepared.id),
            fromDay: '2000-01-01',
            toDay: '2100-01-01',
          });
          assert.equal(
            stats.reduce((sum, r) => sum + r.count, 0n),
            150n,
          );
        } finally {
          await gateway.close();
        }
      }
    } finally {
      if (saved === undefined) delete process.env.KOPEK_DEMO_DATA;
      else process.env.KOPEK_DEMO_DATA = saved;
    }
  });

  test('kopek demo fills the first merchant, with progress lines off a terminal', async () => {
    const dataDir = tempDir();
    const database = join(dataDir, 'kopek.db');
    const run = await kopek(
      ['demo', '--payments', '400', '--months', '2', '--seed', '3', '--json', '-d', database],
      dataDir,
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.payments, 400);
    assert.equal(result.merchantId, '1');
    assert.ok(result.refunds > 0);
    assert.match(run.stderr, /demo: 400\/400 payments \(100%\)/);
    const again = await kopek(['demo', '--payments', '100', '--merchant', '1', '-d', database], dataDir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /100 payments/);
    const bad = await kopek(['demo', '--payments', 'many', '-d', database], dataDir);
    assert.equal(bad.code, 2);
    const unknown = await kopek(['demo', '--payments', '5', '--merchant', '99', '-d', database], dataDir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /merchant_not_found/);
  });
});
