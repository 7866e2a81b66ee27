// Request-body bombs: nesting, duplicate keys, prototype keys, inexact numbers; and a deep stored value cannot break the storage list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ProblemError } from '../../src/errors.js';
import { underBomb } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`request body bounds on ${dialect}`, () => {
    let s: TestServer;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      expect((await s.api('PUT', '/api/storage/keep', { value: { nested: { ok: [1, 2.5, 'x'] } } })).status).toBe(200);
      expect((await s.api('POST', '/api/executors', { name: 'keep', type: 'apiCall', apiCall: { method: 'POST', url: 'http://127.0.0.1:9/' } })).status).toBe(201);
    });
    afterAll(async () => { await s.close(); });

    async function expectIntact(): Promise<void> {
      const list = await s.api('GET', '/api/storage');
      expect(list.status).toBe(200);
      expect(list.body.items.find((i: any) => i.key === 'keep').value).toEqual({ nested: { ok: [1, 2.5, 'x'] } });
      expect((await s.api('GET', '/api/executors/keep/versions')).status).toBe(200);
    }

    it('refuses JSON nested deeper than 64 levels with a 400 naming the place, even an 8 MB one', async () => {
      const deep = (n: number) => `{"value":${'['.repeat(n)}${']'.repeat(n)}}`;
      expect((await s.api('PUT', '/api/storage/ok64', deep(63))).status).toBe(200);
      const { result: r } = await underBomb(s, `body nested 4000 deep on ${dialect}`, () => s.api('PUT', '/api/storage/deep', deep(4000)));
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.errors[0].message).toBe('the JSON is nested deeper than 64 levels');
      expect(r.body.errors[0].field).toMatch(/^\/value(\/0)+$/);
      const { result: big } = await underBomb(s, `body 8 MB nested on ${dialect}`, () => s.api('PUT', '/api/storage/deep', deep(4_000_000)));
      expect(big.status).toBe(400);
      expect((await s.api('GET', '/api/storage/deep')).status).toBe(404);
      await expectIntact();
    });

    it('refuses duplicate keys: {"role":"viewer","role":"admin"} creates no token at all', async () => {
      const before = (await s.api('GET', '/api/tokens')).body;
      for (const raw of ['{"name":"t","role":"viewer","role":"admin"}', '{"name":"t","role":"viewer","r\\u006fle":"admin"}']) {
        const { result: r } = await underBomb(s, `body duplicate keys on ${dialect}`, () => s.api('POST', '/api/tokens', raw));
        expect(r.status).toBe(400);
        expect(r.body.errors).toEqual([{ field: '/role', message: 'the key "role" appears more than once in one object' }]);
      }
      expect((await s.api('GET', '/api/tokens')).body).toEqual(before);
      // The same key in different objects is fine.
      expect((await s.api('PUT', '/api/storage/same-keys', '{"value":{"a":{"k":1},"b":{"k":2}}}')).status).toBe(200);
    });

    it('refuses integers outside the safe range and non-finite numbers wherever they are sent', async () => {
      const cases: Array<[string, string, string, string]> = [
        ['PUT', '/api/storage/n', '{"value":1e21}', '/value'],
        ['PUT', '/api/storage/n', '{"value":{"x":[9007199254740993]}}', '/value/x/0'],
        ['PUT', '/api/storage/n', '{"value":-9007199254740993}', '/value'],
        ['PUT', '/api/storage/n', '{"value":1e400}', '/value'],
        // Every double beyond 2^53 is integral and inexact, whichever notation it is written in.
        ['PUT', '/api/storage/n', '{"value":[1,2.5e300]}', '/value/1'],
        ['PUT', '/api/storage/n', '{"value":1,"ttlSeconds":1e21}', '/ttlSeconds'],
        ['POST', '/api/executors/keep/rollback', '{"version":1e21}', '/version'],
        ['POST', '/api/executors/keep/invoke', '{"input":{"id":123456789012345678901234567890}}', '/input/id'],
      ];
      for (const [method, url, raw, field] of cases) {
        const r = await s.api(method, url, raw);
        expect(r.status, raw).toBe(400);
        expect(r.body.errors?.[0]?.field, raw).toBe(field);
      }
      for (const url of ['/api/executors/keep/versions/1e21', '/api/events?cursor=1e21', '/api/executions?cursor=1e21', '/api/executors/keep/versions/99999999999999999999']) {
        const r = await s.api('GET', url);
        expect(r.status, url).toBe(400);
      }
      // Exact numbers are kept as sent.
      const okRaw = '{"value":[9007199254740991,-9007199254740991,1.5,1e-300,2.5e15,0,-0.25]}';
      expect((await s.api('PUT', '/api/storage/n', okRaw)).status).toBe(200);
      expect((await s.api('GET', '/api/storage/n')).body.value).toEqual([9007199254740991, -9007199254740991, 1.5, 1e-300, 2.5e15, 0, -0.25]);
      await expectIntact();
    });

    it('names prototype keys correctly and still accepts a plain "constructor" key', async () => {
      const p = await s.api('PUT', '/api/storage/p', '{"value":{"__proto__":{"admin":true}}}');
      expect(p.status).toBe(400);
      expect(p.body.errors).toEqual([{ field: '/value/__proto__', message: 'the key "__proto__" is not allowed (it would change the object’s prototype)' }]);
      const c = await s.api('PUT', '/api/storage/p', '{"value":{"constructor":{"prototype":{"admin":true}}}}');
      expect(c.status).toBe(400);
      expect(c.body.errors[0].message).toMatch(/constructor\.prototype/);
      expect((await s.api('PUT', '/api/storage/p', '{"value":{"constructor":"fine"}}')).status).toBe(200);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('answers malformed and empty JSON bodies with MALFORMED_JSON', async () => {
      const bad = await s.api('PUT', '/api/storage/m', '{"value":');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('MALFORMED_JSON');
      const empty = await s.o.app.inject({ method: 'PUT', url: '/api/storage/m', headers: { authorization: `Bearer ${'otr_test_admin_token_0123456789abcdef'}`, 'content-type': 'application/json' }, payload: '' });
      expect(empty.statusCode).toBe(400);
      expect(JSON.parse(empty.body).code).toBe('MALFORMED_JSON');
    });

    it('keeps GET /api/storage working for everybody when a stored value is nested thousands deep', async () => {
      // A row stored before the depth limit existed; SDK writes are refused now (below).
      const depth = 20_000;
      await s.o.store.db.insertInto('storage_objects').values({ workspace_id: s.o.defaultWorkspaceId, key: 'legacy-deep', value: `${'['.repeat(depth)}${']'.repeat(depth)}`, expires_at: null, updated_at: Date.now() }).execute();
      const { result: list } = await underBomb(s, `storage list with a 20000-deep row on ${dialect}`, () => s.api('GET', '/api/storage'));
      expect(list.status).toBe(200);
      const legacy = list.body.items.find((i: any) => i.key === 'legacy-deep');
      expect(legacy).toMatchObject({ value: null, valueError: expect.stringMatching(/nested 20000 levels deep/) });
      const one = await s.api('GET', '/api/storage/legacy-deep');
      expect(one.status).toBe(200);
      expect(one.body.valueError).toBeDefined();
      expect((await s.api('DELETE', '/api/storage/legacy-deep')).status).toBe(204);
      await expectIntact();

      let value: unknown = 1;
      for (let i = 0; i < 100; i++) value = [value];
      const set = s.o.storage.set(s.o.defaultWorkspaceId, 'from-code', value);
      await expect(set).rejects.toBeInstanceOf(ProblemError);
      await expect(set).rejects.toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: '/value', message: 'is nested deeper than 64 levels' }] });
    });
  });
}
