// Nested work started by real code in the sandbox: ctx.api invocations are children of the calling execution
// (tree, depth limit, shared deadline), a hook that re-emits its own event stops at the causation limit with a
// trace entry, and the execution's token changes no configuration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { invokeOk, putCode, SANDBOXED, waitFor } from '../e2e/helpers.js';
import { expectHealthy } from './helpers.js';

const MAX_DEPTH = 2;
const MAX_EVENT_DEPTH = 3;

// Invokes the executor named first in `rest` through the platform API with the remainder, reporting what came back.
const HOP = `
export default async function handler(input, ctx) {
  const [next, ...rest] = input.rest ?? [];
  if (!next) return { at: ctx.execution.executorName, id: ctx.execution.id };
  const r = await ctx.api.post('/api/executors/' + next + '/invoke', { input: { rest } });
  return { at: ctx.execution.executorName, id: ctx.execution.id, next: r };
}
`;

// Re-emits the event type it is hooked to, counting how often.
const LOOPER = `
export default async function handler(input, ctx) {
  await ctx.emit('loop', { n: (input.data?.n ?? 0) + 1 });
  return { n: input.data?.n ?? 0 };
}
`;

// Tries to change configuration through ctx.api; reports each answer's code.
const MEDDLER = `
def handler(input, ctx):
    out = {}
    attempts = {
        "disableHook": ("POST", "/api/event-hooks/looped/disable", None),
        "replaceExecutor": ("PUT", "/api/executors/hop0", {"name": "hop0", "type": "apiCall", "apiCall": {"method": "GET", "url": "https://example.com"}}),
        "bindUdf": ("POST", "/api/udfs", {"name": "planted", "executor": "hop0"}),
        "setSecret": ("PUT", "/api/secrets/PLANTED", {"value": "x"}),
        "mintToken": ("POST", "/api/tokens", {"name": "escalate", "role": "admin"}),
        "newHook": ("POST", "/api/event-hooks", {"name": "planted", "eventTypes": ["custom.x"], "executor": "hop0"}),
        "storage": ("PUT", "/api/storage/from-code", {"value": 1}),
        "ticket": ("POST", "/api/tickets", {"subject": "from code", "channel": "email"}),
    }
    for key, (method, path, body) in attempts.items():
        try:
            ctx.api.request(method, path, body)
            out[key] = "ok"
        except Exception as e:
            out[key] = getattr(e, "code", repr(e))
    out["me"] = ctx.api.get("/api/me")["role"]
    return out
`;

// Tries to leave /api with dot segments (plain, encoded, backslashes) to reach /metrics, /readyz or /mcp.
const ESCAPER = `
export default async function handler(input, ctx) {
  const out = {};
  for (const p of ['/api/../metrics', '/api/%2e%2e/readyz', '/../mcp', '/api/..%2F..%2Fmetrics', '/api\\\\..\\\\metrics', '/apix/../healthz']) {
    try { await ctx.api.get(p); out[p] = 'ok'; } catch (e) { out[p] = e.code; }
  }
  out.normal = (await ctx.api.get('/api/executors/../executors')).items.length > 0;
  return out;
}
`;

