// Host side of sandbox egress: an HTTP proxy (CONNECT tunnels and plain-HTTP forwarding) on a Unix socket.
//
// Mechanism: the sandbox has its own network namespace with only `lo`, so it cannot reach anything directly.
// This proxy's Unix socket is bound into the sandbox; an in-sandbox forwarder (sdk/<lang>/_egress.*) listens on
// 127.0.0.1:3128 and relays to it, and HTTP(S)_PROXY point ordinary clients (requests, fetch via undici's
// EnvHttpProxyAgent, curl/Guzzle) at that port. The proxy checks the host *name* against the executor's egress
// list, resolves it itself, refuses the name when any of its addresses is loopback/private/link-local/metadata
// (the same rule as apiCall, address-policy.ts, unless an administrator allowed the range) and connects to the very
// address it checked, so DNS rebinding cannot swap it afterwards.
//
// Everything here is driven by hostile code, so every resource is bounded: descriptors (connections per sandbox and
// in total; each tunnel costs two), time (header and idle time-outs) and DNS lookups in flight (they hold libuv's
// small thread pool, which the whole server shares). No handler lets an error escape into the server.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { firstDenied, type Cidr } from '../../egress/address-policy.js';
import { hostAllowed } from './policy.js';

export interface EgressLimits {
  /** Client connections one sandbox may hold open at once (each tunnel also holds one upstream socket). */
  connectionsPerSandbox: number;
  /** Client connections of all sandboxes together. */
  connectionsTotal: number;
  /** A connection with no traffic for this long is closed. */
  idleMs: number;
  /** A client must finish its request head within this time. */
  headersMs: number;
  /** DNS lookups one sandbox may have in flight. */
  lookupsPerSandbox: number;
}

const defaults: EgressLimits = { connectionsPerSandbox: 32, connectionsTotal: 1024, idleMs: 60_000, headersMs: 10_000, lookupsPerSandbox: 2 };

/** Sets the limits for proxies started from now on (from the server's configuration). */
export function configureEgressLimits(l: Partial<EgressLimits>): void {
  Object.assign(defaults, l);
}

/** Client connections of all proxies in this process (the cap is process-wide: descriptors are). */
let openTotal = 0;

/** Open client connections of all proxies (for tests and metrics). */
export function egressConnectionsOpen(): number {
  return openTotal;
}

export interface EgressProxyOptions {
  allow: string[];
  allowCidrs: Cidr[];
  limits?: Partial<EgressLimits>;
}

/** A host name of RFC 1123 labels, or an IP literal ([…] for IPv6); nothing else is looked up. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** `host:port` of a CONNECT request, checked; null when it is not exactly that. */
export function parseConnectTarget(target: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[2]);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return validPort(port) && validHost(host) ? { host, port } : null;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function validHost(host: string): boolean {
  return net.isIP(host) !== 0 || HOSTNAME.test(host);
}

export class EgressProxy {
  private denied: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private clients = 0;
  private lookups = 0;
  private readonly lookupWaiters: (() => void)[] = [];
  private closed = false;
  private readonly limits: EgressLimits;

  private constructor(
    private readonly server: http.Server,
    private readonly dir: string,
    readonly socketPath: string,
    private readonly opts: EgressProxyOptions,
  ) {
    this.limits = { ...defaults, ...opts.limits };
  }

