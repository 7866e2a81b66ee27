// The egress proxy and policy on their own: CONNECT tunnels, refusals, host patterns and address ranges.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressAllowed, parseCidrs } from '../../src/executors/egress/address-policy.js';
import { hostAllowed } from '../../src/executors/sandbox/egress/policy.js';
import { EgressProxy } from '../../src/executors/sandbox/egress/proxy.js';
import { buildSeccompFilter } from '../../src/executors/sandbox/seccomp.js';

let web: http.Server;
let port = 0;
beforeAll(async () => {
  web = http.createServer((_q, s) => s.end('tunnelled'));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  port = (web.address() as net.AddressInfo).port;
});
afterAll(() => {
  web.close();
});

/** Sends raw bytes to the proxy's Unix socket and collects the answer until the socket ends. */
function talk(socketPath: string, text: string, after?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (after && got.includes('200 Connection Established') && !got.includes('GET-SENT')) {
        got += 'GET-SENT';
        s.write(after);
      }
    });
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.write(text);
  });
}

describe('egress proxy', () => {
  it('tunnels CONNECT to a listed host in an allowed range, refuses others', async () => {
    const proxy = await EgressProxy.start({ allow: ['localhost'], allowCidrs: parseCidrs(['127.0.0.0/8', '::1']) });
    try {
      const ok = await talk(proxy.socketPath, `CONNECT localhost:${port} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      expect(ok).toMatch(/^HTTP\/1.1 200 Connection Established/);
      expect(ok).toContain('tunnelled');
      const denied = await talk(proxy.socketPath, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n');
      expect(denied).toMatch(/^HTTP\/1.1 403/);
      expect(denied).toContain('EGRESS_DENIED');
      expect(proxy.denials()).toEqual(['example.com (not in egress list)']);
      proxy.resetDenials();
      expect(proxy.denials()).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('egress policy', () => {
  it('matches names exactly or below a wildcard', () => {
    expect(hostAllowed('erp.example.com', ['erp.example.com'])).toBe(true);
    expect(hostAllowed('ERP.example.com.', ['erp.example.com'])).toBe(true);
    expect(hostAllowed('x.erp.example.com', ['erp.example.com'])).toBe(false);
    expect(hostAllowed('a.mail.example.org', ['*.mail.example.org'])).toBe(true);
    expect(hostAllowed('mail.example.org', ['*.mail.example.org'])).toBe(false);
    expect(hostAllowed('evilmail.example.org', ['*.mail.example.org'])).toBe(false);
  });

  it('refuses loopback, private, CGNAT, link-local/metadata and IPv4-embedding IPv6', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.100.100.200', '169.254.169.254', '0.0.0.0', '::1', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '2002:7f00:1::1', '224.0.0.1']) {
      expect(addressAllowed(a, []).ok, a).toBe(false);
    }
    expect(addressAllowed('93.184.215.14', []).ok).toBe(true);
    expect(addressAllowed('2606:2800:21f:cb07:6820:80da:af6b:8b2c', []).ok).toBe(true);
    expect(addressAllowed('127.0.0.1', parseCidrs(['127.0.0.1/32'])).ok).toBe(true);
    expect(addressAllowed('::ffff:127.0.0.1', parseCidrs(['127.0.0.1'])).ok).toBe(true);
  });
});

describe('seccomp program', () => {
  it('is a whole number of sock_filter instructions ending in ALLOW then ERRNO(EPERM)', () => {
    const f = buildSeccompFilter('x64');
    expect(f).not.toBeNull();
    expect(f!.length % 8).toBe(0);
    expect(f!.readUInt32LE(f!.length - 12)).toBe(0x7fff0000);
    expect(f!.readUInt32LE(f!.length - 4)).toBe(0x00050001);
    expect(buildSeccompFilter('riscv64')).toBeNull();
  });
});
