// Script spares: a script-mode run taken by a pre-started, never-used sandbox behaves like a fresh one, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage } from '../../src/executors/sandbox/contract.js';
import { waitFor } from '../helpers/wait.js';
import { LANGS, makeSandbox, MemoryHost, req } from './helpers.js';

const MB = 96;

/** SDK by path from $SDK, stdin input, output(), stderr log, SDK calls, and where the script file lives. */
const SDK_SCRIPT: Record<CodeLanguage, string> = {
  python: `
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("outrigger", os.environ["SDK"])
sdk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sdk)
inp = sdk.input()
print("to stderr", file=sys.stderr)
sdk.output({"n": inp["n"] * 2, "secret": sdk.secret("API_KEY"), "execId": sdk.execution.id, "envExec": os.environ["OUTRIGGER_EXECUTION"],
            "spareEnv": os.environ.get("OUTRIGGER_SPARE"), "file": __file__})
`,
  node: `
const sdk = await import(process.env.SDK);
const inp = sdk.input();
console.error('to stderr');
sdk.output({ n: inp.n * 2, secret: await sdk.secret('API_KEY'), execId: sdk.execution.id, envExec: process.env.OUTRIGGER_EXECUTION,
  spareEnv: process.env.OUTRIGGER_SPARE ?? null, file: import.meta.url });
`,
  php: `<?php
require getenv('SDK');
use Outrigger\\Sdk;
$inp = Sdk::input();
fwrite(STDERR, "to stderr\\n");
Sdk::output(['n' => $inp['n'] * 2, 'secret' => Sdk::secret('API_KEY'), 'execId' => Sdk::execution()->id, 'envExec' => getenv('OUTRIGGER_EXECUTION'),
  'spareEnv' => getenv('OUTRIGGER_SPARE') ?: null, 'file' => __FILE__]);
`,
};

const STDOUT_SCRIPT: Record<CodeLanguage, string> = {
  python: 'import json, sys\ndata = json.load(sys.stdin)\nprint(json.dumps({"sum": sum(data["xs"])}))\n',
  node: "import fs from 'node:fs';\nconst data = JSON.parse(fs.readFileSync(0, 'utf8'));\nconsole.log(JSON.stringify({ sum: data.xs.reduce((a, b) => a + b, 0) }));\n",
  php: '<?php\n$data = json_decode(stream_get_contents(STDIN), true);\necho json_encode(["sum" => array_sum($data["xs"])]);\n',
};

const FAILING: Record<CodeLanguage, string> = {
  python: 'import sys\nprint("bad things", file=sys.stderr)\nsys.exit(3)\n',
  node: "console.error('bad things');\nprocess.exit(3);\n",
  php: '<?php\nfwrite(STDERR, "bad things\\n");\nexit(3);\n',
};

const THROWING: Record<CodeLanguage, string> = {
  python: 'import os\nx = 1\n\nraise ValueError("script boom")\n',
  node: 'const x = 1;\n\n\nthrow new RangeError("script boom");\n',
  php: '<?php\n$x = 1;\n\nthrow new DomainException("script boom");\n',
};

/** Leaves a file in /tmp if none is there; reports whether it found one, its pid and its pid namespace. */
const TMP_PROBE: Record<CodeLanguage, string> = {
  python: 'import json, os\nseen = os.path.exists("/tmp/probe")\nopen("/tmp/probe", "w").write("x")\nprint(json.dumps({"seen": seen, "pid": os.getpid(), "ns": os.readlink("/proc/self/ns/pid")}))\n',
  node: "import fs from 'node:fs';\nconst seen = fs.existsSync('/tmp/probe');\nfs.writeFileSync('/tmp/probe', 'x');\nconsole.log(JSON.stringify({ seen, pid: process.pid, ns: fs.readlinkSync('/proc/self/ns/pid') }));\n",
  php: '<?php\n$seen = file_exists("/tmp/probe");\nfile_put_contents("/tmp/probe", "x");\necho json_encode(["seen" => $seen, "pid" => getmypid(), "ns" => readlink("/proc/self/ns/pid")]);\n',
};

const LOOP: Record<CodeLanguage, string> = {
  python: 'while True:\n    pass\n',
  node: 'for (;;) {}\n',
  php: '<?php\nwhile (true) {}\n',
};

const HOG: Record<CodeLanguage, string> = {
  python: 'b = bytearray(300 * 1024 * 1024)\nprint(len(b))\n',
  node: 'const b = Buffer.alloc(300 * 1024 * 1024, 1);\nconsole.log(b.length);\n',
  php: '<?php\n$s = str_repeat("x", 300 * 1024 * 1024);\necho strlen($s);\n',
};

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ sparesPerLanguage: 1, spareMemoryMb: MB });
});
afterAll(async () => {
  await sb.close();
});

/** Spares start in the background after each use; polls until this language has one ready (no event to wait for from outside). */
async function spareReady(lang: CodeLanguage): Promise<void> {
  await waitFor(() => sb.scriptSpares(lang) >= 1, `a ${lang} script spare`, 15_000, 10);
  expect(sb.scriptSpares(lang)).toBe(1);
}

