// Composer dependency builds against local repositories (path + artifact), sandboxed and cached; PHP curl/Guzzle egress.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import { registryConfig } from '../../src/executors/sandbox/deps/registries.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer } from '../helpers/server.js';
import { makeSandbox, req, tempDir } from './helpers.js';

let sb: Sandbox;
let work: string;
let web: http.Server;
let webPort = 0;
let webRequests = 0;

/** acme/greeter: a path-repository package with a PSR-4 class. */
function makePathPackage(root: string): void {
  const dir = path.join(root, 'pkgs', 'greeter');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'composer.json'), JSON.stringify({ name: 'acme/greeter', version: '1.2.0', autoload: { 'psr-4': { 'Acme\\': 'src/' } } }));
  fs.writeFileSync(path.join(dir, 'src', 'Greeter.php'), '<?php\nnamespace Acme;\nfinal class Greeter {\n    public static function greet(string $n): string { return "hello, $n"; }\n}\n');
}

/** acme/shout-1.0.0.zip: an artifact-repository package (a zip with composer.json at its root). */
function makeArtifact(root: string): void {
  const dir = path.join(root, 'artifacts');
  fs.mkdirSync(dir);
  execFileSync('python3', ['-c', `
import zipfile, sys, json
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("composer.json", json.dumps({"name": "acme/shout", "version": "1.0.0", "autoload": {"psr-4": {"Acme\\\\Shout\\\\": "src/"}}}))
    z.writestr("src/Shout.php", "<?php\\nnamespace Acme\\\\Shout;\\nfinal class Shout { public static function up(string $s): string { return strtoupper($s); } }\\n")
`, path.join(dir, 'acme-shout-1.0.0.zip')]);
}

const COMPOSER_JSON = JSON.stringify({ require: { 'acme/greeter': '^1.0', 'acme/shout': '1.0.0' } });

const HANDLER = `<?php
use Acme\\Greeter;
use Acme\\Shout\\Shout;
function handler(array $input, Outrigger\\Context $ctx): mixed {
    return Shout::up(Greeter::greet($input['name']));
}
`;

