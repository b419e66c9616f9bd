import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { openGateway } from '../../src/runtime.ts';
import { type Keyring, newMasterKey, parseKeyring } from '../../src/security/vault.ts';
import { cards, unwrap } from '../helpers/fixtures.ts';
import { keptPan, registered } from './vault-fixtures.ts';

/** `kopek keys …` as an operator runs it: a child process on a SQLite data dir with the key file. */
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');

type Run = { code: number | null; stdout: string; stderr: string };
function kopek(dataDir: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, KOPEK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'KOPEK_MASTER_KEYS', 'KOPEK_ACTIVE_KEY_ID', 'NODE_TEST_CONTEXT'])
    delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env, timeout: 180_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** The key file as `serve` reads it (config.ts). */
function fileKeyring(dataDir: string): Keyring {
  const lines = readFileSync(join(dataDir, 'master.keys'), 'utf8').trim().split('\n');
  const active = lines.find((l) => l.startsWith('active='))?.slice('active='.length);
  return parseKeyring(lines.filter((l) => !l.startsWith('active=')).join(','), active);
}

async function gatewayOn(dataDir: string) {
  const config: Config = {
    database: join(dataDir, 'kopek.db'),
    dataDir,
    host: '127.0.0.1',
    port: 0,
    publicUrl: 'http://kopek.test',
    keyring: fileKeyring(dataDir),
    keyringSource: 'file',
    connectorTimeoutMs: 2000,
    paymentAttemptsMax: 3,
    statsTimeZone: 'Europe/Moscow',
    logLevel: 'warn',
    workers: false,
    trustProxy: false,
  };
  return openGateway(config, { log: createLogger({ level: 'silent' }) });
}

describe('kopek keys on SQLite with the key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-keys-'));
  let merchantId = 0n;
  let cardId = 0n;
  let impay = { login: '', key: '' };
  before(async () => {
    // what `kopek serve` writes on first start: one key, k1
    writeFileSync(join(dir, 'master.keys'), `k1:${newMasterKey().toString('base64')}\n`, { mode: 0o600 });
    const gw = await gatewayOn(dir);
    try {
      const creds = unwrap(await gw.engine.createMerchant({ name: 'Keys shop' }));
      merchantId = BigInt(creds.id);
      impay = { login: creds.impay.login, key: creds.impay.key };
      cardId = (await registered(gw.engine, merchantId, cards.mastercard)).id;
    } finally {
      await gw.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help for each keys command', async () => {
    const runs = await Promise.all(
      ['rotate', 'status', 'retire'].map((sub) => kopek(dir, ['keys', sub, '--help'])),
    );
    for (const [i, sub] of ['rotate', 'status', 'retire'].entries()) {
      assert.equal(runs[i]!.code, 0, runs[i]!.stderr);
      assert.ok(runs[i]!.stdout.startsWith(`Usage: kopek keys ${sub}`), runs[i]!.stdout);
      assert.ok(runs[i]!.stdout.includes('KOPEK_MASTER_KEYS'));
    }
  });

  it('status, rotate, rotate again, retire the old key', async () => {
    const status = await kopek(dir, ['keys', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), [
      { keyId: 'k1', active: true, configured: true, credentials: 5, cards: 1, personalData: 0 },
    ]);

    const retireActive = await kopek(dir, ['keys', 'retire', '--key', 'k1']);
    assert.equal(retireActive.code, 1);
    assert.match(retireActive.stderr, /active key/);

    const rotated = await kopek(dir, ['keys', 'rotate', '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.deepEqual(JSON.parse(rotated.stdout), {
      activeKeyId: 'k2',
      addedKeyId: 'k2',
      tables: {
        credentials: { reencrypted: 5, current: 0 },
        cards: { reencrypted: 1, current: 0 },
        personal_data: { reencrypted: 0, current: 0 },
      },
    });
    const ring = fileKeyring(dir);
    assert.equal(ring.activeKeyId, 'k2');
    assert.deepEqual([...ring.keys.keys()], ['k1', 'k2'], 'the old key stays until retired');
    assert.equal(statSync(join(dir, 'master.keys')).mode & 0o777, 0o600);

    const again = await kopek(dir, ['keys', 'rotate', '--no-new-key']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /credentials +0 re-encrypted, 5 already on k2/);
    assert.match(again.stdout, /cards +0 re-encrypted, 1 already on k2/);
    assert.deepEqual([...fileKeyring(dir).keys.keys()], ['k1', 'k2']);

    const retired = await kopek(dir, ['keys', 'retire', '--key', 'k1']);
    assert.equal(retired.code, 0, retired.stderr);
    assert.match(retired.stdout, /removed master key k1/);
    assert.deepEqual([...fileKeyring(dir).keys.keys()], ['k2']);

    const after = await kopek(dir, ['keys', 'status']);
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /^k2 +yes +yes +5 +1 +0$/m);
    assert.doesNotMatch(after.stdout, /^k1/m);

    // what a restarted `serve` sees: only k2, and everything still opens
    const gw = await gatewayOn(dir);
    try {
      assert.equal(await keptPan(gw.engine, cardId), cards.mastercard);
      assert.equal((await gw.engine.authenticate('impay', impay.login))?.secret(), impay.key);
      const charged = unwrap(
        await gw.engine.chargeSavedCard({
          merchantId,
          cardId,
          origin: 'core',
          amountMinor: 5_00n,
          currency: 'RUB',
        }),
      );
      assert.equal(charged.payment.status, 'captured');
    } finally {
      await gw.close();
    }
  });
});
