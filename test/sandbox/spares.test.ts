// Pre-started spare workers: a new pool's first invocation is served by an already running interpreter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage } from '../../src/executors/sandbox/contract.js';
import { waitFor } from '../helpers/wait.js';
import { LANGS, makeSandbox, MemoryHost, req } from './helpers.js';

const SRC: Record<CodeLanguage, string> = {
  python: 'import os\ndef handler(input, ctx):\n    if input.get("fail"):\n        raise KeyError("nope")\n    return {"file": __file__, "secret": ctx.secret("API_KEY")}\n',
  node: 'export default async function handler(input, ctx) {\n  if (input.fail) {\n    throw new TypeError("nope");\n  }\n  return { file: import.meta.url, secret: await ctx.secret("API_KEY") };\n}\n',
  php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    if (!empty($input["fail"])) {\n        throw new LogicException("nope");\n    }\n    return ["file" => __FILE__, "secret" => $ctx->secret("API_KEY")];\n}\n',
};

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ sparesPerLanguage: 1, spareMemoryMb: 96 });
});
afterAll(async () => {
  await sb.close();
});

/** Spares start in the background; polls the worker count (the start has no event to wait for from outside). */
async function sparesReady(n: number): Promise<void> {
  await waitFor(() => sb.size() >= n, `${n} spare workers`, 15_000, 10);
}

describe.each(LANGS)('spares in %s', (lang) => {
  it('the first invocation of a new pool runs on a spare, the code loaded from the channel', async () => {
    await sparesReady(3);
    const host = new MemoryHost();
    const r = await sb.run(req(lang, SRC[lang], { memoryMb: 96, host }));
    expect(r.error).toBeUndefined();
    // A spare got its code over the channel into its own /tmp; a worker started for the pool has it at /code.
    expect(r).toMatchObject({ status: 'ok', coldStart: true, output: { secret: 's3cr3t', file: expect.stringContaining('/tmp/.outrigger/main.') } });
  });

  it('errors on a spare still point to main.* and its line', async () => {
    await sparesReady(3);
    const r = await sb.run(req(lang, SRC[lang], { memoryMb: 96, input: { fail: true } }));
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    const d = r.error?.details as { file: string; line: number; stack: string };
    expect(d.file).toMatch(/^main\.(py|mjs|php)$/);
    expect(d.line).toBe(lang === 'python' ? 4 : lang === 'node' ? 3 : 4);
    expect(d.stack).not.toContain('/tmp/.outrigger');
  });

  it('requests that do not fit (other memory size) start their own worker', async () => {
    const r = await sb.run(req(lang, SRC[lang], { memoryMb: 64 }));
    expect(r).toMatchObject({ status: 'ok', coldStart: true, output: { file: expect.stringContaining('/code/main.') } });
  });
});
