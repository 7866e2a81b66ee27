// Every SDK call from real code in python, node and php through the real platform (REST API, store, events), script mode, secret redaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bindUdf, ECHO, invokeOk, LANGS, putCode, SANDBOXED, waitFor, type Lang } from './helpers.js';

const SECRET = 'sk_live_e2e_7f3a9c1d5b';

// Each handler makes every SDK call once and reports what came back; the secret is printed and returned on purpose.
const SDK_HANDLERS: Record<Lang, string> = {
  python: `
def handler(input, ctx):
    p = input["prefix"]
    ctx.log("log from python", "warn")
    s = ctx.secret("E2E_KEY")
    out = {"secretReversed": s[::-1], "secretLeak": s}
    print("printing the secret " + s)
    try:
        ctx.secret("E2E_MISSING")
        out["missing"] = None
    except Exception as e:
        out["missing"] = [type(e).__name__, e.code]
    ctx.storage.set(p + "a", {"n": 1, "lang": "python"})
    ctx.storage.set(p + "ttl", "short-lived", ttl_seconds=60)
    ctx.storage.set(p + "gone", True)
    out["got"] = ctx.storage.get(p + "a")
    out["deleted"] = ctx.storage.delete(p + "gone")
    out["list"] = sorted(o["key"] for o in ctx.storage.list(p))
    out["ticket"] = ctx.api.post("/api/tickets", {"subject": "created by " + p, "channel": "email"})["id"]
    out["executors"] = sorted(e["name"] for e in ctx.api.get("/api/executors")["items"])
    try:
        ctx.api.post("/api/tokens", {"name": "escalate", "role": "admin"})
        out["tokenError"] = None
    except Exception as e:
        out["tokenError"] = e.code
    out["udf"] = ctx.udf("double", {"n": 21})
    out["event"] = ctx.emit("e2e." + p, {"from": p})["id"]
    x = ctx.execution
    out["execution"] = {"id": x.id, "executor": x.executor_name, "version": x.version, "trigger": x.trigger}
    return out
`,
  node: `
export default async function handler(input, ctx) {
  const p = input.prefix;
  ctx.log('log from node', 'warn');
  const s = await ctx.secret('E2E_KEY');
  const out = { secretReversed: [...s].reverse().join(''), secretLeak: s };
  console.log('printing the secret ' + s);
  try { await ctx.secret('E2E_MISSING'); out.missing = null; } catch (e) { out.missing = [e.name, e.code]; }
  await ctx.storage.set(p + 'a', { n: 1, lang: 'node' });
  await ctx.storage.set(p + 'ttl', 'short-lived', 60);
  await ctx.storage.set(p + 'gone', true);
  out.got = await ctx.storage.get(p + 'a');
  out.deleted = await ctx.storage.delete(p + 'gone');
  out.list = (await ctx.storage.list(p)).map((o) => o.key).sort();
  out.ticket = (await ctx.api.post('/api/tickets', { subject: 'created by ' + p, channel: 'email' })).id;
  out.executors = (await ctx.api.get('/api/executors')).items.map((e) => e.name).sort();
  try { await ctx.api.post('/api/tokens', { name: 'escalate', role: 'admin' }); out.tokenError = null; } catch (e) { out.tokenError = e.code; }
  out.udf = await ctx.udf('double', { n: 21 });
  out.event = (await ctx.emit('e2e.' + p, { from: p })).id;
  const x = ctx.execution;
  out.execution = { id: x.id, executor: x.executorName, version: x.version, trigger: x.trigger };
  return out;
}
`,
  php: `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $p = $input['prefix'];
    $ctx->log('log from php', 'warn');
    $s = $ctx->secret('E2E_KEY');
    $out = ['secretReversed' => strrev($s), 'secretLeak' => $s];
    echo "printing the secret $s\\n";
    try { $ctx->secret('E2E_MISSING'); $out['missing'] = null; }
    catch (Outrigger\\OutriggerException $e) { $out['missing'] = [get_class($e), $e->sdkCode]; }
    $ctx->storage->set($p . 'a', ['n' => 1, 'lang' => 'php']);
    $ctx->storage->set($p . 'ttl', 'short-lived', 60);
    $ctx->storage->set($p . 'gone', true);
    $out['got'] = $ctx->storage->get($p . 'a');
    $out['deleted'] = $ctx->storage->delete($p . 'gone');
    $keys = array_map(fn($o) => $o['key'], $ctx->storage->list($p));
    sort($keys);
    $out['list'] = $keys;
    $out['ticket'] = $ctx->api->post('/api/tickets', ['subject' => 'created by ' . $p, 'channel' => 'email'])['id'];
    $names = array_map(fn($e) => $e['name'], $ctx->api->get('/api/executors')['items']);
    sort($names);
    $out['executors'] = $names;
    try { $ctx->api->post('/api/tokens', ['name' => 'escalate', 'role' => 'admin']); $out['tokenError'] = null; }
    catch (Outrigger\\OutriggerException $e) { $out['tokenError'] = $e->sdkCode; }
    $out['udf'] = $ctx->udf('double', ['n' => 21]);
    $out['event'] = $ctx->emit('e2e.' . $p, ['from' => $p])['id'];
    $x = $ctx->execution;
    $out['execution'] = ['id' => $x->id, 'executor' => $x->executorName, 'version' => $x->version, 'trigger' => $x->trigger];
    return $out;
}
`,
};

