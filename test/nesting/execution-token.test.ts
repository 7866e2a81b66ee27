// The token a running execution uses for ctx.api reads, invokes, works on tickets, storage and events, and changes
// no configuration: every other mutating route of the OpenAPI document answers 403 to it, and it dies with its run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectHealthy, fakeRunningExecution, type FakeExecution } from './helpers.js';

// What README promises running code may do (besides reading): invoke, tickets and the host model, storage, events.
const ALLOWED = new Set([
  'POST /api/executors/{name}/invoke', 'POST /api/webhooks/{name}/call', 'POST /api/udfs/{name}/call', 'POST /api/ai/tools/{name}/call',
  'POST /api/ai/agents/{name}/chat', 'POST /api/agents/{name}/run', 'POST /api/tickets/{id}/autoexecute',
  'POST /api/customer-recognition/search', 'POST /api/customer-recognition/link',
  'POST /api/events', 'POST /api/events/batch',
  'POST /api/tickets', 'PATCH /api/tickets/{id}', 'POST /api/tickets/{id}/replies', 'POST /api/tickets/{id}/replies/{replyId}/retry', 'POST /api/tickets/{id}/forward',
  'POST /api/profiles', 'PATCH /api/profiles/{id}', 'DELETE /api/profiles/{id}', 'POST /api/conversations',
  'PUT /api/storage/{key}', 'DELETE /api/storage/{key}',
]);

for (const dialect of DIALECTS) {
  describe(`the execution token on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    let exe: FakeExecution;
    let routes: Array<{ method: string; path: string }>;

    beforeAll(async () => {
      up = await startUpstream((_req, res) => json(res, 200, { ok: true }));
      s = await startTestServer(dialect);
      await s.api('PUT', '/api/executors/target', { name: 'target', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/t` } });
      expect((await s.api('POST', '/api/event-hooks', { name: 'h', eventTypes: ['custom.x'], executor: 'target' })).status).toBe(201);
      exe = await fakeRunningExecution(s);
      await s.o.app.ready();
      const doc = s.o.app.swagger() as { paths: Record<string, Record<string, unknown>> };
      routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'get').map((m) => ({ method: m.toUpperCase(), path })));
    });
    afterAll(async () => {
      exe.end();
      await s.close();
      await up.close();
    });

    it('is refused (403) by every route that changes configuration, and only by those', async () => {
      const refused: string[] = [];
      const passed: string[] = [];
      for (const r of routes) {
        const url = r.path.replace(/\{[^}]+\}/g, 'h');
        const res = await s.api(r.method, url, r.method === 'DELETE' ? undefined : {}, exe.token);
        (res.status === 403 ? refused : passed).push(`${r.method} ${r.path}`);
        if (res.status === 403) expect(res.body.code).toBe('FORBIDDEN');
      }
      expect(passed.sort()).toEqual([...ALLOWED].filter((k) => routes.some((r) => `${r.method} ${r.path}` === k)).sort());
      // The ones the issue names, explicitly: hooks, bindings, executors, secrets, tokens.
      for (const k of ['POST /api/event-hooks/{name}/disable', 'POST /api/event-hooks/{name}/enable', 'PUT /api/event-hooks/{name}', 'POST /api/events/{id}/replay',
        'POST /api/webhooks', 'PUT /api/udfs/{name}', 'POST /api/ai/tools', 'PUT /api/executors/{name}', 'POST /api/executors/{name}/rollback', 'POST /api/executors/{name}/test',
        'PUT /api/secrets/{name}', 'POST /api/tokens', 'DELETE /api/tokens/{id}', 'POST /api/workspaces', 'PUT /api/settings/tickets']) {
        expect(refused, k).toContain(k);
      }
      // Nothing changed: the hook is still enabled, no secret or token appeared.
      expect((await s.api('GET', '/api/event-hooks/h')).body.enabled).toBe(true);
      expect((await s.api('GET', '/api/secrets')).body.items).toEqual([]);
      await expectHealthy(s);
    });

    it('reads, invokes and works on tickets and storage; /api/me shows the execution role', async () => {
      expect((await s.api('GET', '/api/me', undefined, exe.token)).body).toMatchObject({ role: 'execution', tokenName: `execution:${exe.call.executionId}` });
      expect((await s.api('GET', '/api/executors', undefined, exe.token)).status).toBe(200);
      expect((await s.api('POST', '/api/executors/target/invoke', { input: {} }, exe.token)).body.status).toBe('ok');
      expect((await s.api('POST', '/api/tickets', { subject: 'from code', channel: 'email' }, exe.token)).status).toBe(201);
      expect((await s.api('PUT', '/api/storage/k', { value: 1 }, exe.token)).status).toBe(200);
    });

    it('is refused by /mcp, where calls would not be nested under the execution', async () => {
      const r = await s.o.app.inject({ method: 'POST', url: '/mcp', headers: { authorization: `Bearer ${exe.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        payload: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} } });
      expect(r.statusCode).toBe(403);
      expect(JSON.parse(r.body).detail).toMatch(/may not use \/mcp/);
      await expectHealthy(s);
    });

    it('cannot be given to a token through the API', async () => {
      const r = await s.api('POST', '/api/tokens', { name: 'sneaky', role: 'execution' });
      expect(r.status).toBe(400);
    });

    it('stops working when its execution ends, before it expires', async () => {
      const short = await fakeRunningExecution(s);
      expect((await s.api('GET', '/api/executors', undefined, short.token)).status).toBe(200);
      short.end();
      const r = await s.api('GET', '/api/executors', undefined, short.token);
      expect(r.status).toBe(401);
      expect(r.body.detail).toMatch(/execution this token belongs to has ended/);
      await expectHealthy(s);
    });
  });
}
