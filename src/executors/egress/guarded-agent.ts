// An undici dispatcher whose every connection is checked against the address policy at connect time,
// after DNS resolution, so a name that resolves (or re-resolves) to a private address is refused.
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import { firstDenied, type AddressPolicy } from './address-policy.js';

export class EgressDeniedError extends Error {
  readonly code = 'EGRESS_DENIED';
  constructor(readonly host: string, readonly address: string) {
    super(`egress to ${host} (${address}) is not allowed: loopback, private, link-local and metadata addresses are refused unless an administrator allows the range`);
    this.name = 'EgressDeniedError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that drops the connection when any resolved address is not allowed. */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const denied = firstDenied(addresses, policy.ranges);
      if (denied) return callback(new EgressDeniedError(hostname, denied.address) as NodeJS.ErrnoException, []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** A keep-alive connection pool restricted by the policy (one per server; connections are reused). */
export function createGuardedAgent(policy: AddressPolicy): Agent {
  return new Agent({ connect: { lookup: guardedLookup(policy) as never }, keepAliveTimeout: 10_000 });
}