// Script mode: input on stdin, output on stdout, the SDK loaded by path from $SDK, stderr is the log.
const SCRIPTS: Record<Lang, string> = {
  python: `
import importlib.util, json, os, sys
data = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("outrigger", os.environ["SDK"])
sdk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sdk)
sdk.storage.set("script_python", data["n"])
print("script stderr python", file=sys.stderr)
print(json.dumps({"sum": data["n"] + 1, "executor": sdk.execution.executor_name}))
`,
  node: `
import fs from 'node:fs';
const data = JSON.parse(fs.readFileSync(0, 'utf8'));
const sdk = await import(process.env.SDK);
await sdk.storage.set('script_node', data.n);
console.error('script stderr node');
console.log(JSON.stringify({ sum: data.n + 1, executor: sdk.execution.executorName }));
`,
  php: `<?php
$data = json_decode(stream_get_contents(STDIN), true);
require getenv('SDK');
use Outrigger\\Sdk;
Sdk::storage()->set('script_php', $data['n']);
fwrite(STDERR, "script stderr php\\n");
echo json_encode(['sum' => $data['n'] + 1, 'executor' => Sdk::execution()->executorName]);
`,
};

describe('code executors: the SDK through the real platform', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('sqlite', SANDBOXED);
    expect((await s.api('PUT', '/api/secrets/E2E_KEY', { value: SECRET })).status).toBe(201);
    await putCode(s, 'double_impl', 'python', 'def handler(input, ctx):\n    return {"doubled": input["n"] * 2}\n');
    await bindUdf(s, 'double', 'double_impl');
    await putCode(s, 'hook_recv', 'node', ECHO.node);
    expect((await s.api('POST', '/api/event-hooks', { name: 'on_e2e', eventTypes: ['custom.e2e.*'], executor: 'hook_recv' })).status).toBe(201);
    await putCode(s, 'passes_secret', 'python', 'def handler(input, ctx):\n    return ctx.udf("echo_back", {"leak": ctx.secret("E2E_KEY")})\n');
    await putCode(s, 'echo_back_impl', 'node', "export default async function handler(input) { console.log('got ' + input.leak); return { got: input.leak }; }\n");
    await bindUdf(s, 'echo_back', 'echo_back_impl');
    await putCode(s, 'throws_secret', 'php', "<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed {\n    throw new RuntimeException('bad key ' . $ctx->secret('E2E_KEY'));\n}\n");
    for (const lang of LANGS) {
      await putCode(s, `sdk_${lang}`, lang, SDK_HANDLERS[lang]);
      await putCode(s, `script_${lang}`, lang, SCRIPTS[lang], { mode: 'script' });
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  describe.each(LANGS)('%s', (lang) => {
    it('handler mode: log, secret, storage, api, udf, emit and execution all reach the platform', async () => {
      const prefix = `${lang}_`;
      const r = await invokeOk(s, `sdk_${lang}`, { prefix });
      const out = r.output;

      // ctx.secret: the code got the real value (reversed, so that it is not redacted) and a coded error for a missing one.
      expect(out.secretReversed).toBe([...SECRET].reverse().join(''));
      expect(out.missing[1]).toBe('NOT_FOUND');
      expect(out.missing[0]).toMatch(/OutriggerError|OutriggerException/);

      // ctx.log and stdout are logs of the execution, with their levels.
      expect(r.logs.find((l: any) => l.message === `log from ${lang}`)?.level).toBe('warn');
      expect(r.logs.some((l: any) => l.message === 'printing the secret [REDACTED]')).toBe(true);

      // ctx.storage: the values landed in the workspace's storage.
      expect(out.got).toEqual({ n: 1, lang });
      expect(out.deleted).toBe(true);
      expect(out.list).toEqual([`${prefix}a`, `${prefix}ttl`]);
      const a = await s.api('GET', `/api/storage/${prefix}a`);
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ key: `${prefix}a`, value: { n: 1, lang }, expiresAt: null });
      const ttl = await s.api('GET', `/api/storage/${prefix}ttl`);
      expect(ttl.body.value).toBe('short-lived');
      const expires = Date.parse(ttl.body.expiresAt) - Date.now();
      expect(expires).toBeGreaterThan(50_000);
      expect(expires).toBeLessThanOrEqual(60_000);
      expect((await s.api('GET', `/api/storage/${prefix}gone`)).status).toBe(404);

      // ctx.api: a ticket created from code exists; the list came back; the execution token is not an admin.
      const ticket = await s.api('GET', `/api/tickets/${out.ticket}`);
      expect(ticket.status).toBe(200);
      expect(ticket.body.subject).toBe(`created by ${prefix}`);
      expect(out.executors).toEqual(expect.arrayContaining(['double_impl', 'hook_recv', `sdk_${lang}`]));
      expect(out.tokenError).toBe('FORBIDDEN');
      const tokens = await s.api('GET', '/api/tokens');
      expect(tokens.body.items.some((t: any) => t.name === 'escalate')).toBe(false);

      // ctx.udf: the bound executor ran as a child of this execution.
      expect(out.udf).toEqual({ doubled: 42 });
      const exe = await s.api('GET', `/api/executions/${r.executionId}`);
      expect(exe.body.children).toEqual([expect.objectContaining({ executor: 'double_impl', trigger: 'udf', status: 'ok' })]);

      // ctx.execution: the same id the API returned, name, version, trigger.
      expect(out.execution).toEqual({ id: r.executionId, executor: `sdk_${lang}`, version: 1, trigger: 'api' });

      // ctx.emit: a custom event from this execution, delivered to the hook.
      const ev = await s.api('GET', `/api/events/${out.event}`);
      expect(ev.status).toBe(200);
      expect(ev.body).toMatchObject({ type: `custom.e2e.${prefix}`, data: { from: prefix }, source: `execution:${r.executionId}` });
      const listed = await s.api('GET', `/api/events?type=custom.e2e.${prefix}`);
      expect(listed.body.items.map((e: any) => e.id)).toEqual([out.event]);
      const delivered = await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${out.event}`);
        return t.body.deliveries[0]?.status === 'succeeded' ? t.body.deliveries[0] : undefined;
      }, 'the hook delivery');
      expect(delivered.hook).toBe('on_e2e');
      const hookRun = await s.api('GET', `/api/executions/${delivered.attempts[0].executionId}`);
      expect(hookRun.body).toMatchObject({ executor: 'hook_recv', trigger: 'event', status: 'ok', output: { lang: 'node', echo: { type: `custom.e2e.${prefix}`, data: { from: prefix } } } });
    });

    it('script mode: stdin in, stdout out, $SDK loads the SDK, stderr is the log', async () => {
      const r = await invokeOk(s, `script_${lang}`, { n: 41 });
      expect(r.output).toEqual({ sum: 42, executor: `script_${lang}` });
      expect(r.logs.map((l: any) => l.message)).toContain(`script stderr ${lang}`);
      expect((await s.api('GET', `/api/storage/script_${lang}`)).body.value).toBe(41);
    });

    it('never shows a secret: response, execution record and stored row say [REDACTED]', async () => {
      const r = await invokeOk(s, `sdk_${lang}`, { prefix: `redact_${lang}_` });
      expect(r.output.secretLeak).toBe('[REDACTED]');
      expect(JSON.stringify(r)).not.toContain(SECRET);
      const exe = await s.api('GET', `/api/executions/${r.executionId}`);
      expect(exe.body.output.secretLeak).toBe('[REDACTED]');
      expect(exe.body.logs.map((l: any) => l.message)).toContain('printing the secret [REDACTED]');
      expect(exe.raw).not.toContain(SECRET);
      const row = await s.o.store.db.selectFrom('executions').selectAll().where('id', '=', r.executionId).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).toContain('[REDACTED]');
      expect(JSON.stringify(row)).not.toContain(SECRET);
      const listed = await s.api('GET', `/api/executions?executor=sdk_${lang}`);
      expect(listed.raw).not.toContain(SECRET);
    });
  });

  it('a secret handed to a UDF is redacted in the callee record too', async () => {
    const r = await invokeOk(s, 'passes_secret');
    expect(r.output).toEqual({ got: '[REDACTED]' });
    const tree = await s.api('GET', `/api/executions/${r.executionId}?tree=1`);
    const childId = tree.body.tree.children[0].id;
    const child = await s.api('GET', `/api/executions/${childId}`);
    expect(child.body).toMatchObject({ executor: 'echo_back_impl', input: { leak: '[REDACTED]' }, output: { got: '[REDACTED]' } });
    expect(child.body.logs.map((l: any) => l.message)).toEqual(['got [REDACTED]']);
    expect(child.raw).not.toContain(SECRET);
    const rows = await s.o.store.db.selectFrom('executions').selectAll().where('root_id', '=', r.executionId).execute();
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
  });

  it('a secret in an error message and stack is redacted', async () => {
    const r = await s.api('POST', '/api/executors/throws_secret/invoke', { input: {} });
    expect(r.body.error).toMatchObject({ code: 'RUNTIME_ERROR', message: expect.stringContaining('bad key [REDACTED]'), details: { type: 'RuntimeException', file: 'main.php', line: 3 } });
    expect(r.raw).not.toContain(SECRET);
    const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
    expect(exe.body.error.message).toContain('bad key [REDACTED]');
    expect(exe.raw).not.toContain(SECRET);
  });
});
