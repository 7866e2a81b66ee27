// Network: no network at all by default; with egress only listed hosts, through the filtering proxy, never private ranges.
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage } from '../../src/executors/sandbox/contract.js';
import { LANGS, makeSandbox, req } from './helpers.js';

/** Tries TCP connections to every [host, port] in input.targets and a DNS lookup; returns what happened per target. */
const CONNECT: Record<CodeLanguage, string> = {
  python: `
import socket
def handler(input, ctx):
    out = {}
    for host, port in input["targets"]:
        try:
            s = socket.create_connection((host, port), timeout=1)
            s.close()
            out[f"{host}:{port}"] = "CONNECTED"
        except Exception as e:
            out[f"{host}:{port}"] = "ERR:" + type(e).__name__
    try:
        out["dns"] = socket.gethostbyname("example.com")
    except Exception as e:
        out["dns"] = "ERR:" + type(e).__name__
    return out
`,
  node: `
import net from 'node:net';
import dns from 'node:dns/promises';
export default async function handler(input) {
  const out = {};
  for (const [host, port] of input.targets) {
    out[host + ':' + port] = await new Promise((resolve) => {
      const s = net.connect({ host, port, timeout: 1000 });
      s.on('connect', () => { s.destroy(); resolve('CONNECTED'); });
      s.on('error', (e) => resolve('ERR:' + e.code));
      s.on('timeout', () => { s.destroy(); resolve('ERR:TIMEOUT'); });
    });
  }
  try { out.dns = (await dns.lookup('example.com')).address; } catch (e) { out.dns = 'ERR:' + e.code; }
  return out;
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $out = [];
    foreach ($input['targets'] as [$host, $port]) {
        $s = @stream_socket_client("tcp://$host:$port", $errno, $errstr, 1);
        $out["$host:$port"] = $s ? 'CONNECTED' : "ERR:$errno";
    }
    $ip = gethostbyname('example.com');
    $out['dns'] = $ip === 'example.com' ? 'ERR:resolve' : $ip;
    return $out;
}
`,
};

/** Fetches input.url with the language's ordinary HTTP client (through HTTP_PROXY when egress is on). */
const FETCH: Record<CodeLanguage, string> = {
  python: `
import urllib.request
def handler(input, ctx):
    with urllib.request.urlopen(input["url"], timeout=5) as r:
        return {"status": r.status, "body": r.read().decode()}
`,
  node: `
export default async function handler(input) {
  const r = await fetch(input.url);
  return { status: r.status, body: await r.text() };
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    // php-curl is not part of php-cli; the stream wrapper needs the proxy spelled out (Guzzle does this from HTTP_PROXY).
    $proxy = str_replace('http://', 'tcp://', getenv('HTTP_PROXY'));
    $ctxt = stream_context_create(['http' => ['proxy' => $proxy, 'request_fulluri' => true, 'timeout' => 5]]);
    $body = @file_get_contents($input['url'], false, $ctxt);
    if ($body === false) throw new RuntimeException('request failed: ' . (error_get_last()['message'] ?? ''));
    return ['status' => (int) explode(' ', $http_response_header[0])[1], 'body' => $body];
}
`,
};

let sb: Sandbox;
let strict: Sandbox;
let tcp: net.Server;
let web: http.Server;
let tcpConnections = 0;
let webRequests = 0;
let tcpPort = 0;
let webPort = 0;
let hostIp = '127.0.0.1';

beforeAll(async () => {
  // With an administrator-allowed loopback range (as OUTRIGGER_EGRESS_ALLOW_CIDRS in tests) and without.
  [sb, strict] = await Promise.all([makeSandbox({}, ['127.0.0.1/32', '::1/128']), makeSandbox()]);
  tcp = net.createServer((s) => {
    tcpConnections++;
    s.destroy();
  });
  await new Promise<void>((r) => tcp.listen(0, '0.0.0.0', r));
  tcpPort = (tcp.address() as net.AddressInfo).port;
  web = http.createServer((q, s) => {
    webRequests++;
    s.end(`hello from the host ${q.url}`);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as net.AddressInfo).port;
  hostIp = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';
});
afterAll(async () => {
  await Promise.all([sb.close(), strict.close()]);
  tcp.close();
  web.close();
});

describe.each(LANGS)('network in %s', (lang) => {
  it("no network by default: the host's 127.0.0.1 and LAN ports, the internet and DNS are unreachable", async () => {
    const before = tcpConnections;
    const targets = [['127.0.0.1', tcpPort], [hostIp, tcpPort], ['1.1.1.1', 53], ['169.254.169.254', 80]];
    const r = await sb.run(req(lang, CONNECT[lang], { input: { targets }, timeoutMs: 8000 }));
    expect(r.status).toBe('ok');
    for (const v of Object.values(r.output as Record<string, string>)) expect(v).toMatch(/^ERR/);
    expect(tcpConnections).toBe(before);
  });

  it('egress: a listed host is reachable through the proxy with the ordinary HTTP client', async () => {
    const before = webRequests;
    const r = await sb.run(req(lang, FETCH[lang], { input: { url: `http://localhost:${webPort}/ok` }, egress: ['localhost'], timeoutMs: 8000 }));
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ status: 200, body: 'hello from the host /ok' });
    expect(webRequests).toBe(before + 1);
  });

  it('egress: an unlisted host is EGRESS_DENIED', async () => {
    const r = await sb.run(req(lang, FETCH[lang], { input: { url: 'http://example.com/' }, egress: ['localhost'], timeoutMs: 8000 }));
    expect(r.error?.code).toBe('EGRESS_DENIED');
    expect(r.error?.message).toContain('example.com');
  });

  it('egress: direct connections still fail (only the proxy leads out)', async () => {
    const before = tcpConnections;
    const r = await sb.run(req(lang, CONNECT[lang], { input: { targets: [[hostIp, tcpPort], ['127.0.0.1', tcpPort]] }, egress: ['localhost'], timeoutMs: 8000 }));
    for (const [k, v] of Object.entries(r.output as Record<string, string>)) if (k !== 'dns') expect(v).toMatch(/^ERR/);
    expect(tcpConnections).toBe(before);
  });
});

describe('egress address rules', () => {
  it('a listed host that resolves to loopback is refused unless an administrator allows the range', async () => {
    const before = webRequests;
    const r = await strict.run(req('python', FETCH.python, { input: { url: `http://localhost:${webPort}/x` }, egress: ['localhost'], timeoutMs: 8000 }));
    expect(r.error?.code).toBe('EGRESS_DENIED');
    expect(r.error?.message).toMatch(/loopback/);
    expect(webRequests).toBe(before);
  });

  it('the metadata address is refused even when listed', async () => {
    const r = await strict.run(req('node', FETCH.node, { input: { url: 'http://169.254.169.254/latest/meta-data/' }, egress: ['169.254.169.254'], timeoutMs: 8000 }));
    expect(r.error?.code).toBe('EGRESS_DENIED');
    expect(r.error?.message).toMatch(/linkLocal/);
  });

  it('wildcards match sub-domains only', async () => {
    const r = await strict.run(req('python', FETCH.python, { input: { url: 'http://evil-example.org/' }, egress: ['*.example.org'], timeoutMs: 8000 }));
    expect(r.error?.code).toBe('EGRESS_DENIED');
    expect(r.error?.message).toContain('not in egress list');
  });
});
