import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { demoMerchant, startUp } from '../../src/cli/start-up.ts';
import { loadSettings, type Settings } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import type { Flavor } from '../../src/store/database.ts';
import { postgresUrl, testFlavors } from '../helpers/databases.ts';

delete process.env.KOPEK_MASTER_KEYS;
delete process.env.KOPEK_ACTIVE_KEY_ID;
const log = createLogger({ level: 'silent' });
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/**
 * Three `kopek serve` started at once on an empty database: each start-up on its own
 * connections, as in three processes. A PostgreSQL database of its own (start-up migrates the
 * database's default schema), dropped at the end.
 */
for (const flavor of await testFlavors()) {
  describe(`start-ups at once on an empty ${flavor} database`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kopek-startup-'));
    dirs.push(dataDir);
    const name = `kopek_startup_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    const database = flavor === ('postgres' satisfies Flavor) ? url.toString() : join(dataDir, 'kopek.db');
    if (flavor === 'postgres') {
      before(() => admin(`create database "${name}"`));
      after(() => admin(`drop database if exists "${name}" with (force)`));
    }

    test('make one demo merchant, one key file, and all three print the same credentials', async () => {
      const settings: Settings = { ...loadSettings({ database }), dataDir };
      const started = await Promise.all(
        [1, 2, 3].map(() => startUp(settings, log, demoMerchant(settings.dataDir))),
      );
      try {
        const merchants = await started[0]!.gateway.engine.listMerchants();
        assert.equal(merchants.length, 1, merchants.map((m) => m.name).join(', '));
        const ids = started.map((s) => s.prepared?.id);
        assert.deepEqual(ids, [ids[0], ids[0], ids[0]]);
        assert.equal(String(ids[0]), String(merchants[0]!.id));
        const keys = started.map((s) => s.gateway.config.keyring.keys.get('k1')?.toString('base64'));
        assert.ok(keys[0]);
        assert.deepEqual(keys, [keys[0], keys[0], keys[0]]);
      } finally {
        for (const s of started) await s.gateway.close();
      }
    });
  });
}
