// Resource attacks: fork bomb, memory, endless loops, setsid children, log floods, huge output, a full /tmp.
// Each breach ends as its own error code, leaves no process behind, and the same pool works right after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage, CodeRunRequest, CodeRunResult } from '../../src/executors/sandbox/contract.js';
import { waitFor } from '../helpers/wait.js';
import { makeSandbox, processesWith, req } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ pids: 32, tmpBytes: 8 * 1024 * 1024, logBytes: 256 * 1024, outputBytes: 10 * 1024 * 1024 });
});
afterAll(async () => {
  await sb.close();
});

/** Runs the attack ({go: true}), then the same pool with {} which must answer "ok". */
async function attack(lang: CodeLanguage, src: string, over: Partial<CodeRunRequest> = {}): Promise<CodeRunResult> {
  const r = req(lang, src, { input: { go: true }, timeoutMs: 1500, ...over });
  const first = await sb.run(r);
  const again = await sb.run({ ...r, input: {}, execution: { ...r.execution, deadline: Date.now() + 10_000 } });
  expect(again, 'the next invocation of the same pool').toMatchObject({ status: 'ok', output: 'ok' });
  return first;
}

const guard = {
  python: (body: string) => `import os, sys, time\ndef handler(input, ctx):\n    if not input.get("go"):\n        return "ok"\n${body.replace(/^/gm, '    ')}\n`,
  node: (body: string, head = '') => `${head}\nexport default async function handler(input) {\n  if (!input.go) return 'ok';\n${body}\n}\n`,
  php: (body: string) => `<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    if (empty($input['go'])) return 'ok';\n${body}\n}\n`,
};

describe('endless loops end as TIMEOUT', () => {
  it.each([
    ['python', guard.python('while True:\n    pass')],
    ['node', guard.node('  for (;;) {}')],
    ['php', guard.php('    while (true) {}')],
  ] as const)('%s', async (lang, src) => {
    const r = await attack(lang, src, { timeoutMs: 700 });
    // The deadline that fired is the executor's own (speed is for `npm run bench`).
    expect(r.error).toMatchObject({ code: 'TIMEOUT', message: 'execution exceeded 700 ms' });
  });

  it('sleeping code (no CPU use) ends as TIMEOUT too', async () => {
    const r = await attack('python', guard.python('time.sleep(60)'), { timeoutMs: 500 });
    expect(r.error?.code).toBe('TIMEOUT');
  });
});

describe('memory past the limit ends as OUT_OF_MEMORY', () => {
  it.each([
    ['python', guard.python('b = bytearray(300 * 1024 * 1024)\nreturn len(b)')],
    ['python', guard.python('xs = []\nwhile True:\n    xs.append(" " * 1000000)')],
    ['node', guard.node('  const b = Buffer.alloc(300 * 1024 * 1024, 1);\n  return b.length;')],
    ['node', guard.node('  const xs = [];\n  for (;;) xs.push(new Array(100000).fill(Math.random()));')],
    ['php', guard.php('    $s = str_repeat("x", 300 * 1024 * 1024);\n    return strlen($s);')],
  ] as const)('%s', async (lang, src) => {
    const r = await attack(lang, src, { timeoutMs: 5000, memoryMb: 64 });
    expect(r.error?.code).toBe('OUT_OF_MEMORY');
  });
});

