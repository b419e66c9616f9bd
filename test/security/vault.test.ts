import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  apiSecretMatches,
  apiSecretVerifier,
  hashPassword,
  verifyPassword,
} from '../../src/security/passwords.ts';
import { formatKeyring, newMasterKey, parseKeyring, Vault } from '../../src/security/vault.ts';

describe('vault', () => {
  const k1 = newMasterKey();
  const k2 = newMasterKey();

  it('round-trips and names the key beside the ciphertext', () => {
    const vault = new Vault({ activeKeyId: 'k1', keys: new Map([['k1', k1]]) });
    const sealed = vault.encrypt('4111111111111111', 'card:1');
    assert.equal(sealed.keyId, 'k1');
    assert.ok(!Buffer.from(sealed.ciphertext, 'base64').toString('latin1').includes('4111111111111111'));
    assert.equal(vault.decrypt(sealed, 'card:1'), '4111111111111111');
    assert.notEqual(
      vault.encrypt('same').ciphertext,
      vault.encrypt('same').ciphertext,
      'a fresh IV every time',
    );
  });

  it('refuses a tampered ciphertext, a wrong context and an unknown key', () => {
    const vault = new Vault({ activeKeyId: 'k1', keys: new Map([['k1', k1]]) });
    const sealed = vault.encrypt('secret', 'merchant:1');
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => vault.decrypt({ ...sealed, ciphertext: raw.toString('base64') }, 'merchant:1'));
    assert.throws(() => vault.decrypt(sealed, 'merchant:2'), 'bound to its context');
    assert.throws(() => vault.decrypt({ ...sealed, keyId: 'k9' }, 'merchant:1'), /k9/);
  });

  it('reads old ciphertexts after a new key becomes active', () => {
    const old = new Vault({ activeKeyId: 'k1', keys: new Map([['k1', k1]]) });
    const sealed = old.seal('seed');
    const rotated = new Vault({
      activeKeyId: 'k2',
      keys: new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
    });
    assert.equal(rotated.open(sealed), 'seed');
    assert.equal(rotated.keyIdOf(rotated.seal('seed')), 'k2');
  });

  it('parses and formats keyrings, and rejects bad keys', () => {
    const ring = parseKeyring(
      formatKeyring({
        activeKeyId: 'a',
        keys: new Map([
          ['a', k1],
          ['b', k2],
        ]),
      }),
    );
    assert.equal(ring.activeKeyId, 'a');
    assert.equal(parseKeyring(`a:${k1.toString('base64')},b:${k2.toString('base64')}`, 'b').activeKeyId, 'b');
    assert.throws(() => parseKeyring(''));
    assert.throws(() => parseKeyring('nocolon'));
    assert.throws(
      () => new Vault({ activeKeyId: 'a', keys: new Map([['a', Buffer.alloc(16)]]) }),
      /32 bytes/,
    );
    assert.throws(() => new Vault({ activeKeyId: 'x', keys: new Map([['a', k1]]) }), /not in the keyring/);
  });
});

describe('secret verifiers', () => {
  it('verifies API secrets with a constant-time compare', () => {
    const v = apiSecretVerifier('s3cret');
    assert.ok(apiSecretMatches('s3cret', v));
    assert.ok(!apiSecretMatches('s3creT', v));
    assert.ok(!apiSecretMatches('', v));
  });

  it('hashes passwords with a salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.notEqual(a, b);
    assert.ok(await verifyPassword('correct horse', a));
    assert.ok(!(await verifyPassword('wrong horse', a)));
    assert.ok(!(await verifyPassword('x', 'garbage')));
  });
});
