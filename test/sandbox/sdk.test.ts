// Every SDK call in every language, in handler and script mode, against an in-memory SdkHost and the real sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage } from '../../src/executors/sandbox/contract.js';
import { LANGS, MemoryHost, makeSandbox, req } from './helpers.js';

const HANDLERS: Record<CodeLanguage, string> = {
  python: `
def handler(input, ctx):
    ctx.log("info line")
    ctx.log("warn line", "warn")
    out = {"input": input, "secret": ctx.secret("API_KEY")}
    try:
        ctx.secret("MISSING")
    except Exception as e:
        out["missing"] = [type(e).__name__, e.code, str(e)]
    ctx.storage.set("k1", {"n": 1})
    ctx.storage.set("k2", [1, 2], ttl_seconds=60)
    out["get"] = ctx.storage.get("k1")
    out["list"] = ctx.storage.list("k")
    out["deleted"] = ctx.storage.delete("k2")
    out["list2"] = ctx.storage.list()
    out["api"] = [ctx.api.request("get", "/api/tickets"), ctx.api.get("/a"), ctx.api.post("/b", {"x": 1}),
                  ctx.api.put("/c", {"y": 2}), ctx.api.patch("/d", {"z": 3}), ctx.api.delete("/e")]
    out["udf"] = ctx.udf("double", {"n": 2})
    try:
        ctx.udf("failing", {})
    except Exception as e:
        out["udfError"] = [e.code, str(e)]
    ctx.emit("order.created", {"id": 7})
    ex = ctx.execution
    out["execution"] = {"id": ex.id, "trigger": ex.trigger, "attempt": ex.attempt, "executorName": ex.executor_name,
                        "version": ex.version, "remainingOk": 0 < ex.remaining_ms <= 7000}
    print("from print")
    return out
`,
  node: `
export default async function handler(input, ctx) {
  ctx.log('info line');
  ctx.log('warn line', 'warn');
  const out = { input, secret: await ctx.secret('API_KEY') };
  try { await ctx.secret('MISSING'); } catch (e) { out.missing = [e.name, e.code, e.message]; }
  await ctx.storage.set('k1', { n: 1 });
  await ctx.storage.set('k2', [1, 2], 60);
  out.get = await ctx.storage.get('k1');
  out.list = await ctx.storage.list('k');
  out.deleted = await ctx.storage.delete('k2');
  out.list2 = await ctx.storage.list();
  out.api = [await ctx.api.request('get', '/api/tickets'), await ctx.api.get('/a'), await ctx.api.post('/b', { x: 1 }),
    await ctx.api.put('/c', { y: 2 }), await ctx.api.patch('/d', { z: 3 }), await ctx.api.delete('/e')];
  out.udf = await ctx.udf('double', { n: 2 });
  try { await ctx.udf('failing', {}); } catch (e) { out.udfError = [e.code, e.message]; }
  await ctx.emit('order.created', { id: 7 });
  const ex = ctx.execution;
  out.execution = { id: ex.id, trigger: ex.trigger, attempt: ex.attempt, executorName: ex.executorName, version: ex.version,
    remainingOk: ex.remainingMs > 0 && ex.remainingMs <= 7000 };
  console.log('from print');
  return out;
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $ctx->log('info line');
    $ctx->log('warn line', 'warn');
    $out = ['input' => $input, 'secret' => $ctx->secret('API_KEY')];
    try { $ctx->secret('MISSING'); } catch (Outrigger\\OutriggerException $e) { $out['missing'] = [get_class($e), $e->sdkCode, $e->getMessage()]; }
    $ctx->storage->set('k1', ['n' => 1]);
    $ctx->storage->set('k2', [1, 2], 60);
    $out['get'] = $ctx->storage->get('k1');
    $out['list'] = $ctx->storage->list('k');
    $out['deleted'] = $ctx->storage->delete('k2');
    $out['list2'] = $ctx->storage->list();
    $out['api'] = [$ctx->api->request('get', '/api/tickets'), $ctx->api->get('/a'), $ctx->api->post('/b', ['x' => 1]),
        $ctx->api->put('/c', ['y' => 2]), $ctx->api->patch('/d', ['z' => 3]), $ctx->api->delete('/e')];
    $out['udf'] = $ctx->udf('double', ['n' => 2]);
    try { $ctx->udf('failing', new stdClass()); } catch (Outrigger\\OutriggerException $e) { $out['udfError'] = [$e->sdkCode, $e->getMessage()]; }
    $ctx->emit('order.created', ['id' => 7]);
    $ex = $ctx->execution;
    $out['execution'] = ['id' => $ex->id, 'trigger' => $ex->trigger, 'attempt' => $ex->attempt, 'executorName' => $ex->executorName,
        'version' => $ex->version, 'remainingOk' => $ex->remainingMs() > 0 && $ex->remainingMs() <= 7000];
    echo "from print\\n";
    return $out;
}
`,
};

