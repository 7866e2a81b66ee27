// Dependency builds under hostile or heavy use: per-workspace queue, build directory cap, install scripts off by
// default, wheels only, and a registry on a private address reachable by name for builds only (no allowed CIDRs).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/executors/sandbox/index.js';
import { waitFor } from '../helpers/wait.js';
import { ECHO, req, tempDir } from './helpers.js';

let sb: Sandbox;
let registry: http.Server;
let port = 0;
let work: string;
const files = new Map<string, Buffer>();
const held: http.ServerResponse[] = [];
let holdSlow = true;

/** A wheel made by hand; `blob` adds a file of that many zero bytes (a few KiB compressed: a zip bomb in small). */
function makeWheel(dir: string, name: string, blob = 0): Buffer {
  const whl = path.join(dir, `${name}-1.0.0-py3-none-any.whl`);
  execFileSync('python3', ['-c', `
import zipfile, sys
name, blob = sys.argv[2], int(sys.argv[3])
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(name + "/__init__.py", "VALUE = 42\\n")
    if blob:
        z.writestr(name + "/blob.bin", b"\\0" * blob)
    z.writestr(name + "-1.0.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: " + name + "\\nVersion: 1.0.0\\n")
    z.writestr(name + "-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(name + "-1.0.0.dist-info/RECORD", "")
`, whl, name, String(blob)]);
  return fs.readFileSync(whl);
}

/** An npm tarball whose postinstall script leaves a file behind when it runs. */
function makeScriptTarball(dir: string): Buffer {
  const pkg = path.join(dir, 'package');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({
    name: 'scriptpkg', version: '1.0.0', main: 'index.js',
    scripts: { postinstall: "node -e \"require('fs').writeFileSync('postinstall-ran.txt', 'yes')\"" },
  }));
  fs.writeFileSync(path.join(pkg, 'index.js'), 'module.exports = 1;\n');
  const tgz = path.join(dir, 'scriptpkg-1.0.0.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', dir, 'package']);
  return fs.readFileSync(tgz);
}

function simpleIndex(file: string, data: Buffer): string {
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  return `<html><body><a href="/files/${file}#sha256=${sha}">${file}</a></body></html>`;
}

