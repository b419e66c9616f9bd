import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for data that must be used later (card numbers, signing seeds). Every
 * ciphertext names the key that sealed it, so master keys rotate: add a key, make it active,
 * re-encrypt (`kopek keys rotate`), then retire the old one.
 */
export type Keyring = { activeKeyId: string; keys: ReadonlyMap<string, Buffer> };

export type Sealed = { keyId: string; ciphertext: string };

const ivBytes = 12;
const tagBytes = 16;

/** A sealed value this keyring cannot open: its key is missing, or it is not the key that sealed it. */
export class VaultError extends Error {}

export class Vault {
  constructor(readonly keyring: Keyring) {
    const active = keyring.keys.get(keyring.activeKeyId);
    if (!active) throw new Error(`active master key ${keyring.activeKeyId} is not in the keyring`);
    for (const [id, key] of keyring.keys) {
      if (key.length !== 32) throw new Error(`master key ${id} must be 32 bytes, got ${key.length}`);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
        throw new Error(`master key id ${id} must be 1-32 of [A-Za-z0-9_-]`);
    }
  }

  encrypt(plain: string, aad = ''): Sealed {
    const keyId = this.keyring.activeKeyId;
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key(keyId), iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { keyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  /** Throws if the key is unknown or the ciphertext or its context (`aad`) was tampered with. */
  decrypt(sealed: Sealed, aad = ''): string {
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key(sealed.keyId), raw.subarray(0, ivBytes));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(ivBytes, ivBytes + tagBytes));
    try {
      return Buffer.concat([decipher.update(raw.subarray(ivBytes + tagBytes)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new VaultError(
        `a value sealed with master key ${sealed.keyId} does not open with this process's ${sealed.keyId}`,
      );
    }
  }

  /** One-string form `keyId:ciphertext`, for columns that hold a single secret. */
  seal(plain: string, aad = ''): string {
    const { keyId, ciphertext } = this.encrypt(plain, aad);
    return `${keyId}:${ciphertext}`;
  }

  open(sealed: string, aad = ''): string {
    const at = sealed.indexOf(':');
    if (at < 0) throw new Error('sealed value has no key id');
    return this.decrypt({ keyId: sealed.slice(0, at), ciphertext: sealed.slice(at + 1) }, aad);
  }

  keyIdOf(sealed: string): string {
    return sealed.slice(0, sealed.indexOf(':'));
  }

  private key(keyId: string): Buffer {
    const key = this.keyring.keys.get(keyId);
    if (!key) throw new VaultError(`master key ${keyId} is not configured`);
    return key;
  }
}

/** `id1:<base64 32 bytes>,id2:<…>`; the first is active unless `activeKeyId` names another. */
export function parseKeyring(text: string, activeKeyId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf(':');
    if (at <= 0) throw new Error('each master key is written id:base64');
    keys.set(part.slice(0, at), Buffer.from(part.slice(at + 1), 'base64'));
  }
  const first = keys.keys().next().value;
  if (first === undefined) throw new Error('no master key given');
  return { activeKeyId: activeKeyId ?? first, keys };
}

export const formatKeyring = (keyring: Keyring): string =>
  [...keyring.keys].map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');

export const newMasterKey = (): Buffer => randomBytes(32);
