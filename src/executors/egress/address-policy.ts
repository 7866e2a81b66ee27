// Which network addresses an execution may reach (apiCall requests and the code sandbox's egress proxy alike):
// public unicast only, plus ranges an administrator allows.
import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface AddressPolicy {
  /** True when the IP address may be connected to. */
  allows(ip: string): boolean;
  /** The administrator's ranges the policy was built from. */
  readonly ranges: readonly Cidr[];
}

/** Parses administrator ranges (OUTRIGGER_EGRESS_ALLOW_CIDRS); a single address means /32 or /128; an invalid entry is an error naming it. */
export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((s) => s.trim()).filter(Boolean).map((s) => {
    try {
      if (s.includes('/')) return ipaddr.parseCIDR(s);
      const addr = ipaddr.parse(s);
      return [addr, addr.kind() === 'ipv4' ? 32 : 128] as Cidr;
    } catch {
      throw new Error(`OUTRIGGER_EGRESS_ALLOW_CIDRS: "${s}" is not an address or a CIDR range such as 127.0.0.1/32`);
    }
  });
}

/**
 * Only ordinary public unicast addresses, unless an administrator allowed the range: this refuses loopback
 * (the host's own services), private and CGNAT ranges (the internal network), link-local (169.254.169.254,
 * the cloud metadata service), multicast, reserved, unique-local, and IPv6 forms that embed IPv4 (6to4,
 * Teredo, NAT64 are not `unicast`); IPv4-mapped IPv6 is judged as the IPv4 address it carries.
 */
export function addressAllowed(address: string, allowCidrs: readonly Cidr[]): { ok: boolean; range: string } {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  const text = address.replace(/^\[|\]$/g, '');
  // ipaddr.js reads `::a.b.c.d` as IPv4-mapped, but the kernel connects to it as IPv4-compatible (::/96):
  // the text form must be caught before parsing (the hex form `::a0b:c0d` is caught below).
  if (text.includes(':') && /(^|:)(\d{1,3}\.){3}\d{1,3}$/.test(text) && !/(^|:)ffff:(\d{1,3}\.){3}\d{1,3}$/i.test(text)) {
    return { ok: false, range: 'ipv4Compatible' };
  }
  try {
    addr = ipaddr.parse(text);
  } catch {
    return { ok: false, range: 'invalid' };
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  // IPv4-compatible IPv6 (::a.b.c.d, deprecated by RFC 4291) is not a range ipaddr.js knows, so it would pass as
  // `unicast`; it is refused outright whatever it embeds (:: and ::1 keep their own ranges below).
  if (addr.kind() === 'ipv6' && ipv4Compatible(addr as ipaddr.IPv6)) return { ok: false, range: 'ipv4Compatible' };
  for (const [net, bits] of allowCidrs) {
    if (net.kind() === addr.kind() && addr.match([net, bits] as never)) return { ok: true, range: 'allowed by administrator' };
  }
  const range = addr.range();
  return { ok: range === 'unicast', range };
}

function ipv4Compatible(addr: ipaddr.IPv6): boolean {
  const p = addr.parts;
  return p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1);
}

/** The first resolved address the policy refuses, if any: a name is allowed only when every address it has is. */
export function firstDenied(addresses: readonly { address: string }[], allowCidrs: readonly Cidr[]): { address: string; range: string } | null {
  for (const a of addresses) {
    const verdict = addressAllowed(a.address, allowCidrs);
    if (!verdict.ok) return { address: a.address, range: verdict.range };
  }
  return null;
}

/** The policy for a server's configured allow-list (parsed once). */
export function createAddressPolicy(allowCidrs: readonly string[]): AddressPolicy {
  const ranges = parseCidrs(allowCidrs);
  return { allows: (ip) => addressAllowed(ip, ranges).ok, ranges };
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[|\]$/g, ''));
}