beforeAll(async () => {
  work = tempDir('outrigger-deps-limits-');
  for (const [name, blob] of [['tinypkg', 0], ['slowpkg', 0], ['bigpkg', 3 * 1024 * 1024]] as const) {
    files.set(`/files/${name}-1.0.0-py3-none-any.whl`, makeWheel(work, name, blob));
  }
  files.set('/files/sdistpkg-1.0.0.tar.gz', Buffer.from('not really a source distribution'));
  const tgz = makeScriptTarball(work);
  registry = http.createServer((q, s) => {
    const url = q.url ?? '';
    const m = /^\/simple\/([a-z]+)\/$/.exec(url);
    if (m && m[1] === 'sdistpkg') {
      s.setHeader('content-type', 'text/html');
      return s.end(simpleIndex('sdistpkg-1.0.0.tar.gz', files.get('/files/sdistpkg-1.0.0.tar.gz')!));
    }
    if (m && files.has(`/files/${m[1]}-1.0.0-py3-none-any.whl`)) {
      const file = `${m[1]}-1.0.0-py3-none-any.whl`;
      s.setHeader('content-type', 'text/html');
      // slowpkg's index page is held until the test lets it go: a slow registry or a huge download.
      if (m[1] === 'slowpkg' && holdSlow) {
        held.push(s);
        return undefined;
      }
      return s.end(simpleIndex(file, files.get(`/files/${file}`)!));
    }
    if (url === '/scriptpkg') {
      s.setHeader('content-type', 'application/json');
      return s.end(JSON.stringify({
        name: 'scriptpkg', 'dist-tags': { latest: '1.0.0' },
        versions: { '1.0.0': { name: 'scriptpkg', version: '1.0.0', main: 'index.js', scripts: { postinstall: "node -e \"require('fs').writeFileSync('postinstall-ran.txt', 'yes')\"" }, dist: {
          tarball: `http://localhost:${port}/scriptpkg/-/scriptpkg-1.0.0.tgz`,
          shasum: crypto.createHash('sha1').update(tgz).digest('hex'),
          integrity: `sha512-${crypto.createHash('sha512').update(tgz).digest('base64')}`,
        } } },
      }));
    }
    if (url === '/scriptpkg/-/scriptpkg-1.0.0.tgz') return s.end(tgz);
    const f = files.get(url);
    if (f) return s.end(f);
    s.statusCode = 404;
    return s.end('not found');
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  port = (registry.address() as net.AddressInfo).port;
  // A registry mirror on a private address (loopback here), named by the administrator's usual settings.
  process.env.PIP_INDEX_URL = `http://localhost:${port}/simple/`;
  process.env.PIP_TRUSTED_HOST = 'localhost';
  process.env.PIP_RETRIES = '0';
  process.env.PIP_DEFAULT_TIMEOUT = '60';
  process.env.npm_config_registry = `http://localhost:${port}/`;
  // No OUTRIGGER_EGRESS_ALLOW_CIDRS at all: executors may not reach any private address.
  const dataDir = tempDir('outrigger-data-');
  fs.chmodSync(dataDir, 0o711);
  // The helper's makeSandbox has no dependency limits: this file's sandbox is made the same way, with them.
  const inner = await createSandbox({
    dataDir,
    limits: { tmpBytes: 8 * 1024 * 1024, pids: 32, idleMs: 60_000, sparesPerLanguage: 0 },
    egressAllowCidrs: [],
    depsLimits: { concurrency: 2, concurrencyPerWorkspace: 1, maxBuildBytes: 1024 * 1024 },
    logger: { info: () => undefined, warn: () => undefined, error: (m) => console.error(m) },
  });
  const close = inner.close.bind(inner);
  inner.close = async () => {
    await close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  sb = inner;
}, 60_000);

afterAll(async () => {
  holdSlow = false;
  for (const s of held.splice(0)) s.destroy();
  await sb.close();
  registry.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** The sandbox still runs code (nothing wedged by the attack). */
async function stillServes(): Promise<void> {
  expect((await sb.run(req('python', ECHO.python, { input: { ok: 1 } }))).output).toEqual({ echo: { ok: 1 } });
}

describe('dependency build limits', () => {
  it('one workspace\'s slow builds do not delay another\'s: per-workspace and total concurrency', async () => {
    const a1 = 'slowpkg==1.0.0\n# a1\n';
    const a2 = 'slowpkg==1.0.0\n# a2\n';
    expect(sb.ensureDependencies('python', a1, { workspaceId: 'A' }).status).toBe('pending');
    expect(sb.ensureDependencies('python', a2, { workspaceId: 'A' }).status).toBe('pending');
    // A may run one build at a time; its second waits in A's queue, not in front of B.
    expect(sb.buildQueue()).toMatchObject({ running: 1, waiting: 1, runningBy: { A: 1 } });
    await waitFor(() => held.length > 0, 'A\'s build to reach the slow registry', 30_000);
    const t0 = Date.now();
    const b = await sb.waitForDependencies('python', 'tinypkg==1.0.0\n', { workspaceId: 'B' });
    expect(b.status, b.log).toBe('ready');
    // B finished while A's first build still hangs on the registry and A's second has not even started.
    expect(held.length).toBe(1);
    expect(sb.buildQueue()).toMatchObject({ running: 1, waiting: 1, runningBy: { A: 1 } });
    console.info(`B's build took ${Date.now() - t0} ms while A's slow build was running`);
    holdSlow = false;
    for (const s of held.splice(0)) s.end(simpleIndex('slowpkg-1.0.0-py3-none-any.whl', files.get('/files/slowpkg-1.0.0-py3-none-any.whl')!));
    expect((await sb.waitForDependencies('python', a1, { workspaceId: 'A' })).status).toBe('ready');
    expect((await sb.waitForDependencies('python', a2, { workspaceId: 'A' })).status).toBe('ready');
    expect(sb.buildQueue()).toMatchObject({ running: 0, waiting: 0 });
    await stillServes();
  }, 120_000);

  it('a registry on a private address is reachable by name for builds, but not for executors', async () => {
    const st = await sb.waitForDependencies('python', 'tinypkg==1.0.0\n');
    expect(st.status).toBe('ready');
    const probe = `
import urllib.request
def handler(input, ctx):
    try:
        return {"body": urllib.request.urlopen(input["url"], timeout=5).read().decode()[:200]}
    except Exception as e:
        return {"error": str(e)[:200]}
`;
    const r = await sb.run(req('python', probe, { egress: ['localhost'], input: { url: `http://localhost:${port}/simple/tinypkg/` }, timeoutMs: 8000 }));
    // The egress proxy refuses the private address for the executor (403), although the build reached it by name.
    expect(r.output, JSON.stringify(r)).toEqual({ error: expect.stringMatching(/403/) });
    await stillServes();
  }, 60_000);

  it('a build whose directory grows past the cap fails with a clear log line; the status says how to retry', async () => {
    const text = 'bigpkg==1.0.0\n';
    const st = await sb.waitForDependencies('python', text);
    expect(st.status).toBe('failed');
    expect(st.error).toMatch(/build directory grew past 1 MB \(OUTRIGGER_DEPS_MAX_MB\)/);
    expect(st.log).toMatch(/\[outrigger\] build stopped: the build directory grew past 1 MB/);
    expect(st.dir).toBeUndefined();
    const again = sb.ensureDependencies('python', text);
    expect(again).toMatchObject({ status: 'failed', retry: expect.stringMatching(/rebuild/) });
    // A retry runs the build again (and fails again, for the same reason).
    expect(sb.ensureDependencies('python', text, { retry: true }).status).toBe('pending');
    expect((await sb.waitForDependencies('python', text)).error).toMatch(/grew past/);
    await stillServes();
  }, 60_000);

  it('pip installs wheels only by default: a source distribution (setup code) is refused', async () => {
    const st = await sb.waitForDependencies('python', 'sdistpkg==1.0.0\n');
    expect(st.status).toBe('failed');
    expect(st.log).toMatch(/no matching distribution/i);
    expect(st.error).toMatch(/only wheels are installed unless the executor sets code\.allowInstallScripts/);
    await stillServes();
  }, 60_000);

  it('npm lifecycle scripts do not run unless the executor opts in', async () => {
    // npm 11 also asks for an approval per package (package.json `allowScripts`): off by default even with it.
    const text = JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { scriptpkg: '1.0.0' }, allowScripts: { scriptpkg: true } });
    const off = await sb.waitForDependencies('node', text);
    expect(off.status, off.log).toBe('ready');
    expect(fs.existsSync(path.join(off.dir!, 'node_modules/scriptpkg/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(off.dir!, 'node_modules/scriptpkg/postinstall-ran.txt'))).toBe(false);
    const on = await sb.waitForDependencies('node', text, { allowInstallScripts: true });
    expect(on.status, on.log).toBe('ready');
    expect(on.key).not.toBe(off.key);
    expect(fs.readFileSync(path.join(on.dir!, 'node_modules/scriptpkg/postinstall-ran.txt'), 'utf8')).toBe('yes');
    await stillServes();
  }, 120_000);
});
