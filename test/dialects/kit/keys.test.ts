import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { deriveFrom, deriveKey, previousKeys } from '../../../src/dialects/kit/keys.ts';

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);

describe('kit: key derivation', () => {
  it('derives HKDF-SHA256 keys from the master key, as the keys in use were derived', () => {
    // the formula of the keys already out there (3-DS challenges, page tokens): must not change
    const expected = Buffer.from(hkdfSync('sha256', k1, 'kopek', 'paymega-page-token', 32));
    assert.deepEqual(deriveFrom(k1, 'paymega-page-token'), expected);
  });
  it('signs with the active key and keeps the others for checking', () => {
    const keyring = {
      activeKeyId: 'k2',
      keys: new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
    };
    assert.deepEqual(deriveKey(keyring, 'p'), deriveFrom(k2, 'p'));
    assert.deepEqual(previousKeys(keyring, 'p'), [deriveFrom(k1, 'p')]);
  });
  it('gives each purpose its own key', () => {
    assert.notDeepEqual(deriveFrom(k1, 'simulator-3ds'), deriveFrom(k1, 'paymega-page-token'));
  });
  it('refuses a keyring without its active key', () => {
    assert.throws(
      () => deriveKey({ activeKeyId: 'k9', keys: new Map([['k1', k1]]) }, 'p'),
      /active master key/,
    );
  });
});
