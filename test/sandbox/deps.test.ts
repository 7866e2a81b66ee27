// Dependency builds against local registries (PEP 503 index, npm registry): sandboxed, cached, registry-only egress.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import { makeSandbox, req, tempDir } from './helpers.js';

let sb: Sandbox;
let registry: http.Server;
let port = 0;
let work: string;
const files = new Map<string, Buffer>();
const hits: string[] = [];

/** A wheel made by hand: tinypkg 1.0.0 with VALUE = 42. */
function makeWheel(dir: string): string {
  const whl = path.join(dir, 'tinypkg-1.0.0-py3-none-any.whl');
  execFileSync('python3', ['-c', `
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("tinypkg/__init__.py", "VALUE = 42\\n")
    z.writestr("tinypkg-1.0.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 1.0.0\\n")
    z.writestr("tinypkg-1.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("tinypkg-1.0.0.dist-info/RECORD", "tinypkg/__init__.py,,\\ntinypkg-1.0.0.dist-info/METADATA,,\\ntinypkg-1.0.0.dist-info/WHEEL,,\\ntinypkg-1.0.0.dist-info/RECORD,,\\n")
`, whl]);
  return whl;
}

/** An npm tarball made by hand: tinynpm 1.0.0 exporting {value: 43}. */
function makeTarball(dir: string): string {
  const pkg = path.join(dir, 'package');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'tinynpm', version: '1.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(pkg, 'index.js'), 'module.exports = { value: 43 };\n');
  const tgz = path.join(dir, 'tinynpm-1.0.0.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', dir, 'package']);
  return tgz;
}

beforeAll(async () => {
  work = tempDir('outrigger-deps-');
  const whl = fs.readFileSync(makeWheel(work));
  const tgz = fs.readFileSync(makeTarball(work));
  files.set('/files/tinypkg-1.0.0-py3-none-any.whl', whl);
  files.set('/tinynpm/-/tinynpm-1.0.0.tgz', tgz);
  registry = http.createServer((q, s) => {
    hits.push(q.url ?? '');
    const base = `http://localhost:${port}`;
    if (q.url === '/simple/tinypkg/') {
      const sha = crypto.createHash('sha256').update(whl).digest('hex');
      s.setHeader('content-type', 'text/html');
      return s.end(`<html><body><a href="/files/tinypkg-1.0.0-py3-none-any.whl#sha256=${sha}">tinypkg-1.0.0-py3-none-any.whl</a></body></html>`);
    }
    if (q.url === '/tinynpm') {
      s.setHeader('content-type', 'application/json');
      return s.end(JSON.stringify({
        name: 'tinynpm',
        'dist-tags': { latest: '1.0.0' },
        versions: { '1.0.0': { name: 'tinynpm', version: '1.0.0', main: 'index.js', dist: {
          tarball: `${base}/tinynpm/-/tinynpm-1.0.0.tgz`,
          shasum: crypto.createHash('sha1').update(tgz).digest('hex'),
          integrity: `sha512-${crypto.createHash('sha512').update(tgz).digest('base64')}`,
        } } },
      }));
    }
    const f = files.get(q.url ?? '');
    if (f) return s.end(f);
    s.statusCode = 404;
    s.end('not found');
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  port = (registry.address() as net.AddressInfo).port;
  // The installers' usual configuration, as an administrator would set it for an artifact repository.
  process.env.PIP_INDEX_URL = `http://localhost:${port}/simple/`;
  process.env.PIP_TRUSTED_HOST = 'localhost';
  process.env.PIP_RETRIES = '0';
  process.env.npm_config_registry = `http://localhost:${port}/`;
  sb = await makeSandbox({}, ['127.0.0.1/32', '::1/128']);
}, 60_000);

afterAll(async () => {
  await sb.close();
  registry.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('dependencies', () => {
  it('python: requirements.txt builds into the cache, then handlers import the package', async () => {
    const text = 'tinypkg==1.0.0\n';
    expect(['pending', 'building']).toContain(sb.ensureDependencies('python', text).status);
    const st = await sb.waitForDependencies('python', text);
    expect(st.error, st.log).toBeUndefined();
    expect(st.status).toBe('ready');
    expect(hits).toContain('/simple/tinypkg/');
    // Cached: the same text is ready at once, under the same content-addressed key.
    expect(sb.ensureDependencies('python', text)).toMatchObject({ status: 'ready', key: st.key, dir: st.dir });
    const r = await sb.run(req('python', 'import tinypkg\ndef handler(input, ctx):\n    return tinypkg.VALUE\n', { dependenciesDir: st.dir! }));
    expect(r).toMatchObject({ status: 'ok', output: 42 });
  }, 60_000);

  it('node: package.json builds with npm, then main.mjs imports the package', async () => {
    const text = JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { tinynpm: '1.0.0' } });
    const st = await sb.waitForDependencies('node', text);
    expect(st.error, st.log).toBeUndefined();
    expect(st.status).toBe('ready');
    const src = "import tiny from 'tinynpm';\nexport default async function handler() { return tiny.value; }\n";
    const r = await sb.run(req('node', src, { dependenciesDir: st.dir!, memoryMb: 128 }));
    expect(r).toMatchObject({ status: 'ok', output: 43 });
    const s = await sb.run(req('node', "import tiny from 'tinynpm';\nconsole.log(JSON.stringify(tiny.value));\n", { mode: 'script', dependenciesDir: st.dir!, memoryMb: 128 }));
    expect(s).toMatchObject({ status: 'ok', output: 43 });
  }, 90_000);

  it('a build may reach only the registry: another index is refused and the build fails with its log', async () => {
    const st = await sb.waitForDependencies('python', '--index-url https://example.com/simple/\ntinypkg==1.0.0\n');
    expect(st.status).toBe('failed');
    expect(st.error).toMatch(/refused: example\.com/);
    expect(st.log.length).toBeGreaterThan(0);
  }, 60_000);

  it('an unknown package fails with the installer log', async () => {
    const st = await sb.waitForDependencies('python', 'doesnotexist-pkg==9.9\n');
    expect(st.status).toBe('failed');
    expect(st.log).toMatch(/doesnotexist-pkg/i);
  }, 60_000);

  it('a missing tree is DEPENDENCIES_NOT_READY', async () => {
    const r = await sb.run(req('python', 'def handler(i, c):\n    return 1\n', { dependenciesDir: path.join(work, 'nope') }));
    expect(r.error?.code).toBe('DEPENDENCIES_NOT_READY');
  });
});