/** A script run that must be served by the ready spare (the spare count drops to zero when it is taken). */
async function viaSpare(lang: CodeLanguage, source: string, over: Parameters<typeof req>[2] = {}) {
  await spareReady(lang);
  const p = sb.run(req(lang, source, { mode: 'script', memoryMb: MB, ...over }));
  expect(sb.scriptSpares(lang)).toBe(0);
  return p;
}

describe.each(LANGS)('script spares in %s', (lang) => {
  it('SDK from $SDK, stdin input, output(), stderr log, execution id, file in the spare\'s own /tmp', async () => {
    const host = new MemoryHost();
    const r = await viaSpare(lang, SDK_SCRIPT[lang], { host, input: { n: 21 } });
    expect(r.error).toBeUndefined();
    const out = r.output as Record<string, unknown>;
    const execId = (JSON.parse(out.envExec as string) as { id: string }).id;
    expect(out).toMatchObject({ n: 42, secret: 's3cr3t', spareEnv: null, file: expect.stringContaining('/tmp/.outrigger/main.') });
    expect(out.execId).toBe(execId);
    expect(execId).toMatch(/^exec-\d+$/);
    expect(r.coldStart).toBe(true);
    expect(r.logs.map((l) => l.message)).toContain('to stderr');
  });

  it('the execution id is the run\'s own', async () => {
    const q = req(lang, SDK_SCRIPT[lang], { mode: 'script', memoryMb: MB, input: { n: 1 } });
    await spareReady(lang);
    const r = await sb.run(q);
    expect((r.output as { execId: string }).execId).toBe(q.execution.id);
  });

  it('stdout JSON is the output', async () => {
    const r = await viaSpare(lang, STDOUT_SCRIPT[lang], { input: { xs: [1, 2, 3] } });
    expect(r).toMatchObject({ status: 'ok', output: { sum: 6 } });
  });

  it('non-zero exit is RUNTIME_ERROR carrying stderr', async () => {
    const r = await viaSpare(lang, FAILING[lang]);
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toContain('bad things');
    expect(r.error?.message).toContain('exit code 3');
  });

  it('an uncaught error points to main.* and its line', async () => {
    const r = await viaSpare(lang, THROWING[lang]);
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toBe('script boom');
    const d = r.error?.details as { file: string; line: number; stderr: string; stack: string };
    expect([d.file, d.line]).toEqual([expect.stringMatching(/^main\.(py|mjs|php)$/), 4]);
    expect(d.stderr).toContain('script boom');
    expect(d.stack).not.toContain('/tmp/.outrigger');
    expect(d.stack).not.toContain('_script');
  });

  it('a spare serves one run: the next run sees a fresh /tmp and another process', async () => {
    const a = await viaSpare(lang, TMP_PROBE[lang]);
    const b = await viaSpare(lang, TMP_PROBE[lang]);
    expect(a.error ?? b.error).toBeUndefined();
    const [x, y] = [a.output, b.output] as { seen: boolean; pid: number; ns: string }[];
    // The second run does not see the first one's file: its /tmp is a new tmpfs.
    expect([x!.seen, y!.seen]).toEqual([false, false]);
    // Another process in another pid namespace: inside its namespace each interpreter may get the same small pid,
    // so the namespace identity is what tells two sandboxes apart.
    expect(x!.ns).toMatch(/^pid:\[\d+\]$/);
    expect(y!.ns).not.toBe(x!.ns);
    expect(typeof y!.pid).toBe('number');
  });

  it('the deadline still kills it (TIMEOUT)', async () => {
    const r = await viaSpare(lang, LOOP[lang], { timeoutMs: 700 });
    expect(r.error).toMatchObject({ code: 'TIMEOUT', message: 'execution exceeded 700 ms' });
  });

  it('memory over the limit is OUT_OF_MEMORY', async () => {
    const r = await viaSpare(lang, HOG[lang], { timeoutMs: 5000 });
    expect(r.error?.code).toBe('OUT_OF_MEMORY');
  });

  it('runs that do not fit (other memory size, longer timeout) start a fresh sandbox', async () => {
    await spareReady(lang);
    const other = await sb.run(req(lang, SDK_SCRIPT[lang], { mode: 'script', memoryMb: 64, input: { n: 1 } }));
    expect((other.output as { file: string }).file).toContain('/code/main.');
    const long = await sb.run(req(lang, SDK_SCRIPT[lang], { mode: 'script', memoryMb: MB, timeoutMs: 60_000, input: { n: 1 } }));
    expect((long.output as { file: string }).file).toContain('/code/main.');
    expect(sb.scriptSpares(lang)).toBe(1);
  });
});

describe('with spares off', () => {
  it('script mode runs in a fresh sandbox, with no script spares', async () => {
    const off = await makeSandbox({ sparesPerLanguage: 0, spareMemoryMb: MB });
    try {
      for (const lang of LANGS) {
        const r = await off.run(req(lang, SDK_SCRIPT[lang], { mode: 'script', memoryMb: MB, input: { n: 2 } }));
        expect(r.error).toBeUndefined();
        expect(r.output).toMatchObject({ n: 4, file: expect.stringContaining('/code/main.') });
        expect(off.scriptSpares()).toBe(0);
      }
    } finally {
      await off.close();
    }
  });
});
