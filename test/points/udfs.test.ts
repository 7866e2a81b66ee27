// UDFs: the library CRUD, calls through the API, the SDK resolver, and the nested-call rules of InvokeService
// (depth limit, cycle refusal, shared deadline, one execution tree shown by GET /api/executions/{id}?tree=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { MAX_UDF_DEPTH, type ParentCall } from '../../src/executors/invoke.service.js';

for (const dialect of DIALECTS) {
  describe(`UDFs on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    let ws: string;
    beforeAll(async () => {
      up = await startUpstream((req, res) => {
        if (req.url.startsWith('/slow')) return;
        if (req.url.startsWith('/boom')) return json(res, 503, { error: 'down' });
        json(res, 200, { from: req.url, got: req.body ? JSON.parse(req.body) : null });
      });
      s = await startTestServer(dialect);
      ws = s.o.defaultWorkspaceId;
      for (const [name, path, timeoutMs] of [['a', '/a', 10_000], ['b', '/b', 10_000], ['c', '/c', 10_000], ['slow', '/slow', 60_000], ['boom', '/boom', 10_000]] as const) {
        expect((await s.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}${path}` }, timeoutMs })).status).toBe(201);
      }
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    it('library CRUD and the executor check', async () => {
      const c = await s.api('POST', '/api/udfs', { name: 'format_iban', executor: 'a', description: 'formats an IBAN' });
      expect(c.status).toBe(201);
      expect(c.body).toEqual({ name: 'format_iban', executor: 'a', description: 'formats an IBAN', createdAt: expect.any(String), updatedAt: expect.any(String) });
      expect((await s.api('POST', '/api/udfs', { name: 'x', executor: 'missing' })).body.errors[0].field).toBe('/executor');
      expect((await s.api('GET', '/api/udfs')).body.items.map((u: any) => u.name)).toEqual(['format_iban']);
      expect((await s.api('PUT', '/api/udfs/format_iban', { executor: 'b', description: 'v2' })).status).toBe(200);
      expect((await s.api('GET', '/api/udfs/format_iban')).body.executor).toBe('b');
      const del = await s.api('DELETE', '/api/executors/b');
      expect(del.status).toBe(409);
      expect(del.body.bindings).toEqual(['udf format_iban']);
      expect((await s.api('POST', '/api/udfs', { name: 'boom', executor: 'boom' })).status).toBe(201);
    });

    it('calls a UDF through the API (trigger udf) and surfaces its error like a webhook', async () => {
      const r = await s.api('POST', '/api/udfs/format_iban/call', { input: { iban: 'DE89370400440532013000' } });
      expect(r.status).toBe(200);
      expect(r.body.output).toMatchObject({ from: '/b', got: { iban: 'DE89370400440532013000' } });
      const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
      expect(exe.body).toMatchObject({ trigger: 'udf', triggerRef: 'format_iban' });
      const bad = await s.api('POST', '/api/udfs/boom/call', { input: {} });
      expect(bad.status).toBe(502);
      expect(bad.body).toMatchObject({ code: 'UPSTREAM_ERROR', executionId: expect.any(String), udf: 'boom' });
      expect((await s.api('POST', '/api/udfs/none/call', { input: {} })).status).toBe(404);
      expect((await s.api('POST', '/api/udfs/format_iban/call', { input: 'x' })).status).toBe(400);
    });

    it('the SDK resolver maps UDF names to executors', async () => {
      const { udfResolver } = await import('../../src/points/udfs/udfs.plugin.js');
      const resolve = udfResolver(s.o.udfs);
      expect(await resolve(ws, 'format_iban')).toBe('b');
      expect(await resolve(ws, 'unknown')).toBeUndefined();
    });

    const root = async (name: string) => {
      const r = await s.o.invoker.invoke({ workspaceId: ws, executorName: name, input: {}, trigger: 'api' });
      expect(r.status).toBe('ok');
      return r;
    };
    const parentOf = (executionId: string, rootId: string, depth: number, callPath: string[], deadline = Date.now() + 10_000): ParentCall => ({ executionId, rootId, depth, deadline, callPath });

    it('a chain of three nested calls is one tree (GET /api/executions/{id}?tree=1)', async () => {
      const ra = await root('a');
      const rb = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'b', input: { n: 1 }, trigger: 'udf', triggerRef: 'b', parent: parentOf(ra.executionId, ra.executionId, 0, ['a']) });
      const rc = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'c', input: { n: 2 }, trigger: 'udf', triggerRef: 'c', parent: parentOf(rb.executionId, ra.executionId, 1, ['a', 'b']) });
      expect([rb.status, rc.status]).toEqual(['ok', 'ok']);
      const leaf = await s.api('GET', `/api/executions/${rc.executionId}`);
      expect(leaf.body).toMatchObject({ parentId: rb.executionId, rootId: ra.executionId });
      const top = await s.api('GET', `/api/executions/${ra.executionId}?tree=1`);
      expect(top.status).toBe(200);
      expect(top.body.children.map((c: any) => c.id)).toEqual([rb.executionId]);
      expect(top.body.tree).toMatchObject({
        id: ra.executionId, executor: 'a', status: 'ok',
        children: [{ id: rb.executionId, executor: 'b', trigger: 'udf', children: [{ id: rc.executionId, executor: 'c', children: [] }] }],
      });
      // The subtree below the middle node, and the tree flag as `true`.
      const mid = await s.api('GET', `/api/executions/${rb.executionId}?tree=true`);
      expect(mid.body.tree.children.map((c: any) => c.id)).toEqual([rc.executionId]);
      expect((await s.api('GET', `/api/executions/${ra.executionId}`)).body.tree).toBeUndefined();
      expect((await s.api('GET', `/api/executions/${ra.executionId}?tree=maybe`)).status).toBe(400);
      expect((await s.api('GET', `/api/executions?rootId=${ra.executionId}`)).body.items).toHaveLength(3);
    });

    it('refuses a cycle', async () => {
      const ra = await root('a');
      // Refused, and recorded as a failed child, so that it shows in the caller's execution tree.
      const r = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'a', input: {}, trigger: 'udf', parent: parentOf(ra.executionId, ra.executionId, 1, ['a', 'b']) });
      expect(r).toMatchObject({ status: 'error', error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining('cycle') } });
      expect((await s.api('GET', `/api/executions/${r.executionId}`)).body).toMatchObject({ status: 'error', parentId: ra.executionId });
    });

    it(`allows nesting to depth ${MAX_UDF_DEPTH} and refuses depth ${MAX_UDF_DEPTH + 1}`, async () => {
      const ra = await root('a');
      const deepest = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'c', input: {}, trigger: 'udf', parent: parentOf(ra.executionId, ra.executionId, MAX_UDF_DEPTH - 1, ['a']) });
      expect(deepest.status).toBe('ok');
      const tooDeep = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'c', input: {}, trigger: 'udf', parent: parentOf(ra.executionId, ra.executionId, MAX_UDF_DEPTH, ['a']) });
      expect(tooDeep).toMatchObject({ status: 'error', error: { code: 'LIMIT_EXCEEDED', details: { depth: MAX_UDF_DEPTH + 1 } } });
    });

    it('a nested call shares the caller’s deadline', async () => {
      const ra = await root('a');
      // `slow` may run 60 s itself, but its caller has 300 ms left: the nested call ends with TIMEOUT by then.
      const r = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'slow', input: {}, trigger: 'udf', parent: parentOf(ra.executionId, ra.executionId, 0, ['a'], Date.now() + 300) });
      expect(r.status).toBe('error');
      expect(r.error!.code).toBe('TIMEOUT');
      const past = await s.o.invoker.invoke({ workspaceId: ws, executorName: 'c', input: {}, trigger: 'udf', parent: parentOf(ra.executionId, ra.executionId, 0, ['a'], Date.now() - 1) });
      expect(past.error!.code).toBe('TIMEOUT');
    });
  });
}
