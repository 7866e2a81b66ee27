// Egress policy of the code sandbox: which host names an executor may reach (addresses: ../../egress/address-policy.ts).

/** `erp.example.com` matches itself only; `*.example.org` matches any name below example.org, not example.org itself. */
export function hostAllowed(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');
  return patterns.some((p) => {
    const q = p.toLowerCase().trim().replace(/\.$/, '');
    if (q.startsWith('*.')) return h.endsWith(q.slice(1)) && h.length > q.length - 1;
    return h === q;
  });
}
