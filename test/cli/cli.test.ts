// The `outrigger` CLI as a user runs it: serve as a child process, then invoke and executors list/get/apply against it
// (in-process through runCli; one smoke test runs the real binary).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as runIn, cliBinary, startServe, type Served } from './harness.js';

const TOKEN = 'otr_cli_test_token_abcdefghijklmnop';

describe('outrigger CLI', () => {
  let server: Served;
  let dir: string;
  let url: string;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[], e: NodeJS.ProcessEnv = env) => runIn(args, { cwd: dir, env: e });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-cli-'));
    server = await startServe(['--data-dir', dir, '--demo'], { PATH: process.env.PATH, OUTRIGGER_ADMIN_TOKEN: TOKEN, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'warn' });
    url = server.url;
    env = { PATH: process.env.PATH, OUTRIGGER_URL: url, OUTRIGGER_TOKEN: TOKEN };
  });
  afterAll(async () => {
    // SIGTERM is a graceful shutdown: exit code 0.
    if (server) expect(await server.stop()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serve printed the URL and, with a given admin token, no generated one', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.output()).not.toContain('Admin token');
  });

  it('smoke: the real binary prints what runCli prints, with the same exit codes (a listing, a usage error)', async () => {
    const list = await cliBinary(['executors', 'list'], { cwd: dir, env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +TYPE +VERSION +DESCRIPTION\n/);
    expect(list.stdout).toContain('get_tariff_offer');
    expect(await cli(['executors', 'list'])).toEqual(list);
    const usage = await cliBinary(['invoke'], { cwd: dir, env });
    expect(usage).toEqual({ code: 2, stdout: '', stderr: "error: missing required argument 'executor'\n" });
    expect(await cli(['invoke'])).toEqual(usage);
  });

  it('help, version and usage errors go through io with their exit codes', async () => {
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await cli(['pull', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: outrigger pull [options] [names...]');
    expect(help.stdout).toContain('Folder layout (one folder per executor, for Git):');
    const unknown = await cli(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'no-such-command'");
    const missing = await cli(['executors', 'apply']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-f, --file <file>' not specified");
  });

  it('lists the demo executors and invokes one against the demo ERP', async () => {
    const list = await cli(['executors', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('get_tariff_offer');
    expect(list.stdout).toContain('erp_find_contract');
    const r = await cli(['invoke', 'get_tariff_offer', '--input', '{"zip":"10115","consumptionKwh":2000}']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('ok');
    expect(body.output.cheapest.tariff).toBeTypeOf('string');
  });

  it('applies a definition file: created, unchanged, new version', async () => {
    const file = path.join(dir, 'ex.json');
    const def = { name: 'cli_demo', type: 'apiCall', apiCall: { method: 'GET', url: `${url}/demo/erp/tariffs/offer`, headers: { Authorization: 'Bearer {{secret:ERP_TOKEN}}' } } };
    fs.writeFileSync(file, JSON.stringify(def));
    expect(await cli(['executors', 'apply', '-f', file])).toEqual({ code: 0, stdout: 'cli_demo: created\n', stderr: '' });
    expect((await cli(['executors', 'apply', '-f', 'ex.json'])).stdout).toBe('cli_demo: unchanged\n');
    fs.writeFileSync(file, JSON.stringify({ ...def, description: 'now described' }));
    expect((await cli(['executors', 'apply', '-f', file, '-m', 'describe'])).stdout).toBe('cli_demo: version 2\n');
    const got = JSON.parse((await cli(['executors', 'get', 'cli_demo'])).stdout);
    expect(got.version.message).toBe('describe');
  });

  it('a failed invocation exits 1; bad input and errors give readable messages and exit 2', async () => {
    const failed = await cli(['invoke', 'get_tariff_offer', '--input', '{"zip":"abc"}']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe('INPUT_INVALID');
    const badJson = await cli(['invoke', 'x', '--input', '{nope']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^outrigger: --input is not valid JSON/);
    const unknown = await cli(['invoke', 'no_such']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('404');
    expect(unknown.stderr).toContain('no_such');
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'bad', type: 'apiCall', apiCall: { method: 'NOPE', url: 'x' } }));
    const invalid = await cli(['executors', 'apply', '-f', file]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('/apiCall/method');
    const unreadable = await cli(['executors', 'apply', '-f', 'missing.json']);
    expect(unreadable).toMatchObject({ code: 2, stderr: 'outrigger: cannot read missing.json: ENOENT\n' });
    const nameless = path.join(dir, 'nameless.json');
    fs.writeFileSync(nameless, JSON.stringify([{ type: 'apiCall' }]));
    expect((await cli(['executors', 'apply', '-f', nameless])).stderr).toBe(`outrigger: ${nameless}: each definition needs a "name"\n`);
    const noToken = await cli(['executors', 'list'], { PATH: process.env.PATH, OUTRIGGER_URL: url });
    expect(noToken).toMatchObject({ code: 2, stdout: '' });
    expect(noToken.stderr).toMatch(/^outrigger: no token: pass --token or set OUTRIGGER_TOKEN/);
    const down = await cli(['executors', 'list'], { ...env, OUTRIGGER_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach');
    // --url and --token win over the environment.
    const flags = await cli(['executors', 'get', 'cli_demo', '--url', url, '--token', TOKEN], { PATH: process.env.PATH });
    expect(JSON.parse(flags.stdout).definition.name).toBe('cli_demo');
  });
});
