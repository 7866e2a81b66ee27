// Missing isolation: createSandbox refuses to run code, unless allowUnsandboxed is set (then it says so loudly).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/executors/sandbox/index.js';
import { MemoryHost, req, tempDir } from './helpers.js';

// No bwrap and no prlimit on this PATH: the machine looks like one without isolation (this file runs in its own fork).
const savedPath = process.env.PATH;
process.env.PATH = '/nonexistent';
const dirs = [tempDir('outrigger-data-'), tempDir('outrigger-data-')];
afterAll(() => {
  process.env.PATH = savedPath;
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('without isolation', () => {
  it('createSandbox throws a clear error', async () => {
    await expect(createSandbox({ dataDir: dirs[0]!, logger: { info() {}, warn() {}, error() {} } })).rejects.toThrow(
      /refusing to run code without isolation: bubblewrap \(bwrap\) not found/,
    );
  });

  it('allowUnsandboxed runs code, logs an error at start and reports it in capabilities', async () => {
    const errors: string[] = [];
    const sb = await createSandbox({ dataDir: dirs[1]!, allowUnsandboxed: true, logger: { info() {}, warn() {}, error: (m) => errors.push(m) } });
    try {
      expect(errors.join()).toMatch(/NOT isolated/);
      expect(sb.capabilities()).toMatchObject({ isolated: false, unsandboxed: true });
      const host = new MemoryHost();
      const r = await sb.run(req('python', 'def handler(input, ctx):\n    return {"x": input["x"], "s": ctx.secret("API_KEY")}\n', { input: { x: 1 }, host }));
      expect(r).toMatchObject({ status: 'ok', output: { x: 1, s: 's3cr3t' } });
      const s = await sb.run(req('node', 'const sdk = await import(process.env.SDK);\nsdk.output({ n: sdk.input().n + 1 });\n', { mode: 'script', input: { n: 1 }, memoryMb: 128 }));
      expect(s).toMatchObject({ status: 'ok', output: { n: 2 } });
      const t = await sb.run(req('python', 'import time\ndef handler(input, ctx):\n    time.sleep(30)\n', { timeoutMs: 300 }));
      expect(t.error?.code).toBe('TIMEOUT');
    } finally {
      await sb.close();
    }
  });
});
