// Which network addresses an execution may reach: public unicast only, plus ranges an administrator allows.
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** True when the IP address may be connected to. */
  allows(ip: string): boolean;
}

/** Parses the allowed CIDR list once; an invalid entry is a start-up error naming it. */
export function createAddressPolicy(allowCidrs: readonly string[]): AddressPolicy {
  const ranges = allowCidrs.map((c) => {
    try {
      return ipaddr.parseCIDR(c);
    } catch {
      throw new Error(`OUTRIGGER_EGRESS_ALLOW_CIDRS: "${c}" is not a CIDR range such as 127.0.0.1/32`);
    }
  });
  return {
    allows(ip) {
      if (!ipaddr.isValid(ip)) return false;
      let addr = ipaddr.parse(ip);
      // ::ffff:127.0.0.1 must be judged as the IPv4 address it carries, or it slips past the loopback rule.
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
      for (const [net, bits] of ranges) {
        if (net.kind() === addr.kind() && addr.match(net, bits)) return true;
      }
      // Everything that is not plain public unicast (loopback, private, link-local incl. the 169.254.169.254
      // metadata service, carrier-grade NAT, multicast, reserved, unique-local, …) is refused.
      return addr.range() === 'unicast';
    },
  };
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[|\]$/g, ''));
}
