// `outrigger pull|push|diff|test` as a user runs them in a Git checkout: a real `serve` child process, folders on disk;
// the commands run in-process through runCli, the first pull through the real binary.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, json, type Upstream } from '../helpers/upstream.js';
import { cli as runIn, cliBinary, startServe, write, type CliRun } from './harness.js';

const TOKEN = 'otr_cli_folders_token_abcdefghijklmnop';

interface Served {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts `outrigger serve` on a free port with its own SQLite data dir and waits for its URL. */
async function serve(extraEnv: NodeJS.ProcessEnv): Promise<Served> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-cli-folders-'));
  // The sandbox runs as nobody: the dependency cache below the data dir must be traversable.
  fs.chmodSync(dataDir, 0o711);
  const served = await startServe(['--data-dir', dataDir], {
    PATH: process.env.PATH, OUTRIGGER_ADMIN_TOKEN: TOKEN, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'warn', OUTRIGGER_SANDBOX_SPARES: '0', ...extraEnv,
  });
  return {
    url: served.url,
    dataDir,
    async stop() {
      await served.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the CLI in `cwd` (in-process) and returns its exit code and output. */
const cli = (cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> => runIn(args, { cwd, env });

async function api(url: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('outrigger pull/push/diff/test (apiCall executors)', () => {
  let server: Served;
  let upstream: Upstream;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/offer') return json(res, 200, { zip: u.searchParams.get('zip'), price: 42, currency: 'EUR' });
      if (u.pathname === '/offer-v2') return json(res, 200, { zip: u.searchParams.get('zip'), price: 40, currency: 'EUR' });
      json(res, 503, { error: 'down' });
    });
    server = await serve({ OUTRIGGER_SANDBOX: 'off' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-cli-work-'));
    env = { PATH: process.env.PATH, OUTRIGGER_URL: server.url, OUTRIGGER_TOKEN: TOKEN };
    await api(server.url, 'PUT', '/api/executors/offer', {
      name: 'offer', type: 'apiCall', description: 'tariff offer',
      inputSchema: { type: 'object', required: ['zip'], properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } } },
      apiCall: { method: 'GET', url: `${upstream.url}/offer` },
    });
    await api(server.url, 'PUT', '/api/executors/greet', {
      name: 'greet', type: 'code', timeoutMs: 5000,
      code: { language: 'python', source: 'def handler(input, ctx):\n    return {"hi": input.get("name")}\n', dependencies: 'requests==2.32.3\n', egress: ['api.example.com'] },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('pull writes every executor as deterministic files', async () => {
    // Smoke test of the real binary: the same bytes as in-process, exit code 0.
    const r = await cliBinary(['pull'], { cwd: work, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('offer: version 1 → executors/offer (wrote executor.json)');
    expect(fs.readdirSync(path.join(work, 'executors')).sort()).toEqual(['greet', 'offer']);
    expect(fs.readdirSync(path.join(work, 'executors/offer'))).toEqual(['executor.json']);
    expect(fs.readFileSync(path.join(work, 'executors/offer/executor.json'), 'utf8')).toBe(`{
  "apiCall": {
    "headers": {},
    "method": "GET",
    "url": "${upstream.url}/offer"
  },
  "description": "tariff offer",
  "inputSchema": {
    "properties": {
      "zip": {
        "pattern": "^[0-9]{5}$",
        "type": "string"
      }
    },
    "required": [
      "zip"
    ],
    "type": "object"
  },
  "name": "offer",
  "outputSchema": null,
  "timeoutMs": 10000,
  "type": "apiCall"
}
`);
    expect(fs.readdirSync(path.join(work, 'executors/greet')).sort()).toEqual(['executor.json', 'main.py', 'requirements.txt']);
    expect(fs.readFileSync(path.join(work, 'executors/greet/main.py'), 'utf8')).toBe('def handler(input, ctx):\n    return {"hi": input.get("name")}\n');
    expect(fs.readFileSync(path.join(work, 'executors/greet/requirements.txt'), 'utf8')).toBe('requests==2.32.3\n');
    const greet = JSON.parse(fs.readFileSync(path.join(work, 'executors/greet/executor.json'), 'utf8'));
    expect(greet.code).toEqual({ language: 'python', mode: 'handler', memoryMb: 256, egress: ['api.example.com'] });
    // A second pull changes nothing; a pull right after pull is a clean diff.
    expect((await cli(work, env, 'pull', 'offer')).stdout).toContain('(up to date)');
    const d = await cli(work, env, 'diff');
    expect(d).toMatchObject({ code: 0, stdout: 'no differences (2 executors)\n' });
  });

  it('diff shows an edit and exits 1; push creates version 2, then reports unchanged; diff is clean again', async () => {
    const file = path.join(work, 'executors/offer/executor.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"tariff offer"', '"cheapest tariff offer"'));
    const d = await cli(work, env, 'diff');
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('--- a/offer/executor.json\n+++ b/offer/executor.json\n');
    expect(d.stdout).toContain('-  "description": "tariff offer",\n+  "description": "cheapest tariff offer",');
    expect(d.stdout).not.toContain('greet/');
    expect(d.stdout).toContain('1 of 2 executors would change: offer (changed from version 1)');

    const dry = await cli(work, env, 'push', '--dry-run');
    expect(dry).toMatchObject({ code: 0, stdout: 'greet: unchanged\noffer: would change (active version 1)\n' });
    expect((await api(server.url, 'GET', '/api/executors/offer')).latestVersion).toBe(1);

    const p = await cli(work, env, 'push', '-m', 'clearer description');
    expect(p).toMatchObject({ code: 0, stdout: 'greet: unchanged\noffer: version 2\n' });
    const got = await api(server.url, 'GET', '/api/executors/offer');
    expect(got.version).toMatchObject({ version: 2, message: 'clearer description' });
    expect(got.definition.description).toBe('cheapest tariff offer');
    expect((await cli(work, env, 'push', 'offer')).stdout).toBe('offer: unchanged\n');
    expect((await cli(work, env, 'diff')).code).toBe(0);
  });

  it('push creates a new executor from a folder; a source edit diffs main.py; pull --version writes an older version', async () => {
    write(path.join(work, 'executors/hello/executor.json'), '{"type": "code", "code": {"language": "node"}}\n');
    write(path.join(work, 'executors/hello/main.mjs'), 'export default async function handler(input) {\n  return { ok: true };\n}\n');
    const d = await cli(work, env, 'diff', 'hello');
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('--- /dev/null\n+++ b/hello/main.mjs\n');
    expect((await cli(work, env, 'push', 'hello')).stdout).toBe('hello: created\n');
    write(path.join(work, 'executors/hello/main.mjs'), 'export default async function handler(input) {\n  return { ok: false };\n}\n');
    const d2 = await cli(work, env, 'diff', 'hello');
    expect(d2.stdout).toContain('--- a/hello/main.mjs\n+++ b/hello/main.mjs\n@@ -1,3 +1,3 @@\n export default async function handler(input) {\n-  return { ok: true };\n+  return { ok: false };\n }\n');
    expect((await cli(work, env, 'push', 'hello')).stdout).toBe('hello: version 2\n');
    const old = await cli(work, env, 'pull', 'hello', '--version', '1', '--dir', 'old');
    expect(old.code).toBe(0);
    expect(fs.readFileSync(path.join(work, 'old/hello/main.mjs'), 'utf8')).toContain('ok: true');
  });

  it('test runs the folder’s definition as a draft: passes, fails with a readable report, TAP for CI', async () => {
    const t = path.join(work, 'executors/offer/tests');
    write(path.join(t, 'berlin.json'), JSON.stringify({ input: { zip: '10115' }, expect: { status: 'ok', output: { zip: '10115', price: 42, currency: 'EUR' } } }));
    write(path.join(t, 'partial.json'), JSON.stringify({ input: { zip: '20095' }, expect: { status: 'ok', outputContains: { price: 42 } } }));
    write(path.join(t, 'invalid-zip.json'), JSON.stringify({ input: { zip: 'abc' }, expect: { status: 'error', code: 'INPUT_INVALID' } }));
    const pass = await cli(work, env, 'test', '--remote', 'offer');
    expect(pass.stdout).toMatch(/^offer\n {2}PASS tests\/berlin\.json \(\d+ ms\)\n {2}PASS tests\/invalid-zip\.json \(\d+ ms\)\n {2}PASS tests\/partial\.json \(\d+ ms\)\n\n3 passed, 0 failed \(3 fixtures of 1 executor\)\n$/);
    expect(pass.code).toBe(0);

    // The branch changes the URL without pushing: test runs the local definition, the deployed one stays.
    const file = path.join(work, 'executors/offer/executor.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('/offer"', '/offer-v2"'));
    const before = upstream.requests.length;
    const fail = await cli(work, env, 'test', '--remote', 'offer');
    expect(fail.code).toBe(1);
    expect(upstream.requests.slice(before).every((r) => r.url.startsWith('/offer-v2'))).toBe(true);
    expect(fail.stdout).toContain('  FAIL tests/berlin.json');
    expect(fail.stdout).toContain('       output differs:\n       --- expected\n       +++ actual\n');
    expect(fail.stdout).toContain('-  "price": 42,\n       +  "price": 40,');
    expect(fail.stdout).toContain('  FAIL tests/partial.json');
    expect(fail.stdout).toContain('1 passed, 2 failed (3 fixtures of 1 executor)');
    expect((await api(server.url, 'GET', '/api/executors/offer')).definition.apiCall.url).toBe(`${upstream.url}/offer`);

    const tap = await cli(work, env, 'test', '--remote', 'offer', '--reporter', 'tap');
    expect(tap.code).toBe(1);
    expect(tap.stdout).toMatch(/^TAP version 14\n1\.\.3\nnot ok 1 - offer tests\/berlin\.json \(\d+ ms\)\n {2}---\n {2}message: \|-\n {4}output differs:\n/);
    expect(tap.stdout).toMatch(/\nok 2 - offer tests\/invalid-zip\.json \(\d+ ms\)\n/);
    expect(tap.stdout).toMatch(/# pass 1\n# fail 2\n$/);

    // An upstream failure expected as such passes; an unexpected one is reported with its code.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('/offer-v2"', '/down"'));
    write(path.join(t, 'berlin.json'), JSON.stringify({ input: { zip: '10115' }, expect: { status: 'error', code: 'UPSTREAM_ERROR', messageContains: '503' } }));
    const mixed = await cli(work, env, 'test', '--remote', 'offer');
    expect(mixed.stdout).toContain('  PASS tests/berlin.json');
    expect(mixed.stdout).toContain('  FAIL tests/partial.json');
    expect(mixed.stdout).toContain('expected status ok, got error UPSTREAM_ERROR');
    expect(mixed.code).toBe(1);
    // Without names, executors without fixtures are listed as such.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('/down"', '/offer"'));
    write(path.join(t, 'berlin.json'), JSON.stringify({ input: { zip: '10115' }, expect: { status: 'ok', outputContains: { zip: '10115' } } }));
    const all = await cli(work, env, 'test', '--remote');
    expect(all.stdout).toContain('greet: no fixtures\n');
    expect(all.stdout).toContain('3 passed, 0 failed (3 fixtures of 3 executors)');
    expect(all.code).toBe(0);
  });

  it('bad input: readable errors naming the file, exit 2, nothing pushed', async () => {
    const bad = path.join(work, 'bad');
    const missing = await cli(work, env, 'push', '--dir', 'nowhere');
    expect(missing).toMatchObject({ code: 2, stderr: 'outrigger: folder nowhere does not exist (pass --dir, or run `outrigger pull` to create it)\n' });
    const noFolder = await cli(work, env, 'diff', 'ghost');
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain('executors/ghost: folder does not exist');

    write(path.join(bad, 'broken/executor.json'), '{\n  "type": "apiCall",\n}\n');
    write(path.join(bad, 'rusty/executor.json'), '{"type": "code", "code": {"language": "python"}}\n');
    write(path.join(bad, 'rusty/main.py'), 'def handler(input, ctx):\n    return 1\n');
    write(path.join(bad, 'rusty/main.rb'), 'puts 1\n');
    write(path.join(bad, 'method/executor.json'), '{"type": "apiCall", "apiCall": {"method": "FETCH", "url": "http://example.com"}}\n');
    write(path.join(bad, 'good/executor.json'), `{"type": "apiCall", "apiCall": {"method": "GET", "url": "${upstream.url}/offer"}}\n`);
    const p = await cli(work, env, 'push', '--dir', 'bad');
    expect(p.code).toBe(2);
    expect(p.stdout).toBe('');
    expect(p.stderr).toBe([
      'outrigger: invalid folder (3 problems); nothing was pushed:',
      '  bad/broken/executor.json:3: invalid JSON at line 3, column 1: Expected double-quoted property name',
      '  bad/method/executor.json:1: /apiCall/method must be one of "GET", "POST", "PUT", "PATCH", "DELETE"',
      '  bad/rusty/main.rb: unknown language file (main.py for python, main.mjs for node, main.php for php)',
      '',
    ].join('\n'));
    expect((await api(server.url, 'GET', '/api/executors/good')).status).toBe(404);

    write(path.join(bad, 'wrongname/executor.json'), '{"name": "other", "type": "apiCall", "apiCall": {"method": "GET", "url": "http://example.com"}}\n');
    write(path.join(bad, 'nosource/executor.json'), '{"type": "code", "code": {"language": "node", "source": "x"}}\n');
    const p2 = await cli(work, env, 'push', 'wrongname', 'nosource', '--dir', 'bad');
    expect(p2.code).toBe(2);
    expect(p2.stderr).toContain('bad/wrongname/executor.json:1: /name is "other" but the folder is "wrongname"');
    expect(p2.stderr).toContain('bad/nosource/executor.json:1: /code/source belongs in its own file');
    expect(p2.stderr).toContain('bad/nosource/main.mjs: is missing (the source of a node executor)');

    write(path.join(bad, 'good/tests/no-input.json'), '{"expect": {"status": "ok"}}');
    write(path.join(bad, 'good/tests/typo.json'), '{"input": {}, "expect": {"status": "ok", "ouput": 1}}');
    const t = await cli(work, env, 'test', 'good', '--dir', 'bad');
    expect(t.code).toBe(2);
    expect(t.stdout).toBe('');
    expect(t.stderr).toContain('bad/good/tests/no-input.json: /input is missing: a fixture needs an "input" object');
    expect(t.stderr).toContain('bad/good/tests/typo.json: /expect/ouput is not an expectation of status "ok" (use output or outputContains)');

    const noFixtures = await cli(work, env, 'test', 'greet');
    expect(noFixtures).toMatchObject({ code: 2, stderr: 'outrigger: no fixtures found (expected executors/<name>/tests/*.json)\n' });

    const port = await closedPort();
    const down = await cli(work, { ...env, OUTRIGGER_URL: `http://127.0.0.1:${port}` }, 'diff');
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);

    const usage = await cli(work, env, 'push', '--no-such-flag');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--no-such-flag'");
    const reporter = await cli(work, env, 'test', '--reporter', 'xml');
    expect(reporter).toMatchObject({ code: 2, stderr: 'outrigger: --reporter must be text, tap, junit; got "xml"\n' });
    const version = await cli(work, env, 'pull', '--version', '1');
    expect(version).toMatchObject({ code: 2, stderr: 'outrigger: --version needs exactly one executor name\n' });
  });
});

describe('outrigger test (a Python executor in the sandbox)', () => {
  let server: Served;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await serve({ OUTRIGGER_SANDBOX: 'required' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-cli-work-'));
    env = { PATH: process.env.PATH, OUTRIGGER_URL: server.url, OUTRIGGER_TOKEN: TOKEN };
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('a code fixture passes, a wrong expectation and a raising handler fail with the error and logs', async () => {
    const dir = path.join(work, 'executors/discount');
    write(path.join(dir, 'executor.json'), JSON.stringify({ type: 'code', code: { language: 'python' }, inputSchema: { type: 'object', required: ['amount'] } }));
    write(path.join(dir, 'main.py'), [
      'def handler(input, ctx):',
      '    ctx.log("computing discount")',
      '    if input["amount"] < 0:',
      '        raise ValueError("negative amount")',
      '    return {"discount": round(input["amount"] * 0.1, 2)}',
      '',
    ].join('\n'));
    write(path.join(dir, 'tests/a-ok.json'), JSON.stringify({ input: { amount: 100 }, expect: { status: 'ok', output: { discount: 10 } } }));
    write(path.join(dir, 'tests/b-raises.json'), JSON.stringify({ input: { amount: -1 }, expect: { status: 'error', code: 'RUNTIME_ERROR', messageContains: 'negative amount' } }));
    const pass = await cli(work, env, 'test', '--remote');
    expect(pass.stdout).toContain('  PASS tests/a-ok.json');
    expect(pass.stdout).toContain('  PASS tests/b-raises.json');
    expect(pass.code).toBe(0);

    write(path.join(dir, 'tests/c-wrong.json'), JSON.stringify({ input: { amount: 50 }, expect: { status: 'ok', output: { discount: 6 } } }));
    write(path.join(dir, 'tests/d-unexpected.json'), JSON.stringify({ input: { amount: -5 }, expect: { status: 'ok' } }));
    const fail = await cli(work, env, 'test', '--remote', 'discount');
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('  FAIL tests/c-wrong.json');
    expect(fail.stdout).toContain('-  "discount": 6\n       +  "discount": 5');
    expect(fail.stdout).toContain('  FAIL tests/d-unexpected.json');
    expect(fail.stdout).toContain('expected status ok, got error RUNTIME_ERROR');
    expect(fail.stdout).toContain('negative amount');
    expect(fail.stdout).toContain('[info] computing discount');
    expect(fail.stdout).toContain('2 passed, 2 failed (4 fixtures of 1 executor)');
    // Nothing was saved: test runs drafts.
    expect((await api(server.url, 'GET', '/api/executors/discount')).status).toBe(404);
  }, 60_000);
});
