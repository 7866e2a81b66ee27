// Versions of code executors (warm workers replaced, rollback, cold/warm starts, drafts) and limits as seen through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeBody, ECHO, invoke, invokeOk, LANGS, putCode, SANDBOXED, type Lang } from './helpers.js';

// A module-level counter shows which worker answered: a fresh worker starts at 1.
const counter = (tag: string) => `let calls = 0;\nexport default async function handler() { calls++; return { tag: '${tag}', calls }; }\n`;

// Each raises on line 3 of the user's file.
const FAILING: Record<Lang, { source: string; type: string; file: string }> = {
  python: { source: 'def handler(input, ctx):\n    x = 1\n    raise ValueError("broken " + str(x))\n', type: 'ValueError', file: 'main.py' },
  node: { source: "export default async function handler(input, ctx) {\n  const x = 1;\n  throw new TypeError('broken ' + x);\n}\n", type: 'TypeError', file: 'main.mjs' },
  php: { source: "<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    throw new RuntimeException('broken 1');\n}\n", type: 'RuntimeException', file: 'main.php' },
};

describe('code executors: versions and limits', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('sqlite', SANDBOXED);
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('versions', () => {
    it('a saved version gets a warm worker in the background: its first call is warm; a new version or a rollback replaces it', async () => {
      const prewarmed = () => Promise.all([...s.o.code.prewarms]);
      await putCode(s, 'counter', 'node', counter('v1'));
      await prewarmed();
      const a = await invokeOk(s, 'counter');
      expect(a).toMatchObject({ output: { tag: 'v1', calls: 1 }, coldStart: false, executor: { name: 'counter', version: 1 } });
      const b = await invokeOk(s, 'counter');
      expect(b).toMatchObject({ output: { tag: 'v1', calls: 2 }, coldStart: false });

      // The new version's worker runs the new code (the old one is evicted with the version change), from its first call.
      const saved = await putCode(s, 'counter', 'node', counter('v2'));
      expect(saved.changed).toBe(true);
      await prewarmed();
      const c = await invokeOk(s, 'counter');
      expect(c).toMatchObject({ output: { tag: 'v2', calls: 1 }, coldStart: false, executor: { version: 2 } });
      expect((await invokeOk(s, 'counter')).output).toEqual({ tag: 'v2', calls: 2 });

      const rb = await s.api('POST', '/api/executors/counter/rollback', { version: 1 });
      expect(rb.status).toBe(200);
      await prewarmed();
      const d = await invokeOk(s, 'counter');
      expect(d).toMatchObject({ output: { tag: 'v1', calls: 1 }, coldStart: false, executor: { version: 1 } });
      const e = await invokeOk(s, 'counter');
      expect(e).toMatchObject({ output: { tag: 'v1', calls: 2 }, coldStart: false });
      const rows = await s.api('GET', '/api/executions?executor=counter');
      expect(rows.body.items.map((x: any) => [x.version, x.coldStart]).reverse()).toEqual([[1, false], [1, false], [2, false], [2, false], [1, false], [1, false]]);
    });

    it('POST /test runs a code draft without saving it', async () => {
      await putCode(s, 'drafted', 'python', ECHO.python);
      const draft = codeBody('drafted', 'php', '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { return ["draft" => $input["n"] * 3, "trigger" => $ctx->execution->trigger]; }\n');
      delete draft.name;
      const t = await s.api('POST', '/api/executors/drafted/test', { input: { n: 5 }, draft });
      expect(t.status).toBe(200);
      expect(t.body).toMatchObject({ status: 'ok', output: { draft: 15, trigger: 'test' }, executor: { name: 'drafted', version: null } });
      expect((await invokeOk(s, 'drafted', { n: 5 })).output).toEqual({ lang: 'python', echo: { n: 5 } });
      expect((await s.api('GET', '/api/executors/drafted/versions')).body.items).toHaveLength(1);
      const exe = await s.api('GET', `/api/executions/${t.body.executionId}`);
      expect(exe.body).toMatchObject({ trigger: 'test', version: null, type: 'code' });
    });
  });

  describe('limits', () => {
    it('an endless loop with timeoutMs 500 ends as TIMEOUT and the next invocation works', async () => {
      await putCode(s, 'looper', 'node', "export default async function handler(input) {\n  if (input.loop) for (;;) {}\n  return 'alive';\n}\n", { timeoutMs: 500 });
      const r = await invoke(s, 'looper', { loop: true });
      expect(r).toMatchObject({ status: 'error', error: { code: 'TIMEOUT' } });
      expect((await s.api('GET', `/api/executions/${r.executionId}`)).body.error.code).toBe('TIMEOUT');
      expect((await invokeOk(s, 'looper', {})).output).toBe('alive');
    });

    it.each(LANGS)('a %s RUNTIME_ERROR carries type, file and line of the user code', async (lang) => {
      const f = FAILING[lang];
      await putCode(s, `failing_${lang}`, lang, f.source);
      const r = await invoke(s, `failing_${lang}`);
      expect(r.status).toBe('error');
      expect(r.error.code).toBe('RUNTIME_ERROR');
      expect(r.error.message).toContain('broken 1');
      expect(r.error.details).toMatchObject({ type: f.type, file: f.file, line: 3 });
      expect(r.error.details.stack).toContain(f.file);
      const exe = await s.api('GET', `/api/executions/${r.executionId}`);
      expect(exe.body.error.details).toMatchObject({ type: f.type, file: f.file, line: 3 });
    });

    it('output that is not JSON is OUTPUT_INVALID (handler value and script stdout)', async () => {
      await putCode(s, 'returns_set', 'python', 'def handler(input, ctx):\n    return {1, 2}\n');
      expect((await invoke(s, 'returns_set')).error.code).toBe('OUTPUT_INVALID');
      await putCode(s, 'prints_text', 'node', "console.log('hello, not json');\n", { mode: 'script' });
      expect((await invoke(s, 'prints_text')).error.code).toBe('OUTPUT_INVALID');
    });
  });
});

describe('code executors without a sandbox (OUTRIGGER_SANDBOX=off)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 503 problem+json saying why', async () => {
    await putCode(s, 'no_sandbox', 'python', ECHO.python);
    const r = await s.api('POST', '/api/executors/no_sandbox/invoke', { input: {} });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(r.body.detail).toContain('OUTRIGGER_SANDBOX=off');
    const ready = await s.api('GET', '/readyz');
    expect(JSON.stringify(ready.body)).toContain('OUTRIGGER_SANDBOX=off');
  });
});
