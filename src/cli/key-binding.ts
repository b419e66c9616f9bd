import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { type Config, createKeyFile, masterKeysPath, readKeyring } from '../config.ts';
import { type Keyring, Vault } from '../security/vault.ts';
import type { Database } from '../store/database.ts';

/**
 * Master keys are bound to the database they sealed values in. The database keeps a check
 * value per key id (HMAC-SHA256 of a constant under the key: it tells keys apart and reveals
 * nothing of them), so a command run with another database's key file, a key file generated
 * afresh beside a copied database, or a mistyped KOPEK_MASTER_KEYS stops at once with a
 * message, instead of sealing values no other process can open.
 */

type KeyChecks = {
  master_key_checks: { key_id: string; check_value: string; created_at: bigint | number };
};

const checkConstant = 'kopek master key check value v1';

export const keyCheckValue = (key: Buffer): string =>
  createHmac('sha256', key).update(checkConstant).digest('base64url');

export class KeyMismatchError extends Error {}

const checksOf = (database: Database) => database.db.withTables<KeyChecks>();

async function recordedChecks(database: Database): Promise<Map<string, string>> {
  const rows = await checksOf(database)
    .selectFrom('master_key_checks')
    .select(['key_id', 'check_value'])
    .execute();
  return new Map(rows.map((r) => [r.key_id, r.check_value]));
}

/** Why these keys are not this database's, or null when they are (or the database has none yet). */
export function keyMismatch(recorded: ReadonlyMap<string, string>, keyring: Keyring): string | null {
  if (recorded.size === 0) return null;
  const differing = [...keyring.keys].filter(
    ([id, key]) => recorded.has(id) && recorded.get(id) !== keyCheckValue(key),
  );
  if (differing.length > 0)
    return `master key ${differing.map(([id]) => id).join(', ')} is not the key this database was written with`;
  if (![...keyring.keys.keys()].some((id) => recorded.has(id)))
    return `none of the configured master keys (${[...keyring.keys.keys()].join(', ')}) is one this database was written with (${[...recorded.keys()].join(', ')})`;
  return null;
}

/**
 * The keys of this command for this database: KOPEK_MASTER_KEYS or the key file, checked
 * against the database's records; keys it has not seen yet (a rotation's new key) are
 * recorded. A key file is generated only for a database that holds nothing sealed yet.
 * Call under `database.exclusive`, after migrating.
 */
export async function bindKeys(
  database: Database,
  dataDir: string,
  now: () => number = Date.now,
): Promise<{ keyring: Keyring; source: Config['keyringSource'] }> {
  const recorded = await recordedChecks(database);
  let found = readKeyring(dataDir);
  if (!found) {
    if (recorded.size > 0 || (await hasMerchants(database)))
      throw new KeyMismatchError(
        `${database.label} holds values sealed with master keys${recorded.size ? ` ${[...recorded.keys()].join(', ')}` : ''}, and no keys were found (KOPEK_MASTER_KEYS is unset and ${masterKeysPath(dataDir)} does not exist). Not generating new keys for it: set KOPEK_MASTER_KEYS or put this database's master.keys beside it.`,
      );
    createKeyFile(dataDir);
    found = readKeyring(dataDir)!;
  }
  const mismatch = keyMismatch(recorded, found.keyring);
  if (mismatch)
    throw new KeyMismatchError(
      `${database.label}: ${mismatch}. The keys came from ${found.source === 'env' ? 'KOPEK_MASTER_KEYS' : masterKeysPath(dataDir)}; use the keys this database was written with.`,
    );
  const unseen = [...found.keyring.keys].filter(([id]) => !recorded.has(id));
  for (const [id, key] of unseen)
    if (!(await opensItsValues(database, id, key)))
      throw new KeyMismatchError(
        `${database.label}: master key ${id} does not open the values this database sealed with ${id}. The keys came from ${found.source === 'env' ? 'KOPEK_MASTER_KEYS' : masterKeysPath(dataDir)}; use the keys this database was written with.`,
      );
  if (unseen.length > 0)
    await checksOf(database)
      .insertInto('master_key_checks')
      .values(unseen.map(([id, key]) => ({ key_id: id, check_value: keyCheckValue(key), created_at: now() })))
      .onConflict((oc) => oc.column('key_id').doNothing())
      .execute();
  return found;
}

/**
 * A key about to be recorded must open a value the database sealed under its id, if there is
 * one: for a database written before the records (or a key added outside `kopek keys
 * rotate`), the proof that these are its keys rather than new ones under the same id.
 */
async function opensItsValues(database: Database, id: string, key: Buffer): Promise<boolean> {
  const row = await database.db
    .selectFrom('credentials')
    .select(['merchant_id', 'dialect', 'secret'])
    .where(sql<string>`substr(secret, 1, ${id.length + 1})`, '=', `${id}:`)
    .limit(1)
    .executeTakeFirst();
  if (!row?.secret) return true;
  try {
    new Vault({ activeKeyId: id, keys: new Map([[id, key]]) }).open(
      row.secret,
      `${row.merchant_id}:${row.dialect}`,
    );
    return true;
  } catch {
    return false;
  }
}

/** After `kopek keys retire`: the id is free again, for the database as for the key file. */
export async function forgetKey(database: Database, keyId: string): Promise<void> {
  await checksOf(database).deleteFrom('master_key_checks').where('key_id', '=', keyId).execute();
}

async function hasMerchants(database: Database): Promise<boolean> {
  return (await database.db.selectFrom('merchants').select('id').limit(1).executeTakeFirst()) !== undefined;
}
