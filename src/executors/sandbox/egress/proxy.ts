// Host side of sandbox egress: an HTTP proxy (CONNECT tunnels and plain-HTTP forwarding) on a Unix socket.
//
// Mechanism: the sandbox has its own network namespace with only `lo`, so it cannot reach anything directly.
// This proxy's Unix socket is bound into the sandbox; an in-sandbox forwarder (sdk/<lang>/_egress.*) listens on
// 127.0.0.1:3128 and relays to it, and HTTP(S)_PROXY point ordinary clients (requests, fetch via undici's
// EnvHttpProxyAgent, curl/Guzzle) at that port. The proxy checks the host *name* against the executor's egress
// list, resolves it itself, refuses loopback/private/link-local/metadata addresses (unless an administrator
// allowed the range) and connects to the very address it checked, so DNS rebinding cannot swap it afterwards.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { addressAllowed, type Cidr } from '../../egress/address-policy.js';
import { hostAllowed } from './policy.js';

export interface EgressProxyOptions {
  allow: string[];
  allowCidrs: Cidr[];
}

export class EgressProxy {
  private denied: string[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly dir: string,
    readonly socketPath: string,
    private readonly opts: EgressProxyOptions,
  ) {}

  /** Listens on a fresh socket in a private directory (0711: the sandbox uid may pass, not list). */
  static async start(opts: EgressProxyOptions): Promise<EgressProxy> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-egress-'));
    fs.chmodSync(dir, 0o711);
    const socketPath = path.join(dir, 'proxy.sock');
    const server = http.createServer();
    const proxy = new EgressProxy(server, dir, socketPath, opts);
    server.on('connect', (req: http.IncomingMessage, sock: net.Socket, head: Buffer) => void proxy.tunnel(req, sock, head));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void proxy.forward(req, res));
    server.on('clientError', (_e: Error, s: net.Socket) => s.destroy());
    server.on('connection', (s: net.Socket) => {
      s.on('error', () => undefined);
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
    // The sandbox runs as another uid (nobody): it needs write permission to connect.
    fs.chmodSync(socketPath, 0o666);
    return proxy;
  }

  /** Denials since the last reset (one invocation), e.g. `evil.example (not in egress list)`. */
  denials(): string[] {
    return [...this.denied];
  }

  resetDenials(): void {
    this.denied = [];
  }

  /** Resolves and checks; returns the address to connect to or records the denial. */
  private async resolve(host: string): Promise<string | null> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (!hostAllowed(bare, this.opts.allow)) {
      this.denied.push(`${bare} (not in egress list)`);
      return null;
    }
    let addrs: { address: string }[];
    try {
      addrs = net.isIP(bare) ? [{ address: bare }] : await dns.lookup(bare, { all: true, verbatim: true });
    } catch {
      this.denied.push(`${bare} (does not resolve)`);
      return null;
    }
    for (const a of addrs) if (addressAllowed(a.address, this.opts.allowCidrs).ok) return a.address;
    const first = addrs[0]?.address ?? '';
    this.denied.push(`${bare} (${first} is ${addressAllowed(first, this.opts.allowCidrs).range})`);
    return null;
  }

  private async tunnel(req: http.IncomingMessage, sock: net.Socket, head: Buffer): Promise<void> {
    sock.on('error', () => undefined);
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    const address = m ? await this.resolve(m[1]!) : null;
    if (!m || !address) {
      sock.end('HTTP/1.1 403 Forbidden\r\nX-Outrigger-Error: EGRESS_DENIED\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const up = net.connect({ host: address, port: Number(m[2]) });
    this.sockets.add(up);
    up.on('close', () => this.sockets.delete(up));
    up.once('connect', () => {
      sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(sock).pipe(up);
    });
    up.on('error', () => {
      if (!sock.destroyed) sock.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    sock.on('close', () => up.destroy());
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A client that hangs up mid-request must not become an unhandled error in the server.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const address = url.protocol === 'http:' ? await this.resolve(url.hostname) : null;
    if (!address) {
      res.writeHead(403, { 'x-outrigger-error': 'EGRESS_DENIED', 'content-type': 'text/plain' }).end('EGRESS_DENIED\n');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = http.request({ host: address, port: url.port || 80, method: req.method, path: url.pathname + url.search, headers, setHost: false });
    up.on('response', (r) => {
      r.on('error', () => res.destroy());
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
