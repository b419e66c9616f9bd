import { hkdfSync } from 'node:crypto';
import type { Keyring } from '../../security/vault.ts';

/**
 * Keys for signatures and tokens derived from the master keys (HKDF-SHA256), so none is
 * another secret to manage. `purpose` names what a key is for; two purposes never share one.
 */

/**
 * Derived keys by master key and purpose. A derivation is a pure function of the two, so a key
 * kept is the key derived again; kept per master key Buffer (a keyring's keys live as long as
 * the process's keyring, and a rotated-out keyring's go with it). Purposes are a fixed set of
 * names in the code, so each master key holds a handful at most.
 */
const derived = new WeakMap<Buffer, Map<string, Buffer>>();

/** The key of `purpose` derived from one master key (HKDF once per key and purpose, then kept). */
export function deriveFrom(master: Buffer, purpose: string): Buffer {
  let keys = derived.get(master);
  if (!keys) {
    keys = new Map();
    derived.set(master, keys);
  }
  let key = keys.get(purpose);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', master, 'kopek', purpose, 32));
    keys.set(purpose, key);
  }
  // a copy: a caller that writes into its key must not change the one kept
  return Buffer.from(key);
}

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