beforeAll(async () => {
  work = tempDir('outrigger-composer-');
  // The build runs as nobody when the server is root: the repositories must be readable for it.
  fs.chmodSync(work, 0o755);
  makePathPackage(work);
  makeArtifact(work);
  // The administrator's configuration: local repositories only (packagist.org is then off, and no host is reachable).
  process.env.OUTRIGGER_COMPOSER_REPOSITORIES = JSON.stringify([
    { type: 'path', url: `${work}/pkgs/*` },
    { type: 'artifact', url: `${work}/artifacts` },
  ]);
  web = http.createServer((q, s) => {
    webRequests++;
    s.end(`hello from the host ${q.url}`);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as net.AddressInfo).port;
  sb = await makeSandbox({}, ['127.0.0.1/32', '::1/128']);
}, 60_000);

afterAll(async () => {
  await sb?.close();
  web?.close();
  delete process.env.OUTRIGGER_COMPOSER_REPOSITORIES;
  fs.rmSync(work, { recursive: true, force: true });
});

describe('composer dependencies', () => {
  it('composer.json from a path and an artifact repository builds into the cache; handlers and scripts autoload it', async () => {
    expect(['pending', 'building']).toContain(sb.ensureDependencies('php', COMPOSER_JSON).status);
    // A second request for the same text while the first is running joins it (same key, no second build).
    const again = sb.ensureDependencies('php', COMPOSER_JSON);
    expect(['pending', 'building']).toContain(again.status);
    const st = await sb.waitForDependencies('php', COMPOSER_JSON);
    expect(st.error, st.log).toBeUndefined();
    expect(st.status).toBe('ready');
    expect(st.key).toBe(again.key);
    expect(st.log).toMatch(/Installing acme\/greeter \(1\.2\.0\)/);
    expect(st.log).toMatch(/Installing acme\/shout \(1\.0\.0\)/);
    // Copied, not symlinked: the host path of the repository does not exist when handlers run.
    expect(fs.lstatSync(path.join(st.dir!, 'vendor', 'acme', 'greeter')).isSymbolicLink()).toBe(false);
    const r = await sb.run(req('php', HANDLER, { input: { name: 'ada' }, dependenciesDir: st.dir! }));
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ status: 'ok', output: 'HELLO, ADA' });
    const s = await sb.run(req('php', '<?php\necho json_encode(Acme\\Greeter::greet("script"));\n', { mode: 'script', dependenciesDir: st.dir! }));
    expect(s).toMatchObject({ status: 'ok', output: 'hello, script' });
  }, 60_000);

  it('identical composer.json text reuses the cached tree (one build)', async () => {
    const first = await sb.waitForDependencies('php', COMPOSER_JSON);
    const inode = fs.statSync(first.dir!).ino;
    const st = sb.ensureDependencies('php', COMPOSER_JSON);
    expect(st).toMatchObject({ status: 'ready', key: first.key, dir: first.dir });
    expect((await sb.waitForDependencies('php', COMPOSER_JSON)).dir).toBe(first.dir);
    expect(fs.statSync(first.dir!).ino).toBe(inode);
    // Builds leave nothing but the tree and its state behind.
    expect(fs.readdirSync(path.dirname(first.dir!)).sort()).toEqual(['state.json', 'tree']);
  });

  it('a repository on a host that is not configured is refused: failed, with the log and the refused host', async () => {
    const text = JSON.stringify({
      repositories: [{ type: 'composer', url: 'https://packages.example.com' }],
      require: { 'acme/private': '^1.0' },
    });
    const st = await sb.waitForDependencies('php', text);
    expect(st.status).toBe('failed');
    expect(st.error).toMatch(/network access refused: packages\.example\.com/);
    expect(st.log).toMatch(/packages\.example\.com/);
    expect(st.dir).toBeUndefined();
  }, 60_000);

  it('packagist.org is off when the administrator configured repositories: a packagist-only package fails clearly', async () => {
    const st = await sb.waitForDependencies('php', JSON.stringify({ require: { 'monolog/monolog': '^3.0' } }));
    expect(st.status).toBe('failed');
    expect(st.log).toMatch(/monolog\/monolog, it could not be found/);
  }, 60_000);

  it("a user's own path repository cannot read host directories: only the administrator's are bound", async () => {
    const text = JSON.stringify({ repositories: [{ type: 'path', url: `${work}/pkgs/greeter` }], require: { 'acme/greeter': '^1.0' } });
    // The package itself is still found through the administrator's repository, but the host path named here is not there.
    const st = await sb.waitForDependencies('php', text);
    expect(st.status).toBe('failed');
    expect(st.log).toMatch(/The `url` supplied for the path \(.*\) repository does not exist/);
  }, 60_000);

  it('install scripts do not run (--no-scripts)', async () => {
    const text = JSON.stringify({ require: { 'acme/greeter': '^1.0' }, scripts: { 'post-install-cmd': 'echo SCRIPT-RAN > /build/ran.txt' } });
    const st = await sb.waitForDependencies('php', text);
    expect(st.status, st.log).toBe('ready');
    expect(fs.existsSync(path.join(st.dir!, 'ran.txt'))).toBe(false);
  }, 60_000);
});

describe('composer registry configuration', () => {
  it('maps local repositories into the sandbox, takes the hosts of URL repositories and switches packagist off', () => {
    const c = registryConfig('php', {
      OUTRIGGER_COMPOSER_REPOSITORIES: JSON.stringify([
        { type: 'composer', url: 'https://php.mirror.example/repo' },
        { type: 'path', url: '/srv/php/*' },
        { type: 'package', package: { name: 'a/b', version: '1.0.0', dist: { type: 'zip', url: 'https://files.example/b.zip' } } },
      ]),
      COMPOSER_AUTH: '{"http-basic":{}}',
      COMPOSER_HOME: '/root/.composer',
    });
    expect(c.hosts).toEqual(['php.mirror.example', 'files.example']);
    expect(c.binds).toEqual([{ src: '/srv/php', dest: '/opt/outrigger/composer-repos/0' }]);
    expect(c.env).toEqual({ COMPOSER_AUTH: '{"http-basic":{}}' });
    const repos = JSON.parse(c.installerConfig!).repositories;
    expect(repos[1]).toEqual({ type: 'path', url: '/opt/outrigger/composer-repos/0/*' });
    expect(repos.at(-1)).toEqual({ 'packagist.org': false });
    expect(registryConfig('php', {}).hosts).toContain('repo.packagist.org');
    expect(() => registryConfig('php', { OUTRIGGER_COMPOSER_REPOSITORIES: '[{"type":"path","url":"rel/dir"}]' })).toThrow(/absolute/);
  });
});

/** curl_init through HTTP_PROXY (as Guzzle's curl handler does). */
const CURL = `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $c = curl_init($input['url']);
    curl_setopt_array($c, [CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 5]);
    $body = curl_exec($c);
    if ($body === false) throw new RuntimeException('curl: ' . curl_error($c));
    return ['status' => curl_getinfo($c, CURLINFO_RESPONSE_CODE), 'body' => $body];
}
`;