describe('process limits', () => {
  it('python fork bomb is contained: LIMIT_EXCEEDED, no process left', async () => {
    const marker = 'forkbomb-marker-py';
    const src = guard.python(`import setproctitle if False else None\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass`).replace('import setproctitle if False else None\n', `_m = "${marker}"\n`);
    const r = await attack('python', src.replace('import os, sys, time', `import os, sys, time  # ${marker}`), { timeoutMs: 1500 });
    expect(r.error?.code).toBe('LIMIT_EXCEEDED');
    expect(r.error?.details).toMatchObject({ limit: 'pids' });
  });

  it('php fork bomb (pcntl_fork) is contained', async () => {
    const r = await attack('php', guard.php('    while (true) { @pcntl_fork(); }'), { timeoutMs: 1500 });
    expect(r.error?.code).toBe('LIMIT_EXCEEDED');
  });

  // argv[0] carries the marker, so that the strays can be found in the host's /proc.
  it.each([
    ['python', 'import os, time, subprocess\ndef handler(input, ctx):\n    if not input.get("go"):\n        return "ok"\n    # double fork + setsid: the grandchild is re-parented and in its own session\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n            os.execv("/usr/bin/sleep", ["MARK", "999"])\n        os._exit(0)\n    subprocess.Popen(["MARK", "998"], executable="/usr/bin/sleep", start_new_session=True)\n    time.sleep(60)\n'],
    ['node', "import { spawn } from 'node:child_process';\nexport default async function handler(input) {\n  if (!input.go) return 'ok';\n  spawn('/usr/bin/sleep', ['997'], { argv0: 'MARK', detached: true, stdio: 'ignore' }).unref();\n  await new Promise(() => {});\n}\n"],
    ['php', guard.php("    if (pcntl_fork() === 0) { posix_setsid(); pcntl_exec(PHP_BINARY, ['-r', 'sleep(996); // MARK']); }\n    sleep(60);")],
  ] as const)('%s: setsid/double-forked children do not outlive the deadline', async (lang, src) => {
    const marker = `stray-${lang}-${process.pid}`;
    const r = req(lang, src.replaceAll('MARK', marker), { input: { go: true }, timeoutMs: 1500 });
    const running = sb.run(r);
    let ended = false;
    void running.finally(() => (ended = true));
    // The strays exist while the invocation runs (so the check below can fail)…
    const seen = await waitFor(() => (processesWith(marker).length >= 1 ? 'strays' : ended ? 'ended' : null), 'the strays or the end of the invocation', 30_000);
    expect(seen).toBe('strays');
    const first = await running;
    expect(first.error?.code).toBe('TIMEOUT');
    // …and are gone when the result is there.
    expect(processesWith(marker)).toEqual([]);
    const again = await sb.run({ ...r, input: {}, execution: { ...r.execution, deadline: Date.now() + 10_000 } });
    expect(again.output).toBe('ok');
  });

  it('a background process left by a successful invocation is killed with its worker', async () => {
    const marker = `leftover-${process.pid}`;
    const src = `import subprocess\ndef handler(input, ctx):\n    subprocess.Popen(["${marker}", "995"], executable="/usr/bin/sleep", start_new_session=True)\n    return "started"\n`;
    const r = req('python', src);
    const a = await sb.run(r);
    expect(a.output).toBe('started');
    // The worker is recycled (killed) as soon as the invocation ends with a process left over.
    const b = await sb.run({ ...r, execution: { ...r.execution, deadline: Date.now() + 10_000 } });
    expect(b.coldStart).toBe(true); // the worker with the stray process was recycled
    await sb.evict(r.poolKey);
    expect(processesWith(marker)).toEqual([]);
  });
});

describe('floods and sizes', () => {
  it.each([
    ['python', guard.python('while True:\n    print("x" * 1000)')],
    ['python', guard.python('while True:\n    os.write(1, b"y" * 65536)')],
    ['node', guard.node("  for (;;) console.log('x'.repeat(1000));")],
    ['php', guard.php('    while (true) { echo str_repeat("x", 1000), "\\n"; }')],
  ] as const)('%s: printing without end is LIMIT_EXCEEDED (log size)', async (lang, src) => {
    const r = await attack(lang, src, { timeoutMs: 5000 });
    expect(r.error?.code).toBe('LIMIT_EXCEEDED');
    expect(r.error?.details).toMatchObject({ limit: 'log' });
    expect(r.logs.reduce((n, l) => n + l.message.length, 0)).toBeLessThanOrEqual(256 * 1024);
  });

  it.each([
    ['python', guard.python('return "x" * (50 * 1024 * 1024)')],
    ['node', guard.node("  return 'x'.repeat(50 * 1024 * 1024);")],
    ['php', guard.php('    return str_repeat("x", 50 * 1024 * 1024);')],
  ] as const)('%s: a 50 MB output is OUTPUT_INVALID (too large)', async (lang, src) => {
    const r = await attack(lang, src, { timeoutMs: 8000, memoryMb: 384 });
    expect(r.error?.code).toBe('OUTPUT_INVALID');
    expect(r.error?.message).toMatch(/exceeds/);
  });

  it('script mode: gigabytes on stdout are cut at the output cap', async () => {
    const r = await sb.run(req('python', 'import os\nwhile True:\n    os.write(1, b"z" * 65536)\n', { mode: 'script', timeoutMs: 5000 }));
    expect(r.error?.code).toBe('OUTPUT_INVALID');
  });

  it('script mode: a stderr flood is LIMIT_EXCEEDED', async () => {
    const r = await sb.run(req('node', "for (;;) process.stderr.write('e'.repeat(4096));\n", { mode: 'script', timeoutMs: 5000, memoryMb: 128 }));
    expect(r.error?.code).toBe('LIMIT_EXCEEDED');
  });

  it.each([
    ['python', guard.python('with open("/tmp/fill", "wb") as f:\n    while True:\n        f.write(b"x" * 1048576)')],
    ['node', guard.node("  const fd = fs.openSync('/tmp/fill', 'w');\n  for (;;) fs.writeSync(fd, Buffer.alloc(1048576, 1));", "import fs from 'node:fs';")],
    ['php', guard.php('    $f = fopen("/tmp/fill", "w");\n    while (true) { if (fwrite($f, str_repeat("x", 1048576)) === false) throw new RuntimeException("write failed: " . (error_get_last()["message"] ?? "")); }')],
  ] as const)('%s: filling /tmp past its size is LIMIT_EXCEEDED', async (lang, src) => {
    const r = await attack(lang, src, { timeoutMs: 5000, memoryMb: 128 });
    expect(r.error?.code).toBe('LIMIT_EXCEEDED');
    expect(r.error?.details).toMatchObject({ limit: 'tmp' });
  });
});
