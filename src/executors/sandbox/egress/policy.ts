// Egress policy: which host names an executor may reach, and which resolved addresses are never reachable.
import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses administrator ranges (OUTRIGGER_EGRESS_ALLOW_CIDRS); a single address means /32 or /128. */
export function parseCidrs(list: string[]): Cidr[] {
  return list
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.includes('/') ? ipaddr.parseCIDR(s) : ([ipaddr.parse(s), ipaddr.parse(s).kind() === 'ipv4' ? 32 : 128] as Cidr)));
}

/** `erp.example.com` matches itself only; `*.example.org` matches any name below example.org, not example.org itself. */
export function hostAllowed(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');
  return patterns.some((p) => {
    const q = p.toLowerCase().trim().replace(/\.$/, '');
    if (q.startsWith('*.')) return h.endsWith(q.slice(1)) && h.length > q.length - 1;
    return h === q;
  });
}

/**
 * Only ordinary public unicast addresses, unless an administrator allowed the range: this refuses loopback
 * (the host's own services), private and CGNAT ranges (the internal network), link-local (169.254.169.254,
 * the cloud metadata service), multicast, and IPv6 forms that embed IPv4 (mapped, 6to4, Teredo, NAT64).
 */
export function addressAllowed(address: string, allowCidrs: Cidr[]): { ok: boolean; range: string } {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(address);
  } catch {
    return { ok: false, range: 'invalid' };
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  for (const [net, bits] of allowCidrs) {
    if (net.kind() === addr.kind() && addr.match([net, bits] as never)) return { ok: true, range: 'allowed by administrator' };
  }
  const range = addr.range();
  return { ok: range === 'unicast', range };
}
