import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { demoFile, demoMerchant, startUp } from '../../src/cli/start-up.ts';
import { loadSettings, type Settings } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { buildApp } from '../../src/web/app.ts';

/** `npm start` on an empty database: the demo merchant comes with a cabinet administrator. */

delete process.env.KOPEK_MASTER_KEYS;
delete process.env.KOPEK_ACTIVE_KEY_ID;
const log = createLogger({ level: 'silent' });
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const fresh = (): Settings => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kopek-demo-'));
  dirs.push(dataDir);
  return { ...loadSettings({ database: join(dataDir, 'kopek.db') }), dataDir };
};

async function logIn(settings: Settings, who: { login: string; password: string }) {
  const { gateway } = await startUp(settings, log);
  const app = await buildApp(gateway);
  try {
    const res = await app.inject({
      method: 'POST',
      url: '/cabinet/api/session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(who),
    });
    return { status: res.statusCode, body: res.json() };
  } finally {
    await app.close();
    await gateway.close();
  }
}

describe('the demo cabinet user (sqlite)', () => {
  test('is made with the demo merchant, kept in demo-credentials.json, and logs in as its admin', async () => {
    const settings = fresh();
    const { gateway, prepared } = await startUp(settings, log, demoMerchant(settings.dataDir));
    await gateway.close();
    assert.ok(prepared?.cabinet);
    assert.equal(prepared.cabinet.login, 'demo');
    assert.ok(prepared.cabinet.password.length >= 16);
    const kept = JSON.parse(readFileSync(demoFile(settings.dataDir), 'utf8'));
    assert.deepEqual(kept.cabinet, prepared.cabinet);
    const res = await logIn(settings, prepared.cabinet);
    assert.equal(res.status, 200);
    assert.equal(res.body.user.admin, true);
    assert.equal(res.body.merchant.id, prepared.id);
    // a second start shows the same user, makes no other
    const again = await startUp(settings, log, demoMerchant(settings.dataDir));
    await again.gateway.close();
    assert.deepEqual(again.prepared?.cabinet, prepared.cabinet);
  });

  test('a demo made before the cabinet gets its administrator at the next start', async () => {
    const settings = fresh();
    const first = await startUp(settings, log, demoMerchant(settings.dataDir));
    await first.gateway.close();
    // as an older version left it: no cabinet user, none in the file
    const older = { ...first.prepared! };
    delete older.cabinet;
    writeFileSync(demoFile(settings.dataDir), JSON.stringify(older));
    const { gateway } = await startUp(settings, log);
    await gateway.database.db.deleteFrom('users').where('login', '=', 'demo').execute();
    await gateway.close();
    const next = await startUp(settings, log, demoMerchant(settings.dataDir));
    await next.gateway.close();
    assert.ok(next.prepared?.cabinet);
    assert.notDeepEqual(next.prepared.cabinet, first.prepared?.cabinet);
    assert.equal((await logIn(settings, next.prepared.cabinet)).status, 200);
  });
});
