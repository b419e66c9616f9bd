import { hkdfSync } from 'node:crypto';
import type { Keyring } from '../../security/vault.ts';

/**
 * Keys for signatures and tokens derived from the master keys (HKDF-SHA256), so none is
 * another secret to manage. `purpose` names what a key is for; two purposes never share one.
 */

/** The key of `purpose` derived from one master key. */
export const deriveFrom = (master: Buffer, purpose: string): Buffer =>
  Buffer.from(hkdfSync('sha256', master, 'kopek', purpose, 32));

/** The key of `purpose` under the keyring's active master key: the one to sign with. */
export function deriveKey(keyring: Keyring, purpose: string): Buffer {
  const master = keyring.keys.get(keyring.activeKeyId);
  if (!master) throw new Error('the active master key is missing from the keyring');
  return deriveFrom(master, purpose);
}

/** The keys of `purpose` under the other master keys: still accepted after a rotation. */
export const previousKeys = (keyring: Keyring, purpose: string): Buffer[] =>
  [...keyring.keys]
    .filter(([id]) => id !== keyring.activeKeyId)
    .map(([, master]) => deriveFrom(master, purpose));