const SCRIPTS: Record<CodeLanguage, string> = {
  python: `
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("outrigger", os.environ["SDK"])
sdk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sdk)
inp = sdk.input()
sdk.log("script log")
print("to stderr", file=sys.stderr)
sdk.storage.set("s", inp["n"])
sdk.emit("script.done", {"n": inp["n"]})
sdk.output({"n": inp["n"] * 2, "secret": sdk.secret("API_KEY"), "exec": sdk.execution.executor_name, "sdkEnv": os.environ["SDK"],
            "udf": sdk.udf("u", 1), "api": sdk.api.get("/x")})
`,
  node: `
const sdk = await import(process.env.SDK);
const inp = sdk.input();
sdk.log('script log');
console.error('to stderr');
await sdk.storage.set('s', inp.n);
await sdk.emit('script.done', { n: inp.n });
sdk.output({ n: inp.n * 2, secret: await sdk.secret('API_KEY'), exec: sdk.execution.executorName, sdkEnv: process.env.SDK,
  udf: await sdk.udf('u', 1), api: await sdk.api.get('/x') });
`,
  php: `<?php
require getenv('SDK');
use Outrigger\\Sdk;
$inp = Sdk::input();
Sdk::log('script log');
fwrite(STDERR, "to stderr\\n");
Sdk::storage()->set('s', $inp['n']);
Sdk::emit('script.done', ['n' => $inp['n']]);
Sdk::output(['n' => $inp['n'] * 2, 'secret' => Sdk::secret('API_KEY'), 'exec' => Sdk::execution()->executorName, 'sdkEnv' => getenv('SDK'),
  'udf' => Sdk::udf('u', 1), 'api' => Sdk::api()->get('/x')]);
`,
};

const STDOUT_SCRIPTS: Record<CodeLanguage, string> = {
  python: 'import json, sys\ndata = json.load(sys.stdin)\nprint(json.dumps({"sum": sum(data["xs"])}))\n',
  node: "import fs from 'node:fs';\nconst data = JSON.parse(fs.readFileSync(0, 'utf8'));\nconsole.log(JSON.stringify({ sum: data.xs.reduce((a, b) => a + b, 0) }));\n",
  php: '<?php\n$data = json_decode(stream_get_contents(STDIN), true);\necho json_encode(["sum" => array_sum($data["xs"])]);\n',
};

const FAILING_SCRIPTS: Record<CodeLanguage, string> = {
  python: 'import sys\nprint("bad things", file=sys.stderr)\nsys.exit(3)\n',
  node: "console.error('bad things');\nprocess.exit(3);\n",
  php: '<?php\nfwrite(STDERR, "bad things\\n");\nexit(3);\n',
};

const NOT_JSON: Record<CodeLanguage, string> = {
  python: 'print("hello, not json")\n',
  node: "console.log('hello, not json');\n",
  php: '<?php\necho "hello, not json\\n";\n',
};

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox();
});
afterAll(async () => {
  await sb.close();
});

