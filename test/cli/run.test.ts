// `outrigger run <folder>` as a user runs it: no server, the real sandbox, secrets and storage from local files,
// UDFs from sibling folders, ctx.api only to OUTRIGGER_URL, exit codes by status (in-process; the first run is the real binary).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as runIn, cliBinary, type CliRun } from './harness.js';

let dir: string;
const where = (env: NodeJS.ProcessEnv) => ({ cwd: dir, env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...env } });
/** Runs the CLI in-process in the test folder; resolves with exit code, stdout and stderr. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runIn(args, where(env));

function folder(name: string, def: Record<string, unknown>, file: string, source: string): void {
  fs.mkdirSync(path.join(dir, 'executors', name), { recursive: true });
  fs.writeFileSync(path.join(dir, 'executors', name, 'executor.json'), JSON.stringify({ name, ...def }));
  fs.writeFileSync(path.join(dir, 'executors', name, file), source);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-run-'));
  folder('greet', { type: 'code', code: { language: 'python', mode: 'handler' }, inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }, 'main.py', `def handler(input, ctx):
    n = (ctx.storage.get("count") or 0) + 1
    ctx.storage.set("count", n)
    ctx.log("greeting " + input["name"])
    ctx.emit("greeted", {"n": n})
    return {"hello": input["name"], "n": n, "key": ctx.secret("ERP_KEY"), "price": ctx.udf("format_eur", {"v": 3.5})}
`);
  folder('format_eur', { type: 'code', code: { language: 'php', mode: 'handler' } }, 'main.php', '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return number_format($input["v"], 2, ",", ".") . " €"; }\n');
  folder('tickets', { type: 'code', code: { language: 'node', mode: 'handler' } }, 'main.mjs', "export default async function handler(input, ctx) { return await ctx.api.get('/api/tickets'); }\n");
  folder('boom', { type: 'code', code: { language: 'node', mode: 'handler' } }, 'main.mjs', "export default async function handler() {\n  throw new Error('no contract');\n}\n");
  fs.writeFileSync(path.join(dir, 'local.env'), '# secrets of local runs\nERP_KEY="k-123"\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('outrigger run', () => {
  it('runs a folder with secrets, storage and a UDF from a sibling folder; storage persists in the file', async () => {
    const args = ['run', 'executors/greet', '--input', '{"name":"Anna"}', '--secrets', 'local.env', '--storage', 'storage.json'];
    // Smoke test of the real binary; the second run is in-process and sees the storage file the first one wrote.
    const first = await cliBinary(args, where({}));
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ hello: 'Anna', n: 1, key: 'k-123', price: '3,50 €' });
    expect(first.stderr).toContain('[info] greeting Anna');
    expect(first.stderr).toContain('emit custom.greeted {"n":1}');
    expect(first.stderr).toMatch(/^ok · [\d.]+ ms · (cold|warm)$/m);
    const second = await cli(args);
    expect(JSON.parse(second.stdout).n).toBe(2);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'storage.json'), 'utf8'))).toEqual({ count: { value: 2 } });
  });

  it('input from a file, checked against the input schema: INPUT_INVALID exits 1', async () => {
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"nom":"x"}');
    const r = await cli(['run', 'executors/greet', '--input', 'bad.json', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'error', error: { code: 'INPUT_INVALID' } });
  });

  it('an uncaught error exits 1 with the code, message and the user file and line', async () => {
    const r = await cli(['run', 'executors/boom']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('RUNTIME_ERROR: no contract');
    expect(r.stderr).toMatch(/main\.mjs:2/);
  });

  it('a missing secret and ctx.api without a server are clear errors naming what to do', async () => {
    const noSecret = await cli(['run', 'executors/greet', '--input', '{"name":"A"}', '--json']);
    expect(JSON.parse(noSecret.stdout).error.message).toMatch(/secret ERP_KEY does not exist \(add ERP_KEY=… to the --secrets file\)/);
    const noServer = await cli(['run', 'executors/tickets', '--json']);
    expect(noServer.code).toBe(1);
    expect(JSON.parse(noServer.stdout).error.message).toMatch(/ctx\.api GET \/api\/tickets: no server in a local run \(set OUTRIGGER_URL/);
  });

  it('ctx.api goes to OUTRIGGER_URL with OUTRIGGER_TOKEN when set', async () => {
    const seen: { url?: string; auth?: string }[] = [];
    const srv = http.createServer((q, s) => {
      seen.push({ url: q.url, auth: q.headers.authorization });
      s.setHeader('content-type', 'application/json');
      s.end(JSON.stringify({ items: [{ id: 't1' }] }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const r = await cli(['run', 'executors/tickets'], { OUTRIGGER_URL: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, OUTRIGGER_TOKEN: 'otr_x' });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ items: [{ id: 't1' }] });
      expect(seen).toEqual([{ url: '/api/tickets', auth: 'Bearer otr_x' }]);
    } finally {
      srv.close();
    }
  });

  it('--no-sandbox says loudly what it gives up, and still runs', async () => {
    const r = await cli(['run', 'executors/format_eur', '--input', '{"v":1}', '--no-sandbox']);
    expect(r.stderr).toMatch(/WARNING --no-sandbox: the code runs as you/);
    expect(r.stderr).toContain('NOT ISOLATED');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBe('1,00 €');
  });

  it('a folder without executor.json is a usage error (exit 2)', async () => {
    const r = await cli(['run', 'nowhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not an executor folder');
  });
});
