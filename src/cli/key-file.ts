import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Keyring, newMasterKey } from '../security/vault.ts';

/**
 * The embedded keyring file, `<dataDir>/master.keys` (mode 0600): one `id:base64` line per
 * key and an `active=id` line, as config.ts reads it. Used when KOPEK_MASTER_KEYS is unset.
 */
export const masterKeysFile = (dataDir: string): string => join(dataDir, 'master.keys');

/** Written beside and renamed over, so a crash leaves the old file or the new one, never half. */
function writeKeyFile(dataDir: string, keyring: Keyring): void {
  const file = masterKeysFile(dataDir);
  const lines = [...keyring.keys].map(([id, key]) => `${id}:${key.toString('base64')}`);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${[...lines, `active=${keyring.activeKeyId}`].join('\n')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** `k<n+1>` after the highest `k<n>` in use. */
export function nextKeyId(keyring: Keyring): string {
  let n = keyring.keys.size;
  for (const id of keyring.keys.keys()) {
    const m = /^k(\d{1,9})$/.exec(id);
    if (m) n = Math.max(n, Number(m[1]));
  }
  while (keyring.keys.has(`k${n + 1}`)) n++;
  return `k${n + 1}`;
}

/** Adds a fresh random key and makes it active; the old keys stay, so old values still open. */
export function addActiveKey(dataDir: string, keyring: Keyring): string {
  const keyId = nextKeyId(keyring);
  const keys = new Map(keyring.keys);
  keys.set(keyId, newMasterKey());
  writeKeyFile(dataDir, { activeKeyId: keyId, keys });
  return keyId;
}

/** Removes a key that is not active (the caller checks that no value uses it). */
export function removeKey(dataDir: string, keyring: Keyring, keyId: string): void {
  if (keyId === keyring.activeKeyId) throw new Error(`${keyId} is the active key`);
  const keys = new Map(keyring.keys);
  keys.delete(keyId);
  writeKeyFile(dataDir, { activeKeyId: keyring.activeKeyId, keys });
}
