// API additions for the console: permissions in /api/me, language in the executor list, per-executor and dashboard
// figures aggregated in the database, and the streamed test run (log lines arrive while the code still runs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ECHO = { name: 'echo', type: 'apiCall', apiCall: { method: 'GET', url: 'http://127.0.0.1:1/none' } };

describe.each(DIALECTS)('console API (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  it('/api/me carries the permissions of the role', async () => {
    const admin = await s.api('GET', '/api/me');
    expect(admin.body.permissions).toEqual(expect.arrayContaining(['read', 'executors:write', 'admin']));
    const t = await s.api('POST', '/api/tokens', { name: 'look', role: 'viewer' });
    const viewer = await s.api('GET', '/api/me', undefined, t.body.token);
    expect(viewer.body.role).toBe('viewer');
    expect(viewer.body.permissions).toEqual(['read']);
  });

  it('figures are zero on an empty workspace and count executions per executor once they exist', async () => {
    const empty = await s.api('GET', '/api/stats/dashboard');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ perMinute: [], lastHour: [], queue: { queued: 0, running: 0 }, deadLetters: 0 });

    expect((await s.api('POST', '/api/executors', ECHO)).status).toBe(201);
    const list = await s.api('GET', '/api/executors');
    expect(list.body.items[0]).toMatchObject({ name: 'echo', type: 'apiCall', language: null });
    // Nothing listens on port 1: each invocation is an error execution.
    for (let i = 0; i < 3; i++) expect((await s.api('POST', '/api/executors/echo/invoke', { input: {} })).body.status).toBe('error');

    const stats = await s.api('GET', '/api/stats/executors?windowMinutes=60');
    expect(stats.status).toBe(200);
    const echo = stats.body.items.find((x: { executor: string }) => x.executor === 'echo');
    expect(echo).toMatchObject({ invocations: 3, errors: 3, errorRate: 1, lastStatus: 'error' });
    expect(echo.p95Ms).toBeGreaterThanOrEqual(echo.p50Ms);
    const dash = await s.api('GET', '/api/stats/dashboard');
    expect(dash.body.perMinute.reduce((n: number, m: { invocations: number }) => n + m.invocations, 0)).toBe(3);
    expect(dash.body.lastDay).toEqual([expect.objectContaining({ executor: 'echo', invocations: 3, errors: 3 })]);
    expect((await s.api('GET', '/api/stats/executors?windowMinutes=0')).status).toBe(400);
  });
});

describe('streamed test run (sandboxed Python)', () => {
  let s: TestServer;
  let base: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { sandbox: 'required', sandboxSpares: 0 });
    base = await s.o.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => s.close());

  // The code logs, then waits until the test has seen that line and written a storage key: only a stream lets it finish.
  const draft = {
    type: 'code', timeoutMs: 20_000,
    code: { language: 'python', source: 'def handler(input, ctx):\n    ctx.log("started " + input["who"])\n    while ctx.storage.get("go") is None:\n        pass\n    ctx.log("done")\n    return {"ok": True}\n' },
  };

  it('sends each log line while the code runs, then the result', async () => {
    const res = await fetch(`${base}/api/executors/draft-only/test/stream`, {
      method: 'POST', headers: { authorization: `Bearer ${s.o.config.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ draft, input: { who: 'me' } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events: { event: string; data: any }[] = [];
    let released = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)![1]!;
        events.push({ event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) });
      }
      if (!released && events.some((e) => e.event === 'log' && e.data.message === 'started me')) {
        released = true;
        expect((await s.api('PUT', '/api/storage/go', { value: 1 })).status).toBeLessThan(300);
      }
    }
    expect(released).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['log', 'log', 'result']);
    expect(events[2]!.data).toMatchObject({ status: 'ok', output: { ok: true } });
    expect(events[2]!.data.logs.map((l: { message: string }) => l.message)).toEqual(['started me', 'done']);
  });

  it('a request that cannot run is an ordinary problem+json answer, not a stream', async () => {
    const res = await fetch(`${base}/api/executors/nope/test/stream`, {
      method: 'POST', headers: { authorization: `Bearer ${s.o.config.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ input: {} }),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
