// The `outrigger` CLI as a user runs it: serve as a child process, then invoke and executors list/get/apply against it.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve('bin/outrigger.js');
const TOKEN = 'otr_cli_test_token_abcdefghijklmnop';

describe('outrigger CLI', () => {
  let server: ChildProcess;
  let dir: string;
  let url: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-cli-'));
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dir, '--demo'], {
      env: { PATH: process.env.PATH, OUTRIGGER_ADMIN_TOKEN: TOKEN, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Outrigger (http:\/\/\S+)/.exec(out);
        if (m && out.includes('Demo executors ready')) resolve(m[1]!);
      });
      server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    env = { ...process.env, OUTRIGGER_URL: url, OUTRIGGER_TOKEN: TOKEN };
  });
  afterAll(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serve printed the URL and, with a given admin token, no generated one', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lists the demo executors and invokes one against the demo ERP', async () => {
    const list = await run(process.execPath, [BIN, 'executors', 'list'], { env });
    expect(list.stdout).toContain('get_tariff_offer');
    expect(list.stdout).toContain('erp_find_contract');
    const r = await run(process.execPath, [BIN, 'invoke', 'get_tariff_offer', '--input', '{"zip":"10115","consumptionKwh":2000}'], { env });
    const body = JSON.parse(r.stdout);
    expect(body.status).toBe('ok');
    expect(body.output.cheapest.tariff).toBeTypeOf('string');
  });

  it('applies a definition file: created, unchanged, new version', async () => {
    const file = path.join(dir, 'ex.json');
    const def = { name: 'cli_demo', type: 'apiCall', apiCall: { method: 'GET', url: `${url}/demo/erp/tariffs/offer`, headers: { Authorization: 'Bearer {{secret:ERP_TOKEN}}' } } };
    fs.writeFileSync(file, JSON.stringify(def));
    expect((await run(process.execPath, [BIN, 'executors', 'apply', '-f', file], { env })).stdout).toBe('cli_demo: created\n');
    expect((await run(process.execPath, [BIN, 'executors', 'apply', '-f', file], { env })).stdout).toBe('cli_demo: unchanged\n');
    fs.writeFileSync(file, JSON.stringify({ ...def, description: 'now described' }));
    expect((await run(process.execPath, [BIN, 'executors', 'apply', '-f', file, '-m', 'describe'], { env })).stdout).toBe('cli_demo: version 2\n');
    const got = JSON.parse((await run(process.execPath, [BIN, 'executors', 'get', 'cli_demo'], { env })).stdout);
    expect(got.version.message).toBe('describe');
  });

  it('a failed invocation exits 1; bad input and errors give readable messages and exit 2', async () => {
    const failed = await run(process.execPath, [BIN, 'invoke', 'get_tariff_offer', '--input', '{"zip":"abc"}'], { env }).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe('INPUT_INVALID');
    const badJson = await run(process.execPath, [BIN, 'invoke', 'x', '--input', '{nope'], { env }).catch((e) => e);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^outrigger: --input is not valid JSON/);
    const unknown = await run(process.execPath, [BIN, 'invoke', 'no_such'], { env }).catch((e) => e);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('404');
    expect(unknown.stderr).toContain('no_such');
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'bad', type: 'apiCall', apiCall: { method: 'NOPE', url: 'x' } }));
    const invalid = await run(process.execPath, [BIN, 'executors', 'apply', '-f', file], { env }).catch((e) => e);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('/apiCall/method');
    const noToken = await run(process.execPath, [BIN, 'executors', 'list'], { env: { PATH: process.env.PATH, OUTRIGGER_URL: url } }).catch((e) => e);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('OUTRIGGER_TOKEN');
    const down = await run(process.execPath, [BIN, 'executors', 'list'], { env: { ...env, OUTRIGGER_URL: 'http://127.0.0.1:1' } }).catch((e) => e);
    expect(down.stderr).toContain('cannot reach');
  });
});
