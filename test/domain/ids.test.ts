import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { newDigits, newHexToken, newPublicId, newSecret, randomBase62 } from '../../src/domain/ids.ts';

const base62 = /^[0-9A-Za-z]*$/;

describe('randomBase62', () => {
  it('has the asked length and only base62 characters', () => {
    assert.equal(randomBase62(0), '');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (length) => {
        const text = randomBase62(length);
        assert.equal(text.length, length);
        assert.match(text, base62);
      }),
    );
  });

  it('uses every one of the 62 characters', () => {
    const seen = new Set(randomBase62(20_000));
    assert.equal(seen.size, 62);
  });

  it('is roughly uniform (no modulo bias)', () => {
    const sample = randomBase62(62 * 2_000);
    const counts = new Map<string, number>();
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    // expected 2000 each, sd ≈ 44; a biased sampler would push some far past these bounds
    for (const [ch, n] of counts) assert.ok(n > 1_700 && n < 2_300, `${ch} seen ${n} times`);
  });
});

describe('newPublicId', () => {
  it('is 16 base62 characters', () => {
    const id = newPublicId();
    assert.equal(id.length, 16);
    assert.match(id, base62);
  });

  it('does not repeat over 10k ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(newPublicId());
    assert.equal(ids.size, 10_000);
  });
});

describe('newDigits', () => {
  it('has the asked length, only digits and no leading zero', () => {
    for (let length = 1; length <= 30; length++) {
      for (let i = 0; i < 50; i++) {
        const d = newDigits(length);
        assert.equal(d.length, length);
        assert.match(d, /^[1-9]\d*$/);
      }
    }
  });

  it('never starts with zero over many draws', () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 5_000; i++) firsts.add(newDigits(8)[0]!);
    assert.ok(!firsts.has('0'));
    assert.equal(firsts.size, 9);
  });
});

describe('newSecret and newHexToken', () => {
  it('encode the asked number of random bytes', () => {
    assert.match(newSecret(), /^[A-Za-z0-9_-]{32}$/);
    assert.equal(Buffer.from(newSecret(48), 'base64url').length, 48);
    assert.match(newHexToken(), /^[0-9a-f]{32}$/);
    assert.match(newHexToken(4), /^[0-9a-f]{8}$/);
    assert.notEqual(newSecret(), newSecret());
    assert.notEqual(newHexToken(), newHexToken());
  });
});
