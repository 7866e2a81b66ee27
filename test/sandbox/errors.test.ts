// Uncaught errors point into the user's file and line; warm/cold flags; recycling after errors, N invocations and evict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage } from '../../src/executors/sandbox/contract.js';
import { ECHO, LANGS, makeSandbox, req } from './helpers.js';

/** Line 4 throws, one call away from the handler, so the stack has two user frames. */
const THROWING: Record<CodeLanguage, { src: string; type: RegExp }> = {
  python: { src: 'def helper(x):\n    if x:\n        pass\n    raise ValueError("boom " + str(x))\n\ndef handler(input, ctx):\n    return helper(input.get("n"))\n', type: /^ValueError$/ },
  node: { src: 'function helper(x) {\n  if (x) {\n  }\n  throw new RangeError("boom " + x);\n}\nexport default async function handler(input, ctx) {\n  return helper(input.n);\n}\n', type: /^RangeError$/ },
  php: { src: '<?php\nfunction helper($x) {\n    if ($x) {}\n    throw new InvalidArgumentException("boom " . $x);\n}\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    return helper($input["n"]);\n}\n', type: /^InvalidArgumentException$/ },
};

const SYNTAX: Record<CodeLanguage, string> = {
  python: 'def handler(input, ctx):\n    return (\n\n\nx = = 1\n',
  node: 'export default async function handler(input, ctx) {\n  return 1;\n}\nconst = 5;\n',
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    return 1;\n}\n$x = ;\n',
};

/** Counts invocations in process memory: shows whether the same worker served. */
const COUNTER: Record<CodeLanguage, string> = {
  python: 'n = 0\ndef handler(input, ctx):\n    global n\n    n += 1\n    if input.get("fail"):\n        raise RuntimeError("fail")\n    return n\n',
  node: 'let n = 0;\nexport default async function handler(input) {\n  n += 1;\n  if (input.fail) throw new Error("fail");\n  return n;\n}\n',
  php: '<?php\n$GLOBALS["n"] = 0;\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    $GLOBALS["n"]++;\n    if (!empty($input["fail"])) throw new RuntimeException("fail");\n    return $GLOBALS["n"];\n}\n',
};

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ maxInvocationsPerWorker: 3 });
});
afterAll(async () => {
  await sb.close();
});

describe.each(LANGS)('errors and warm workers in %s', (lang) => {
  it('uncaught error: RUNTIME_ERROR with type, message and the user file and line', async () => {
    const r = await sb.run(req(lang, THROWING[lang].src, { input: { n: 7 } }));
    expect(r.status).toBe('error');
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toBe('boom 7');
    const d = r.error?.details as { type: string; file: string; line: number; stack: string };
    expect(d.type).toMatch(THROWING[lang].type);
    expect(d.file).toMatch(/^main\.(py|mjs|php)$/);
    expect(d.line).toBe(4);
    expect(d.stack).toMatch(/main\.(py|mjs|php)["(:,]+\s*(line )?4/);
    expect(d.stack).not.toMatch(/_bootstrap|outrigger\.(py|mjs|php)/);
  });

  it('syntax error: RUNTIME_ERROR naming the user file and line', async () => {
    const r = await sb.run(req(lang, SYNTAX[lang]));
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    const d = r.error?.details as { type: string; file?: string; line?: number; stack: string };
    expect(d.type).toMatch(/SyntaxError|ParseError/);
    expect(d.file).toMatch(/^main\.(py|mjs|php)$/);
    expect(d.line).toBeGreaterThanOrEqual(2);
    expect(d.line).toBeLessThanOrEqual(5);
  });

  it('cold first, warm after; recycled after an error and after maxInvocationsPerWorker', async () => {
    const base = req(lang, COUNTER[lang]);
    const run = (input: unknown) => sb.run({ ...base, input, execution: { ...base.execution, deadline: Date.now() + 10_000 } });
    const a = await run({});
    const b = await run({});
    expect([a.coldStart, a.output, b.coldStart, b.output]).toEqual([true, 1, false, 2]);
    const failed = await run({ fail: true });
    expect(failed.error?.code).toBe('RUNTIME_ERROR');
    const c = await run({});
    expect([c.coldStart, c.output]).toEqual([true, 1]); // a fresh worker after the error
    await run({});
    await run({}); // third invocation of this worker: limit 3 reached
    const d = await run({});
    expect([d.coldStart, d.output]).toEqual([true, 1]);
  });

  it('evict drops the warm worker of a pool', async () => {
    const base = req(lang, COUNTER[lang]);
    expect((await sb.run(base)).output).toBe(1);
    expect((await sb.run({ ...base, execution: { ...base.execution, deadline: Date.now() + 10_000 } })).output).toBe(2);
    await sb.evict(base.poolKey);
    const r = await sb.run({ ...base, execution: { ...base.execution, deadline: Date.now() + 10_000 } });
    expect([r.coldStart, r.output]).toEqual([true, 1]);
  });

  it('a value that is not JSON is OUTPUT_INVALID', async () => {
    const src = { python: 'def handler(input, ctx):\n    return {"x": float("nan"), "s": {1, 2}}\n', node: 'export default async () => ({ big: 10n });\n', php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["x" => NAN]; }\n' }[lang];
    const r = await sb.run(req(lang, src));
    expect(r.error?.code).toBe('OUTPUT_INVALID');
  });

  it('a handler that does not exist is a clear RUNTIME_ERROR', async () => {
    const r = await sb.run(req(lang, lang === 'php' ? '<?php\n$x = 1;\n' : lang === 'node' ? 'export const x = 1;\n' : 'x = 1\n'));
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toMatch(/handler/);
  });

  it('echo works (sanity for the other suites)', async () => {
    expect((await sb.run(req(lang, ECHO[lang], { input: { q: 1 } }))).output).toEqual({ echo: { q: 1 } });
  });
});

const SCRIPT_THROWING: Record<CodeLanguage, string> = {
  python: 'import os\nx = 1\n\nraise ValueError("script boom")\n',
  node: 'const x = 1;\n\n\nthrow new RangeError("script boom");\n',
  php: '<?php\n$x = 1;\n\nthrow new DomainException("script boom");\n',
};

describe.each(LANGS)('script errors in %s', (lang) => {
  it('an uncaught error in a script is RUNTIME_ERROR with type, message, stderr and the user line', async () => {
    const r = await sb.run(req(lang, SCRIPT_THROWING[lang], { mode: 'script' }));
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toBe('script boom');
    const d = r.error?.details as { type: string; file: string; line: number; stderr: string };
    expect(d.type).toMatch(/ValueError|RangeError|DomainException/);
    expect([d.file, d.line]).toEqual([expect.stringMatching(/^main\.(py|mjs|php)$/), 4]);
    expect(d.stderr).toContain('script boom');
  });
});

describe('python specifics', () => {
  it('an async def handler is awaited', async () => {
    const r = await sb.run(req('python', 'import asyncio\nasync def handler(input, ctx):\n    await asyncio.sleep(0.01)\n    return {"async": True, "secret": ctx.secret("API_KEY")}\n'));
    expect(r.output).toEqual({ async: true, secret: 's3cr3t' });
  });
});
