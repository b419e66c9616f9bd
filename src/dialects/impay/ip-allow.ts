import { BlockList, isIP } from 'node:net';
import { fail, ok, type Result } from '../../domain/result.ts';

/**
 * A merchant's optional IP allow-list (addresses and CIDRs, IPv4 and IPv6): callers from
 * elsewhere get 403. Built on node's BlockList, which compares addresses as numbers, so
 * `10.0.0.01`-style spellings and IPv6 abbreviations are no way around it.
 */

export type IpAllowList = { allows(ip: string): boolean; entries: readonly string[] };

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is the IPv4 address. */
const unmapped = (ip: string): string => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip);

/** Parses the entries; the first that is neither an address nor a CIDR is the error. */
export function parseIpAllowList(entries: readonly string[]): Result<IpAllowList, { entry: string }> {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(unmapped(address));
    if (family === 0 || extra !== undefined) return fail({ entry: raw });
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(unmapped(address), type);
    else {
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
      if (bits < 0 || bits > (family === 4 ? 32 : 128)) return fail({ entry: raw });
      list.addSubnet(unmapped(address), bits, type);
    }
  }
  const kept = entries.map((e) => e.trim());
  return ok({
    entries: kept,
    allows(ip: string): boolean {
      if (kept.length === 0) return true; // no list: any address
      const address = unmapped(ip);
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  });
}