  /** Listens on a fresh socket in a private directory (0711: the sandbox uid may pass, not list). */
  static async start(opts: EgressProxyOptions): Promise<EgressProxy> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-egress-'));
    fs.chmodSync(dir, 0o711);
    const socketPath = path.join(dir, 'proxy.sock');
    // Header time-outs are enforced by a periodic check; every second keeps a trickling client's hold short.
    const proxy = new EgressProxy(http.createServer({ connectionsCheckingInterval: 1000 }), dir, socketPath, opts);
    const { server, limits } = proxy;
    // A slow client may not hold a connection open by trickling its request head.
    server.headersTimeout = limits.headersMs;
    server.requestTimeout = limits.headersMs * 2;
    server.keepAliveTimeout = Math.min(5000, limits.idleMs);
    server.on('connect', (req: http.IncomingMessage, sock: net.Socket, head: Buffer) => proxy.guard(proxy.tunnel(req, sock, head), sock));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => proxy.guard(proxy.forward(req, res), res.socket));
    server.on('clientError', (_e: Error, s: net.Socket) => s.destroy());
    server.on('error', () => undefined);
    server.on('connection', (s: net.Socket) => proxy.admit(s));
    await new Promise<void>((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
    // The sandbox runs as another uid (nobody): it needs write permission to connect.
    fs.chmodSync(socketPath, 0o666);
    return proxy;
  }

  /** Accepts a client connection within the caps, or closes it at once (its descriptor is freed immediately). */
  private admit(s: net.Socket): void {
    s.on('error', () => undefined);
    if (this.closed || this.clients >= this.limits.connectionsPerSandbox || openTotal >= this.limits.connectionsTotal) {
      s.destroy();
      return;
    }
    this.clients++;
    openTotal++;
    this.sockets.add(s);
    s.setTimeout(this.limits.idleMs, () => s.destroy());
    s.once('close', () => {
      this.clients--;
      openTotal--;
      this.sockets.delete(s);
    });
  }

  /** A handler's failure ends its connection, never the server. */
  private guard(p: Promise<void>, sock: net.Socket | null): void {
    p.catch(() => sock?.destroy());
  }

  /** Denials since the last reset (one invocation), e.g. `evil.example (not in egress list)`. */
  denials(): string[] {
    return [...this.denied];
  }

  resetDenials(): void {
    this.denied = [];
  }

  private deny(what: string): null {
    if (this.denied.length < 20) this.denied.push(what);
    return null;
  }

  /** Waits for a DNS lookup slot of this sandbox. */
  private async lookupSlot(): Promise<() => void> {
    while (this.lookups >= this.limits.lookupsPerSandbox) {
      if (this.closed) throw new Error('egress proxy closed');
      await new Promise<void>((r) => this.lookupWaiters.push(r));
    }
    this.lookups++;
    return () => {
      this.lookups--;
      this.lookupWaiters.shift()?.();
    };
  }

  /** Checks the name and every address it resolves to; returns the checked address to connect to, or records the denial. */
  private async resolve(host: string): Promise<string | null> {
    if (!hostAllowed(host, this.opts.allow)) return this.deny(`${host} (not in egress list)`);
    let addrs: { address: string }[];
    if (net.isIP(host)) addrs = [{ address: host }];
    else {
      const release = await this.lookupSlot();
      try {
        addrs = await dns.lookup(host, { all: true, verbatim: true });
      } catch {
        return this.deny(`${host} (does not resolve)`);
      } finally {
        release();
      }
    }
    if (addrs.length === 0) return this.deny(`${host} (does not resolve)`);
    const refused = firstDenied(addrs, this.opts.allowCidrs);
    if (refused) return this.deny(`${host} (${refused.address} is ${refused.range})`);
    return addrs[0]!.address;
  }

  private async tunnel(req: http.IncomingMessage, sock: net.Socket, head: Buffer): Promise<void> {
    const target = parseConnectTarget(req.url ?? '');
    if (!target) this.deny(`${String(req.url).slice(0, 100)} (not a host:port target)`);
    const address = target ? await this.resolve(target.host) : null;
    if (!target || !address) {
      if (!sock.destroyed) sock.end('HTTP/1.1 403 Forbidden\r\nX-Outrigger-Error: EGRESS_DENIED\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (sock.destroyed) return;
    const up = net.connect({ host: address, port: target.port });
    up.on('error', () => {
      if (!sock.destroyed) sock.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    up.setTimeout(this.limits.idleMs, () => up.destroy());
    this.sockets.add(up);
    up.once('close', () => {
      this.sockets.delete(up);
      sock.destroy();
    });
    sock.once('close', () => up.destroy());
    up.once('connect', () => {
      if (sock.destroyed) return;
      sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(sock).pipe(up);
    });
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A client that hangs up mid-request must not become an unhandled error in the server.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    let url: URL | null = null;
    try {
      url = new URL(req.url ?? '');
    } catch {
      // not an absolute URI
    }
    const port = url ? Number(url.port || 80) : 0;
    const host = url ? url.hostname.replace(/^\[|\]$/g, '') : '';
    if (!url || url.protocol !== 'http:' || !validPort(port) || !validHost(host)) {
      this.deny(`${String(req.url).slice(0, 100)} (not an absolute http:// URI)`);
      res.writeHead(403, { 'x-outrigger-error': 'EGRESS_DENIED', 'content-type': 'text/plain', connection: 'close' }).end('EGRESS_DENIED\n');
      return;
    }
    const address = await this.resolve(host);
    if (!address) {
      res.writeHead(403, { 'x-outrigger-error': 'EGRESS_DENIED', 'content-type': 'text/plain' }).end('EGRESS_DENIED\n');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = http.request({ host: address, port, method: req.method, path: url.pathname + url.search, headers, setHost: false, timeout: this.limits.idleMs });
    up.on('timeout', () => up.destroy());
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
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    for (const wake of this.lookupWaiters.splice(0)) wake();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
