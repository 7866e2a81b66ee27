// Abuse of the egress proxy from inside a sandbox: invalid targets, descriptor floods, slow and idle clients.
// Every case is refused or cut off, the proxy's descriptors stay bounded, and the proxy still tunnels afterwards.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { addressAllowed, firstDenied, parseCidrs } from '../../src/executors/egress/address-policy.js';
import { EgressProxy, egressConnectionsOpen, parseConnectTarget, type EgressLimits } from '../../src/executors/sandbox/egress/proxy.js';

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

const loopback = parseCidrs(['127.0.0.0/8', '::1']);

async function withProxy(limits: Partial<EgressLimits>, fn: (p: EgressProxy) => Promise<void>): Promise<void> {
  const p = await EgressProxy.start({ allow: ['localhost', '127.0.0.1'], allowCidrs: loopback, limits });
  try {
    await fn(p);
  } finally {
    await p.close();
  }
}

/** Sends raw bytes and collects the answer until the proxy closes the connection. */
function talk(socketPath: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', () => undefined);
    s.write(text);
  });
}

/** A working tunnel through the proxy: proves it still serves after an attack. */
async function tunnelWorks(p: EgressProxy): Promise<void> {
  const answer = await new Promise<string>((resolve) => {
    const s = net.connect(p.socketPath);
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (got.startsWith('HTTP/1.1 200 Connection Established\r\n\r\n') && !got.includes('GET-SENT')) {
        got += 'GET-SENT';
        s.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      }
    });
    s.on('close', () => resolve(got));
    s.on('error', () => undefined);
    s.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
  expect(answer).toContain('tunnelled');
}

/** Opens n raw connections to the proxy and keeps them open; resolves once each was accepted or refused. */
async function hold(socketPath: string, n: number, first = ''): Promise<net.Socket[]> {
  const socks = Array.from({ length: n }, () => {
    const s = net.connect(socketPath);
    s.on('error', () => undefined);
    s.resume(); // read, so that the proxy closing its end is seen here
    if (first) s.write(first);
    return s;
  });
  await Promise.all(socks.map((s) => new Promise((r) => { s.once('connect', r); s.once('close', r); })));
  return socks;
}

async function until(cond: () => boolean, what = 'the proxy to catch up'): Promise<void> {
  await waitFor(cond, what, 15_000, 10);
}

