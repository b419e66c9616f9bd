import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a callback may go to. A callback's status code shows in the merchant's
 * delivery log, so a gateway that calls any address is a port scanner (and a way into the
 * cloud's metadata service) for anyone with an account. Checked twice: on a literal address
 * when a URL is accepted (`callbackUrlProblem`), and on the address actually connected to
 * (delivery/outgoing.ts), so a name that resolves, or re-resolves, to a forbidden address does
 * not pass either.
 */

export type TargetPolicy = {
  /**
   * Self-hosted set-ups whose shop is on the same network: loopback, private (RFC 1918, IPv6
   * ULA) and CGNAT addresses are allowed. Link-local (the metadata service), multicast and
   * unspecified addresses stay refused.
   */
  allowPrivate: boolean;
};

type Range = readonly [address: string, prefix: number];

/** Never a merchant's server, whatever the setting. */
const alwaysForbidden: { v4: Range[]; v6: Range[] } = {
  v4: [
    ['0.0.0.0', 8], // "this network", unspecified
    ['169.254.0.0', 16], // link-local, cloud metadata
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, broadcast
  ],
  v6: [
    ['::', 128], // unspecified
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
  ],
};

/** Networks of a self-hosted set-up: refused unless `allowPrivate`. */
const privateNetworks: { v4: Range[]; v6: Range[] } = {
  v4: [
    ['127.0.0.0', 8], // loopback
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10], // CGNAT
  ],
  v6: [
    ['::1', 128], // loopback
    ['fc00::', 7], // unique local
  ],
};

function blockList(ranges: { v4: Range[]; v6: Range[] }): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of ranges.v4) list.addSubnet(address, prefix, 'ipv4');
  for (const [address, prefix] of ranges.v6) list.addSubnet(address, prefix, 'ipv6');
  return list;
}

const forbiddenList = blockList(alwaysForbidden);
const privateList = blockList(privateNetworks);

/**
 * The IPv4 address an IPv6 one carries (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
 * `::a.b.c.d`, NAT64 `64:ff9b::/96`), so that it is judged as what it reaches.
 */
function embeddedIpv4(address: string): string | null {
  const compatible = carriers.compatible.check(address, 'ipv6');
  if (!compatible && !carriers.others.check(address, 'ipv6')) return null;
  const groups = expandIpv6(address);
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4 ones
  if (compatible && high === 0) return null;
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

const carriers = (() => {
  const compatible = new BlockList();
  compatible.addSubnet('::', 96, 'ipv6');
  const others = new BlockList();
  others.addSubnet('::ffff:0:0', 96, 'ipv6');
  others.addSubnet('64:ff9b::', 96, 'ipv6');
  return { compatible, others };
})();

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as the last two). */
function expandIpv6(text: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  const address = dotted
    ? text.slice(0, dotted.index) +
      [(Number(dotted[1]) << 8) | Number(dotted[2]), (Number(dotted[3]) << 8) | Number(dotted[4])]
        .map((g) => g.toString(16))
        .join(':')
    : text;
  const [head = '', tail] = address.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Why `address` (an IP address, as connected to) may not be called, or null when it may. */
export function addressProblem(address: string, policy: TargetPolicy): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const v4 = family === 6 ? embeddedIpv4(address.toLowerCase()) : address;
  if (v4 && v4 !== address) return addressProblem(v4, policy);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (forbiddenList.check(address, type)) return `${address} is not a public address`;
  if (!policy.allowPrivate && privateList.check(address, type))
    return `${address} is a private address (CALLBACKS_ALLOW_PRIVATE is off)`;
  return null;
}

/** The host of a URL as an IP address, when it is one (`[::1]` without its brackets). */
export function literalAddressOf(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) === 0 ? null : bare;
}

/**
 * Why a callback URL cannot be accepted, or null. Only literal addresses can be judged here:
 * a name is judged on what it resolves to when the callback is sent. Dialects call this when
 * a merchant gives a callback URL (an invoice, a setting), and answer with their own 422.
 */
export function callbackUrlProblem(url: string, policy: TargetPolicy): string | null {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return null; // not a URL at all: the dialect's URL check says so in its own words
  }
  const address = literalAddressOf(host);
  return address ? addressProblem(address, policy) : null;
}
