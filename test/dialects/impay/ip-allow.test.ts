import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIpAllowList } from '../../../src/dialects/impay/ip-allow.ts';

function list(entries: string[]) {
  const parsed = parseIpAllowList(entries);
  if (!parsed.ok) assert.fail(`refused ${parsed.error.entry}`);
  return parsed.value;
}

describe('ImPay IP allow-list', () => {
  it('no list allows any address', () => {
    assert.equal(list([]).allows('203.0.113.9'), true);
  });

  it('allows listed addresses and subnets, both sides of a boundary', () => {
    const l = list(['10.0.0.0/24', '198.51.100.7', '2001:db8::/32']);
    assert.equal(l.allows('10.0.0.255'), true);
    assert.equal(l.allows('10.0.1.0'), false);
    assert.equal(l.allows('198.51.100.7'), true);
    assert.equal(l.allows('198.51.100.8'), false);
    assert.equal(l.allows('2001:db8:ffff::1'), true);
    assert.equal(l.allows('2001:db9::1'), false);
  });

  it('an IPv4 client seen on a dual-stack socket is its IPv4 address', () => {
    assert.equal(list(['198.51.100.7']).allows('::ffff:198.51.100.7'), true);
  });

  it('refuses what is not an address', () => {
    const l = list(['198.51.100.7']);
    for (const ip of ['', 'localhost', '198.51.100.7 ', '198.51.100.07x'])
      assert.equal(l.allows(ip), false, ip);
  });

  it('refuses bad entries, naming the first', () => {
    assert.deepEqual(parseIpAllowList(['10.0.0.0/8', '10.0.0.0/33']), {
      ok: false,
      error: { entry: '10.0.0.0/33' },
    });
    for (const entry of ['example.com', '10.0.0.0/8/1', '::/129', '10.0.0.0/', ''])
      assert.equal(parseIpAllowList([entry]).ok, false, entry);
  });
});