describe('CONNECT and absolute-URI targets are validated', () => {
  it.each([
    'localhost:99999', 'localhost:65536', 'localhost:0', 'localhost:-1', 'localhost:1e3', 'localhost:', ':80', 'localhost',
    '[::1:80', 'bad_host!:80', 'a..b:80', `${'a'.repeat(300)}:80`, 'localhost:80:80', '[::1]x:80', 'localhost:0x50',
  ])('CONNECT %s is refused with 403 and the proxy keeps serving', async (target) => {
    await withProxy({}, async (p) => {
      const got = await talk(p.socketPath, `CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(got).toMatch(/^HTTP\/1.1 (403|400)/);
      await tunnelWorks(p);
    });
  });

  it.each(['http://localhost:0/', 'ftp://localhost/', '/relative', 'http://[::1/'])('GET %s is refused', async (uri) => {
    await withProxy({}, async (p) => {
      const got = await talk(p.socketPath, `GET ${uri} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(got).toMatch(/^HTTP\/1.1 (403|400)/);
      await tunnelWorks(p);
    });
  });

  it('parses only host:port with a port from 1 to 65535', () => {
    expect(parseConnectTarget('erp.example.com:443')).toEqual({ host: 'erp.example.com', port: 443 });
    expect(parseConnectTarget('[2001:db8::1]:8443')).toEqual({ host: '2001:db8::1', port: 8443 });
    expect(parseConnectTarget('erp.example.com:70000')).toBeNull();
    expect(parseConnectTarget('[not-an-ip]:443')).toBeNull();
  });
});

describe('the address rule is the one apiCall uses', () => {
  it('IPv4-compatible IPv6 (::a.b.c.d) is refused, whatever it embeds', () => {
    for (const a of ['::127.0.0.1', '::7f00:1', '::a00:1', '::8.8.8.8', '[::8.8.8.8]', '0:0:0:0:0:0:808:808']) expect(addressAllowed(a, []).ok, a).toBe(false);
    expect(addressAllowed('::ffff:8.8.8.8', []).ok).toBe(true); // IPv4-mapped is judged as the IPv4 address
    expect(addressAllowed('::1', []).range).toBe('loopback');
  });

  it('a name is refused when any one of its addresses is refused', () => {
    expect(firstDenied([{ address: '93.184.215.14' }, { address: '10.0.0.5' }], [])).toEqual({ address: '10.0.0.5', range: 'private' });
    expect(firstDenied([{ address: '93.184.215.14' }], [])).toBeNull();
  });
});

describe('descriptors are bounded', () => {
  it('a flood of connections from one sandbox: at most the per-sandbox cap is held, the rest closed at once', async () => {
    await withProxy({ connectionsPerSandbox: 8 }, async (p) => {
      const before = egressConnectionsOpen();
      const socks = await hold(p.socketPath, 60);
      await until(() => socks.filter((s) => !s.destroyed && s.readyState === 'open').length <= 8);
      expect(egressConnectionsOpen() - before).toBeLessThanOrEqual(8);
      for (const s of socks) s.destroy();
      await until(() => egressConnectionsOpen() <= before);
      await tunnelWorks(p);
    });
  });

  it('open tunnels count against the cap too (each holds an upstream socket)', async () => {
    const upstream = new Set<net.Socket>();
    const sink = net.createServer((s) => { upstream.add(s); s.on('close', () => upstream.delete(s)); s.on('error', () => undefined); });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkPort = (sink.address() as net.AddressInfo).port;
    try {
      await withProxy({ connectionsPerSandbox: 5 }, async (p) => {
        const socks = await hold(p.socketPath, 20, `CONNECT 127.0.0.1:${sinkPort} HTTP/1.1\r\nHost: x\r\n\r\n`);
        await until(() => upstream.size === 5);
        // Give refused ones no chance to sneak in later: still 5 once every client is settled.
        await until(() => socks.filter((s) => !s.destroyed).length === 5);
        expect(upstream.size).toBe(5);
        for (const s of socks) s.destroy();
        await until(() => upstream.size === 0);
      });
    } finally {
      sink.close();
    }
  });

  it('the total cap holds across sandboxes', async () => {
    const a = await EgressProxy.start({ allow: ['localhost'], allowCidrs: loopback, limits: { connectionsPerSandbox: 8, connectionsTotal: 10 } });
    const b = await EgressProxy.start({ allow: ['localhost'], allowCidrs: loopback, limits: { connectionsPerSandbox: 8, connectionsTotal: 10 } });
    try {
      const before = egressConnectionsOpen();
      const socks = [...(await hold(a.socketPath, 8)), ...(await hold(b.socketPath, 8))];
      await until(() => socks.filter((s) => !s.destroyed).length <= 10 - before);
      expect(egressConnectionsOpen()).toBeLessThanOrEqual(10);
      for (const s of socks) s.destroy();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('slow and idle clients are cut off', () => {
  it('a client that never finishes its request head is closed after the header time-out', async () => {
    await withProxy({ headersMs: 300 }, async (p) => {
      const s = net.connect(p.socketPath);
      s.on('error', () => undefined);
      s.resume();
      s.write('CONNECT local');
      // Closed by the header time-out: nothing else ends this connection before the test's own time-out.
      await new Promise((r) => s.once('close', r));
      await tunnelWorks(p);
    });
  });

  it('an idle tunnel is closed after the idle time-out', async () => {
    const sink = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    try {
      await withProxy({ idleMs: 300 }, async (p) => {
        const s = net.connect(p.socketPath);
        s.on('error', () => undefined);
        s.resume();
        s.write(`CONNECT 127.0.0.1:${(sink.address() as net.AddressInfo).port} HTTP/1.1\r\nHost: x\r\n\r\n`);
        await new Promise((r) => s.once('close', r));
      });
    } finally {
      sink.close();
    }
  });
});
