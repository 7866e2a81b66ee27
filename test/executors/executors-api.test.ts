// Executors through the REST API on both dialects: versions and rollback, executions, delete rules, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

for (const dialect of DIALECTS) {
  describe(`executors API on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    beforeAll(async () => {
      s = await startTestServer(dialect);
      up = await startUpstream((req, res) => json(res, 200, { path: req.url }));
    });
    afterAll(async () => {
      await up.close();
      await s.close();
    });

    const def = (path: string, extra: Record<string, unknown> = {}) => ({ name: 'lookup', type: 'apiCall', description: 'looks up', apiCall: { method: 'GET', url: `${up.url}${path}` }, ...extra });

    it('creates version 1, keeps identical content as is, adds versions on change, rolls back', async () => {
      const created = await s.api('POST', '/api/executors', { ...def('/v1'), message: 'first' });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe('/api/executors/lookup');
      expect(created.body.activeVersion).toBe(1);
      expect(created.body.version.message).toBe('first');
      expect(created.body.version.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);

      const dup = await s.api('POST', '/api/executors', def('/v1'));
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('CONFLICT');

      const same = await s.api('PUT', '/api/executors/lookup', def('/v1'));
      expect(same.status).toBe(200);
      expect(same.body.changed).toBe(false);
      expect(same.body.latestVersion).toBe(1);

      const v2 = await s.api('PUT', '/api/executors/lookup', { ...def('/v2'), message: 'second' });
      expect(v2.body.changed).toBe(true);
      expect(v2.body.activeVersion).toBe(2);
      expect((await s.api('POST', '/api/executors/lookup/invoke', { input: {} })).body.output.path).toBe('/v2');

      const versions = await s.api('GET', '/api/executors/lookup/versions');
      expect(versions.body.items.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[2, true], [1, false]]);
      const v1 = await s.api('GET', '/api/executors/lookup/versions/1');
      expect(v1.body.definition.apiCall.url).toBe(`${up.url}/v1`);
      expect(v1.body.definition.timeoutMs).toBe(10000);

      const rb = await s.api('POST', '/api/executors/lookup/rollback', { version: 1 });
      expect(rb.status).toBe(200);
      expect(rb.body.activeVersion).toBe(1);
      expect(rb.body.latestVersion).toBe(2);
      const run = (await s.api('POST', '/api/executors/lookup/invoke', { input: {} })).body;
      expect(run.output.path).toBe('/v1');
      expect(run.executor.version).toBe(1);
      const rec = await s.api('GET', `/api/executions/${run.executionId}`);
      expect(rec.body.version).toBe(1);
      expect(rec.body.trigger).toBe('api');

      const missing = await s.api('POST', '/api/executors/lookup/rollback', { version: 9 });
      expect(missing.status).toBe(404);
      expect(missing.body.errors[0].field).toBe('/version');
    });

    it('tests a draft without saving it', async () => {
      const r = await s.api('POST', '/api/executors/lookup/test', { input: {}, draft: { type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/draft` } } });
      expect(r.status).toBe(200);
      expect(r.body.output.path).toBe('/draft');
      expect(r.body.executor.version).toBeNull();
      const versions = await s.api('GET', '/api/executors/lookup/versions');
      expect(versions.body.items).toHaveLength(2);
      const rec = await s.api('GET', `/api/executions/${r.body.executionId}`);
      expect(rec.body.trigger).toBe('test');
      const badDraft = await s.api('POST', '/api/executors/lookup/test', { input: {}, draft: { type: 'code' } });
      expect(badDraft.status).toBe(400);
      expect(badDraft.body.errors[0].field).toBe('/code');
    });

    it('lists executions newest first with filters and a cursor', async () => {
      for (let i = 0; i < 3; i++) await s.api('POST', '/api/executors/lookup/invoke', { input: { i } });
      const page1 = await s.api('GET', '/api/executions?executor=lookup&trigger=api&limit=2');
      expect(page1.status).toBe(200);
      expect(page1.body.items).toHaveLength(2);
      expect(page1.body.nextCursor).toBeTypeOf('number');
      const page2 = await s.api('GET', `/api/executions?executor=lookup&trigger=api&limit=2&cursor=${page1.body.nextCursor}`);
      const ids = [...page1.body.items, ...page2.body.items].map((e: { id: string }) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(page1.body.items[0].status).toBe('ok');
      const detail = await s.api('GET', `/api/executions/${page1.body.items[0].id}`);
      expect(detail.body.input).toEqual({ i: 2 });
      expect(detail.body.logs.length).toBeGreaterThan(0);
      expect((await s.api('GET', '/api/executions/exe_nope')).status).toBe(404);
      expect((await s.api('GET', '/api/executions?limit=0')).status).toBe(400);
    });

    it('refuses to delete an executor a binding references, then deletes it', async () => {
      let bound = true;
      s.o.executors.registerBindingLookup(async (_db, _ws, name) => (bound && name === 'lookup' ? ['event-hook export_closed'] : []));
      const refused = await s.api('DELETE', '/api/executors/lookup');
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toContain('event-hook export_closed');
      expect(refused.body.bindings).toEqual(['event-hook export_closed']);
      bound = false;
      expect((await s.api('DELETE', '/api/executors/lookup')).status).toBe(204);
      expect((await s.api('GET', '/api/executors/lookup')).status).toBe(404);
      expect((await s.api('POST', '/api/executors/lookup/invoke', { input: {} })).status).toBe(404);
    });

    it('answers bad input with 400 problem+json naming the field, never a 500', async () => {
      const cases: Array<[unknown, string]> = [
        [{ name: 'Bad Name', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' } }, '/name'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' }, surprise: 1 }, '/surprise'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' }, timeoutMs: '100' }, '/timeoutMs'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' }, timeoutMs: 999999 }, '/timeoutMs'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'FETCH', url: 'http://x' } }, '/apiCall/method'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'not a url' } }, '/apiCall/url'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'ftp://x/y' } }, '/apiCall/url'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x/{{secrets:X}}' } }, '/apiCall/url'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x', headers: { A: '{{nope}}' } } }, '/apiCall/headers/A'],
        [{ name: 'ok', type: 'apiCall' }, '/apiCall'],
        [{ name: 'ok', type: 'code', code: { language: 'cobol', source: '' } }, '/code/language'],
        [{ name: 'ok', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' }, inputSchema: { type: 'objekt' } }, '/inputSchema'],
        [{ type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' } }, '/name'],
        [[1, 2], '/'],
      ];
      for (const [body, field] of cases) {
        const r = await s.api('POST', '/api/executors', body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.body.code).toBe('VALIDATION_FAILED');
        expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
      }
      const malformed = await s.api('POST', '/api/executors', '{"name": "x",');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      const mismatch = await s.api('PUT', '/api/executors/aaa', { name: 'bbb', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' } });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors[0].field).toBe('/name');
      const badInvoke = await s.api('POST', '/api/executors/nope/invoke', { input: 'text' });
      expect(badInvoke.status).toBe(400);
      const badParam = await s.api('GET', '/api/executors/NOT_A_NAME');
      expect(badParam.status).toBe(400);
      expect((await s.api('GET', '/api/executors')).body.items).toEqual([]);
    });

    it('never answers 5xx to garbage on any write route', async () => {
      const routes: Array<[string, string]> = [
        ['POST', '/api/executors'], ['PUT', '/api/executors/x'], ['POST', '/api/executors/x/invoke'], ['POST', '/api/executors/x/test'],
        ['POST', '/api/executors/x/rollback'], ['PUT', '/api/secrets/X'], ['PUT', '/api/storage/k'], ['POST', '/api/tokens'], ['POST', '/api/workspaces'],
      ];
      const garbage = ['', 'null', '[]', '"s"', '42', '{"input":null}', '{"value":{"a":[1,{"b":null}]}}', '{"a":', '\u0000', '{"version":-1}', '{"name":"' + 'x'.repeat(5000) + '"}'];
      for (const [method, url] of routes) {
        for (const g of garbage) {
          const r = await s.o.app.inject({ method: method as 'POST', url, payload: g, headers: { authorization: 'Bearer otr_test_admin_token_0123456789abcdef', 'content-type': 'application/json' } });
          expect(r.statusCode, `${method} ${url} ${g.slice(0, 30)} -> ${r.body.slice(0, 200)}`).toBeLessThan(500);
        }
      }
    });
  });
}