describe('nested work from real code', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('sqlite', { ...SANDBOXED, maxNestingDepth: MAX_DEPTH, maxEventDepth: MAX_EVENT_DEPTH });
    for (let i = 0; i <= MAX_DEPTH + 1; i++) await putCode(s, `hop${i}`, 'node', HOP);
    await putCode(s, 'impatient', 'python', 'def handler(input, ctx):\n    return ctx.api.post("/api/executors/sleepy/invoke", {"input": {}})\n', { timeoutMs: 2000 });
    await putCode(s, 'sleepy', 'node', 'export default async function handler() { await new Promise((r) => setTimeout(r, 20000)); return "late"; }\n', { timeoutMs: 60_000 });
    await putCode(s, 'looper', 'node', LOOPER);
    await putCode(s, 'meddler', 'python', MEDDLER);
    await putCode(s, 'escaper', 'node', ESCAPER);
    expect((await s.api('POST', '/api/event-hooks', { name: 'looped', eventTypes: ['custom.loop'], executor: 'looper', retry: { attempts: 1 } })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await s.close();
  });

  it(`ctx.api invocations are children of the caller, refused past depth ${MAX_DEPTH}`, async () => {
    const r = await invokeOk(s, 'hop0', { rest: ['hop1', 'hop2', 'hop3'] });
    const top = r.output;
    expect(top.at).toBe('hop0');
    expect(top.next.status).toBe('ok');
    expect(top.next.output.next.status).toBe('ok');
    // hop3 would be depth 3: refused, and hop2 sees the refusal as the answer of its invoke.
    const refused = top.next.output.next.output.next;
    expect(refused).toMatchObject({ status: 'error', error: { code: 'LIMIT_EXCEEDED', details: { depth: MAX_DEPTH + 1 } } });
    const tree = (await s.api('GET', `/api/executions/${r.executionId}?tree=1`)).body.tree;
    expect(tree).toMatchObject({
      executor: 'hop0', trigger: 'api',
      children: [{ executor: 'hop1', trigger: 'api', children: [{ executor: 'hop2', children: [{ executor: 'hop3', status: 'error', errorCode: 'LIMIT_EXCEEDED', children: [] }] }] }],
    });
    expect((await s.api('GET', `/api/executions?rootId=${r.executionId}`)).body.items).toHaveLength(4);
    await expectHealthy(s);
  }, 60_000);

  it('a ctx.api invocation shares the caller’s deadline', async () => {
    const r = await s.api('POST', '/api/executors/impatient/invoke', { input: {} });
    expect(r.body.status).toBe('error');
    const child = await waitFor(async () => (await s.api('GET', `/api/executions?rootId=${r.body.executionId}&executor=sleepy`)).body.items[0], 'the child record');
    // sleepy may run 60 s and sleeps 20 s, so on its own it would have answered "late": TIMEOUT is its caller's 2 s.
    expect(child).toMatchObject({ executor: 'sleepy', status: 'error', errorCode: 'TIMEOUT', parentId: r.body.executionId });
    await expectHealthy(s);
  }, 60_000);

  it(`a hook that re-emits its own event stops at causation depth ${MAX_EVENT_DEPTH}, with a trace entry`, async () => {
    const first = await s.api('POST', '/api/events', { type: 'custom.loop', data: { n: 0 } });
    expect(first.status).toBe(201);
    // Depths 0, 1, 2 run; the event at depth 3 is written but its delivery is not run.
    const last = await waitFor(async () => {
      const list = (await s.api('GET', '/api/events?type=custom.loop')).body.items;
      const deepest = list.length >= MAX_EVENT_DEPTH + 1 ? (await s.api('GET', `/api/events/${list[0].id}`)).body : null;
      return deepest?.deliveries[0]?.status === 'dead' ? deepest : null;
    }, 'the refused delivery at the causation limit', 60_000);
    expect(last).toMatchObject({ causationDepth: MAX_EVENT_DEPTH, data: { n: MAX_EVENT_DEPTH }, source: expect.stringMatching(/^execution:exe_/) });
    expect(last.deliveries[0].lastError).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('does a hook re-trigger itself?') });
    expect(last.deliveries[0].attempts[0].executionId).toBeNull();
    // The depth-2 run emits before it ends, so its own record may land just after the refusal.
    const runs = await waitFor(async () => {
      const items = (await s.api('GET', '/api/executions?executor=looper')).body.items;
      return items.length >= MAX_EVENT_DEPTH ? items : null;
    }, 'the three looper runs');
    expect(runs).toHaveLength(MAX_EVENT_DEPTH);
    expect(runs.every((e: any) => e.status === 'ok')).toBe(true);
    const chain = (await s.api('GET', '/api/events?type=custom.loop')).body.items;
    expect(chain.map((e: any) => e.causationDepth)).toEqual([3, 2, 1, 0]);
    await expectHealthy(s);
  }, 90_000);

  it('ctx.api stays under /api: dot segments cannot reach /metrics, /readyz or /mcp', async () => {
    const r = await invokeOk(s, 'escaper');
    expect(r.output).toEqual({
      '/api/../metrics': 'INVALID_ARGUMENTS', '/api/%2e%2e/readyz': 'INVALID_ARGUMENTS', '/../mcp': 'INVALID_ARGUMENTS',
      // Encoded slashes are no separators: an unknown route under /api.
      '/api/..%2F..%2Fmetrics': 'NOT_FOUND',
      '/api\\..\\metrics': 'INVALID_ARGUMENTS', '/apix/../healthz': 'INVALID_ARGUMENTS',
      normal: true,
    });
    await expectHealthy(s);
  }, 60_000);

  it('the execution’s token changes no configuration: hooks, executors, bindings, secrets, tokens', async () => {
    const r = await invokeOk(s, 'meddler');
    expect(r.output).toEqual({
      disableHook: 'FORBIDDEN', replaceExecutor: 'FORBIDDEN', bindUdf: 'FORBIDDEN', setSecret: 'FORBIDDEN', mintToken: 'FORBIDDEN', newHook: 'FORBIDDEN',
      storage: 'ok', ticket: 'ok', me: 'execution',
    });
    expect((await s.api('GET', '/api/event-hooks/looped')).body.enabled).toBe(true);
    expect((await s.api('GET', '/api/executors/hop0')).body.type).toBe('code');
    expect((await s.api('GET', '/api/secrets')).body.items).toEqual([]);
    expect((await s.api('GET', '/api/udfs')).body.items).toEqual([]);
    await expectHealthy(s);
  }, 60_000);
});
