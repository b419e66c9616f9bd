import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { bindKeys, forgetKey, KeyMismatchError, keyCheckValue } from '../../src/cli/key-binding.ts';
import { masterKeysPath, readKeyring } from '../../src/config.ts';
import { newMasterKey } from '../../src/security/vault.ts';
import { openTestDatabase, testFlavors } from '../helpers/databases.ts';
import { merchant } from '../helpers/fixtures.ts';
import { testGateway } from '../helpers/gateway.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-bind-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const keyLine = (id: string, key = newMasterKey()) => `${id}:${key.toString('base64')}`;

/** The tests choose keys by file; a KOPEK_MASTER_KEYS of the runner's must not win. */
delete process.env.KOPEK_MASTER_KEYS;
delete process.env.KOPEK_ACTIVE_KEY_ID;

for (const flavor of await testFlavors()) {
  describe(`master keys bound to their database on ${flavor}`, () => {
    test('the first command generates a key file and records its check value, never the key', async () => {
      const db = await openTestDatabase(flavor);
      try {
        const dir = tempDir();
        const { keyring, source } = await bindKeys(db, dir);
        assert.equal(source, 'file');
        assert.ok(existsSync(masterKeysPath(dir)));
        const rows = await db.db
          .withTables<{ master_key_checks: { key_id: string; check_value: string } }>()
          .selectFrom('master_key_checks')
          .select(['key_id', 'check_value'])
          .execute();
        const key = keyring.keys.get('k1')!;
        assert.deepEqual(rows, [{ key_id: 'k1', check_value: keyCheckValue(key) }]);
        assert.ok(!rows[0]!.check_value.includes(key.toString('base64')));
        // the same keys again: accepted, nothing new recorded
        assert.deepEqual((await bindKeys(db, dir)).keyring, keyring);
      } finally {
        await db.drop();
      }
    });

    test('another key under the same id, or none of its ids, is refused with a message', async () => {
      const db = await openTestDatabase(flavor);
      try {
        const home = tempDir();
        await bindKeys(db, home);
        const stranger = tempDir();
        writeFileSync(masterKeysPath(stranger), `${keyLine('k1')}\n`);
        await assert.rejects(
          bindKeys(db, stranger),
          (e: Error) =>
            e instanceof KeyMismatchError &&
            /k1 is not the key this database was written with/.test(e.message),
        );
        writeFileSync(masterKeysPath(stranger), `${keyLine('prod')}\n`);
        await assert.rejects(bindKeys(db, stranger), /none of the configured master keys \(prod\)/);
        // the refusals recorded nothing
        const ids = await db.db
          .withTables<{ master_key_checks: { key_id: string } }>()
          .selectFrom('master_key_checks')
          .select('key_id')
          .execute();
        assert.deepEqual(
          ids.map((r) => r.key_id),
          ['k1'],
        );
      } finally {
        await db.drop();
      }
    });

    test('no keys are generated for a database that has any, nor for one that holds merchants', async () => {
      const db = await openTestDatabase(flavor);
      try {
        const home = tempDir();
        await bindKeys(db, home);
        const elsewhere = tempDir();
        await assert.rejects(bindKeys(db, elsewhere), /Not generating new keys/);
        assert.ok(!existsSync(masterKeysPath(elsewhere)));
      } finally {
        await db.drop();
      }
      const legacy = await openTestDatabase(flavor);
      try {
        await legacy.db
          .insertInto('merchants')
          .values({ name: 'Old shop', status: 'active', settings: '{}', created_at: 0n, updated_at: 0n })
          .execute();
        const dir = tempDir();
        await assert.rejects(bindKeys(legacy, dir), /Not generating new keys/);
        assert.ok(!existsSync(masterKeysPath(dir)));
      } finally {
        await legacy.drop();
      }
    });

    test('a database from before the records: its keys are recorded only if they open its values', async () => {
      const gw = await testGateway(flavor); // seals with its key t1, records nothing
      try {
        await merchant(gw.engine);
        const wrong = tempDir();
        writeFileSync(masterKeysPath(wrong), `${keyLine('t1')}\n`);
        await assert.rejects(
          bindKeys(gw.db, wrong),
          /master key t1 does not open the values this database sealed/,
        );
        const right = tempDir();
        writeFileSync(masterKeysPath(right), `${keyLine('t1', gw.config.keyring.keys.get('t1')!)}\n`);
        await bindKeys(gw.db, right);
        await assert.rejects(bindKeys(gw.db, wrong), /t1 is not the key this database was written with/);
      } finally {
        await gw.close();
      }
    });

    test("a rotation's new key is recorded beside the old; a retired id is forgotten", async () => {
      const db = await openTestDatabase(flavor);
      try {
        const dir = tempDir();
        await bindKeys(db, dir);
        const k1 = readFileSync(masterKeysPath(dir), 'utf8').split('\n')[0]!;
        const k2 = newMasterKey();
        writeFileSync(masterKeysPath(dir), `${k1}\n${keyLine('k2', k2)}\nactive=k2\n`);
        const { keyring } = await bindKeys(db, dir);
        assert.equal(keyring.activeKeyId, 'k2');
        const recorded = async () =>
          (
            await db.db
              .withTables<{ master_key_checks: { key_id: string; check_value: string } }>()
              .selectFrom('master_key_checks')
              .select(['key_id', 'check_value'])
              .orderBy('key_id')
              .execute()
          ).map((r) => [r.key_id, r.check_value]);
        assert.deepEqual(
          (await recorded()).map(([id]) => id),
          ['k1', 'k2'],
        );
        assert.equal((await recorded())[1]![1], keyCheckValue(k2));
        // k1 retired: the file keeps k2 only, and the database forgets k1
        writeFileSync(masterKeysPath(dir), `${keyLine('k2', k2)}\nactive=k2\n`);
        await forgetKey(db, 'k1');
        await bindKeys(db, dir);
        assert.deepEqual(
          (await recorded()).map(([id]) => id),
          ['k2'],
        );
        unlinkSync(masterKeysPath(dir));
        assert.equal(readKeyring(dir), null);
      } finally {
        await db.drop();
      }
    });
  });
}