describe.each(LANGS)('SDK in %s', (lang) => {
  it('handler mode: every call reaches the host and comes back', async () => {
    const host = new MemoryHost();
    const r = await sb.run(req(lang, HANDLERS[lang], { host, input: { a: 1 }, timeoutMs: 6000 }));
    expect(r.error).toBeUndefined();
    const out = r.output as Record<string, unknown>;
    expect(out.input).toEqual({ a: 1 });
    expect(out.secret).toBe('s3cr3t');
    expect((out.missing as string[]).slice(1)).toEqual(['NOT_FOUND', 'secret MISSING does not exist']);
    expect(String((out.missing as string[])[0])).toMatch(/OutriggerError|OutriggerException/);
    expect(out.get).toEqual({ n: 1 });
    expect(out.list).toEqual(['k1', 'k2']);
    expect(out.deleted).toBe(true);
    expect(out.list2).toEqual(['k1']);
    expect(out.api).toEqual([
      { method: 'GET', path: '/api/tickets', body: null },
      { method: 'GET', path: '/a', body: null },
      { method: 'POST', path: '/b', body: { x: 1 } },
      { method: 'PUT', path: '/c', body: { y: 2 } },
      { method: 'PATCH', path: '/d', body: { z: 3 } },
      { method: 'DELETE', path: '/e', body: null },
    ]);
    expect(out.udf).toEqual({ udf: 'double', got: { n: 2 } });
    expect(out.udfError).toEqual(['RUNTIME_ERROR', 'udf failed on purpose']);
    expect(host.events).toEqual([{ type: 'order.created', data: { id: 7 } }]);
    expect(out.execution).toEqual({ id: expect.stringMatching(/^exec-/), trigger: 'test', attempt: 1, executorName: 'test_exec', version: 3, remainingOk: true });
    expect(host.storage.get('k1')).toEqual({ n: 1 });
    expect(host.calls.find((c) => c.op === 'storage.set' && c.args.key === 'k2')?.args).toEqual({ key: 'k2', value: [1, 2], ttlSeconds: 60 });
    // stdout is a log line, never output; ctx.log keeps its level
    expect(r.logs.map((l) => [l.level, l.message])).toEqual([
      ['info', 'info line'],
      ['warn', 'warn line'],
      ['info', 'from print'],
    ]);
  });

  it('script mode: SDK loaded by path from $SDK, input(), output(), stderr as log', async () => {
    const host = new MemoryHost();
    const r = await sb.run(req(lang, SCRIPTS[lang], { mode: 'script', host, input: { n: 21 } }));
    expect(r.error).toBeUndefined();
    expect(r.coldStart).toBe(true);
    expect(r.output).toEqual({
      n: 42,
      secret: 's3cr3t',
      exec: 'test_exec',
      sdkEnv: expect.stringMatching(/\/outrigger\.(py|mjs|php)$/),
      udf: { udf: 'u', got: 1 },
      api: { method: 'GET', path: '/x', body: null },
    });
    expect(host.storage.get('s')).toBe(21);
    expect(host.events).toEqual([{ type: 'script.done', data: { n: 21 } }]);
    expect(r.logs.map((l) => l.message)).toEqual(expect.arrayContaining(['script log', 'to stderr']));
  });

  it('script mode: stdout JSON is the output', async () => {
    const r = await sb.run(req(lang, STDOUT_SCRIPTS[lang], { mode: 'script', input: { xs: [1, 2, 3] } }));
    expect(r).toMatchObject({ status: 'ok', output: { sum: 6 } });
  });

  it('script mode: non-zero exit is RUNTIME_ERROR carrying stderr', async () => {
    const r = await sb.run(req(lang, FAILING_SCRIPTS[lang], { mode: 'script' }));
    expect(r.status).toBe('error');
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toContain('bad things');
    expect(r.error?.message).toContain('exit code 3');
  });

  it('script mode: stdout that is not JSON is OUTPUT_INVALID', async () => {
    const r = await sb.run(req(lang, NOT_JSON[lang], { mode: 'script' }));
    expect(r.error?.code).toBe('OUTPUT_INVALID');
  });
});