/** Guzzle from the Debian package (php-guzzlehttp-guzzle); packagist may be unreachable where tests run. */
const GUZZLE_AUTOLOAD = '/usr/share/php/GuzzleHttp/autoload.php';
const GUZZLE = `<?php
require '${GUZZLE_AUTOLOAD}';
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $r = (new GuzzleHttp\\Client(['timeout' => 5]))->get($input['url']);
    return ['status' => $r->getStatusCode(), 'body' => (string) $r->getBody()];
}
`;

describe('php http clients reach only the listed hosts', () => {
  // Guzzle comes from Debian's php-guzzlehttp-guzzle (scripts/setup.sh installs it; packagist may be unreachable).
  it('has Guzzle installed', () => {
    expect(fs.existsSync(GUZZLE_AUTOLOAD), `${GUZZLE_AUTOLOAD} missing: run scripts/setup.sh`).toBe(true);
  });
  const clients: [string, string][] = [['curl', CURL], ['guzzle', GUZZLE]];

  it.each(clients)('%s: a listed host is reachable, an unlisted one is refused by the proxy', async (name, src) => {
    const before = webRequests;
    const ok = await sb.run(req('php', src, { input: { url: `http://localhost:${webPort}/curl` }, egress: ['localhost'], timeoutMs: 8000 }));
    expect(ok.error).toBeUndefined();
    expect(ok.output).toEqual({ status: 200, body: 'hello from the host /curl' });
    expect(webRequests).toBe(before + 1);
    const denied = await sb.run(req('php', src, { input: { url: 'http://example.com/' }, egress: ['localhost'], timeoutMs: 8000 }));
    if (name === 'curl') {
      // Plain curl does not fail on an HTTP error status: the handler sees the proxy's 403 and its marker.
      expect(denied.output).toEqual({ status: 403, body: 'EGRESS_DENIED\n' });
    } else {
      expect(denied.error?.code).toBe('EGRESS_DENIED');
      expect(denied.error?.message).toContain('example.com');
    }
    const https = await sb.run(req('php', src, { input: { url: 'https://example.org/' }, egress: ['localhost'], timeoutMs: 8000 }));
    expect(https.error?.code).toBe('EGRESS_DENIED');
  }, 30_000);
});

for (const d of DIALECTS) {
  describe(`composer dependencies through the API (${d})`, () => {
    it('a saved version builds in the background; status and log via GET …/dependencies; DEPENDENCIES_NOT_READY when failed', async () => {
      const s = await startTestServer(d, { sandbox: 'required' });
      /** Polls the build status until it ended (the build runs in the background after the save). */
      const settled = async (name: string) => {
        for (const deadline = Date.now() + 30_000; ;) {
          const dep = (await s.api('GET', `/api/executors/${name}/dependencies`)).body;
          if (dep.status === 'ready' || dep.status === 'failed' || Date.now() > deadline) return dep;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      try {
        const ok = await s.api('POST', '/api/executors', { name: 'greet', type: 'code', code: { language: 'php', source: HANDLER, dependencies: COMPOSER_JSON } });
        expect(ok.status, ok.raw).toBe(201);
        const dep = await settled('greet');
        expect(dep).toMatchObject({ language: 'php', status: 'ready', error: null });
        expect(dep.log).toMatch(/acme\/greeter/);
        const run = await s.api('POST', '/api/executors/greet/invoke', { input: { name: 'api' } });
        expect(run.body, run.raw).toMatchObject({ status: 'ok', output: 'HELLO, API' });

        const bad = JSON.stringify({ repositories: [{ type: 'composer', url: 'https://unlisted.example' }], require: { 'acme/x': '1.0' } });
        expect((await s.api('POST', '/api/executors', { name: 'bad', type: 'code', code: { language: 'php', source: HANDLER, dependencies: bad } })).status).toBe(201);
        const st = await settled('bad');
        expect(st).toMatchObject({ status: 'failed' });
        expect(st.error).toMatch(/refused: unlisted\.example/);
        const fail = await s.api('POST', '/api/executors/bad/invoke', { input: { name: 'x' } });
        expect(fail.body.status, fail.raw).toBe('error');
        expect(fail.body.error.code).toBe('DEPENDENCIES_NOT_READY');
      } finally {
        await s.close();
      }
    }, 60_000);
  });
}
