// `outrigger test` without a server: fixtures run in the local sandbox, reports as text, TAP and JUnit (read back by
// fast-xml-parser, a real XML parser), and --watch reruns after a file changes (the real binary: it stops on SIGINT).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { requireBuiltDist } from '../setup/require-dist.js';
import { BIN, cli as runIn, type CliRun } from './harness.js';

let dir: string;

/** Runs the CLI in-process in the test folder. */
const cli = (...args: string[]): Promise<CliRun> => runIn(args, { cwd: dir, env: { PATH: process.env.PATH, HOME: os.tmpdir() } });

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

const fixture = (input: unknown, expect: unknown) => JSON.stringify({ input, expect });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-test-cmd-'));
  write('ex/add/executor.json', JSON.stringify({ type: 'code', code: { language: 'python' } }));
  write('ex/add/main.py', 'def handler(input, ctx):\n    ctx.log("adding <&> " + str(input["a"]))\n    return {"sum": input["a"] + input["b"]}\n');
  write('ex/add/tests/ok.json', fixture({ a: 1, b: 2 }, { status: 'ok', output: { sum: 3 } }));
  write('ex/shout/executor.json', JSON.stringify({ type: 'code', code: { language: 'node' }, inputSchema: { type: 'object', required: ['text'] } }));
  write('ex/shout/main.mjs', 'export default async function handler(input, ctx) { return { text: input.text.toUpperCase(), n: await ctx.udf("count", { s: input.text }) }; }\n');
  write('ex/shout/tests/ok.json', fixture({ text: 'hi' }, { status: 'ok', outputContains: { text: 'HI' } }));
  write('ex/shout/tests/invalid.json', fixture({}, { status: 'error', code: 'INPUT_INVALID' }));
  write('ex/count/executor.json', JSON.stringify({ type: 'code', code: { language: 'php' } }));
  write('ex/count/main.php', '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return strlen($input["s"]); }\n');
  write('ex/count/tests/ok.json', fixture({ s: 'abc' }, { status: 'ok', output: 3 }));
  write('ex/remote_only/executor.json', JSON.stringify({ type: 'apiCall', apiCall: { method: 'GET', url: 'http://127.0.0.1:9/x' } }));
  write('ex/remote_only/tests/ok.json', fixture({}, { status: 'ok' }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('outrigger test (local)', () => {
  it('passes every fixture of Python, Node and PHP folders without a server; apiCall fixtures are skipped with the reason', async () => {
    const r = await cli('test', '--dir', 'ex');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS tests\/ok\.json/);
    expect(r.stdout).toContain('SKIP tests/ok.json (apiCall: sends a real request; run with --api-calls or --remote)');
    expect(r.stdout).toMatch(/4 passed, 0 failed, 1 skipped \(5 fixtures of 4 executors/);
  });

  it('a broken fixture fails with exit 1; JUnit XML is valid and a parser reads testcases, the failure diff and the logs', async () => {
    write('ex/add/tests/wrong.json', fixture({ a: 1, b: 2 }, { status: 'ok', output: { sum: 4 } }));
    try {
      const r = await cli('test', '--dir', 'ex', '--reporter', 'junit', '--output', 'report.xml');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('FAIL tests/wrong.json');
      const xml = fs.readFileSync(path.join(dir, 'report.xml'), 'utf8');
      expect(XMLValidator.validate(xml)).toBe(true);
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(xml);
      expect(doc.testsuites).toMatchObject({ tests: '6', failures: '1', skipped: '1' });
      const cases = (doc.testsuites.testsuite as Array<{ name: string; testcase: any[] }>).flatMap((s) => s.testcase.map((c) => ({ suite: s.name, ...c })));
      expect(cases.map((c) => `${c.classname} ${c.name}`).sort()).toEqual([
        'add tests/ok.json', 'add tests/wrong.json', 'count tests/ok.json', 'remote_only tests/ok.json', 'shout tests/invalid.json', 'shout tests/ok.json',
      ]);
      const wrong = cases.find((c) => c.name === 'tests/wrong.json');
      expect(wrong.failure['#text']).toContain('-  "sum": 4\n+  "sum": 3');
      expect(wrong['system-out']).toBe('[info] adding <&> 1');
      expect(cases.find((c) => c.classname === 'remote_only').skipped.message).toMatch(/apiCall/);
      expect(cases.find((c) => c.classname === 'count').failure).toBeUndefined();
    } finally {
      fs.rmSync(path.join(dir, 'ex/add/tests/wrong.json'));
    }
  });

  it('TAP: plan, one point per fixture, SKIP directives', async () => {
    const r = await cli('test', 'add', 'remote_only', '--dir', 'ex', '--reporter', 'tap');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TAP version 14\n1\.\.2\nok 1 - add tests\/ok\.json \(\d+ ms\)\nok 2 - remote_only tests\/ok\.json # SKIP apiCall/);
  });

  it('an unknown reporter is a usage error', async () => {
    const r = await cli('test', '--dir', 'ex', '--reporter', 'xunit');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reporter must be text, tap, junit');
  });

  it('--watch runs again after a source file changes and reports the new result', async () => {
    requireBuiltDist();
    const child = spawn(process.execPath, [BIN, 'test', 'add', '--dir', 'ex', '--watch'], { cwd: dir, env: { PATH: process.env.PATH, HOME: os.tmpdir() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await waitFor(() => out.includes('watching ex'), 'the first run', 30_000);
      expect(out).toContain('1 passed, 0 failed');
      // Node 20 sets up a recursive watch on Linux asynchronously, folder by folder, after "watching" is printed: on a
      // busy machine the first write can come before ex/add/ is watched, so the (same) change is written again each second.
      await waitFor(() => {
        if (out.includes('0 passed, 1 failed')) return true;
        write('ex/add/main.py', 'def handler(input, ctx):\n    return {"sum": input["a"] - input["b"]}\n');
        return false;
      }, 'the run after the change', 30_000, 1_000);
      expect(out).toMatch(/change in ex\/add\/main\.py: running again/);
    } finally {
      // Stopped either way; a failed wait above stays the reported failure.
      child.kill('SIGINT');
      await exited;
    }
    // Ctrl-C ends the session with the last run's code.
    expect(await exited).toBe(1);
  }, 60_000);
});
