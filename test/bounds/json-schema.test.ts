// JSON Schema bombs: refused on save before compiling (size, depth, subschemas, $ref expansion), patterns in linear time, $id per compile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { doublingSchema, underBomb } from './helpers.js';

const UNREACHABLE = 'http://127.0.0.1:9/never';
const executor = (name: string, extra: Record<string, unknown>) => ({ name, type: 'apiCall', apiCall: { method: 'POST', url: UNREACHABLE }, ...extra });

for (const dialect of DIALECTS) {
  describe(`JSON Schema bounds on ${dialect}`, () => {
    let s: TestServer;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      expect((await s.api('POST', '/api/executors', executor('keep', { inputSchema: { type: 'object', properties: { n: { type: 'integer' } } } }))).status).toBe(201);
      expect((await s.api('PUT', '/api/storage/keep', { value: { a: [1, 2, 3] } })).status).toBe(200);
    });
    afterAll(async () => { await s.close(); });

    /** The data that existed before every bomb is still there, unchanged, and a normal request still works. */
    async function expectIntact(): Promise<void> {
      const e = await s.api('GET', '/api/executors/keep');
      expect(e.status).toBe(200);
      expect(e.body.definition?.inputSchema ?? e.body.inputSchema).toEqual({ type: 'object', properties: { n: { type: 'integer' } } });
      expect((await s.api('GET', '/api/storage/keep')).body.value).toEqual({ a: [1, 2, 3] });
      const bad = await s.api('POST', '/api/executors/keep/invoke', { input: { n: 'x' } });
      expect(bad.body.error.code).toBe('INPUT_INVALID');
    }

    it('refuses the 2 KB allOf/$ref doubling schema (depth 34) on save, naming the field, without freezing', async () => {
      const schema = doublingSchema(34);
      expect(JSON.stringify(schema).length).toBeLessThan(3000);
      for (const field of ['inputSchema', 'outputSchema'] as const) {
        const { result: r } = await underBomb(s, `schema doubling depth 34 (${field}) on ${dialect}`, () => s.api('POST', '/api/executors', executor('bomb', { [field]: schema })));
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('VALIDATION_FAILED');
        expect(r.body.errors).toEqual([{ field: `/${field}`, message: expect.stringMatching(/exceeds a limit: expands to more than 20000 subschemas/) }]);
      }
      // A draft run and a replacement go through the same check.
      const { result: t } = await underBomb(s, `schema doubling depth 34 (draft test) on ${dialect}`, () => s.api('POST', '/api/executors/keep/test', { input: {}, draft: executor('keep', { inputSchema: schema }) }));
      expect(t.status).toBe(400);
      expect(t.body.errors[0].field).toBe('/inputSchema');
      const p = await s.api('PUT', '/api/executors/keep', executor('keep', { inputSchema: schema }));
      expect(p.status).toBe(400);
      expect((await s.api('GET', '/api/executors/bomb')).status).toBe(404);
      await expectIntact();
    });

    it('still accepts a short doubling chain (a small expansion is a legitimate schema)', async () => {
      const r = await s.api('POST', '/api/executors', executor('short_chain', { inputSchema: doublingSchema(6) }));
      expect(r.status).toBe(201);
      const v = await s.api('POST', '/api/executors/short_chain/invoke', { input: {} });
      expect(v.body.error.code).toBe('INPUT_INVALID');
    });

    it('refuses schemas over the size, depth and subschema limits, and unbounded uniqueItems', async () => {
      let deep: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 40; i++) deep = { not: deep };
      const many = { type: 'object', properties: Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`p${i}`, { type: 'string' }])) };
      const big = { type: 'string', description: 'x'.repeat(300 * 1024) };
      const unique = { type: 'array', uniqueItems: true, items: { type: 'object' } };
      const cases: Array<[string, unknown, RegExp]> = [
        ['depth', deep, /nested deeper than 32 levels/],
        ['subschemas', many, /more than 5000 subschemas/],
        ['size', big, /larger than 262144 bytes/],
        ['uniqueItems', unique, /uniqueItems/],
      ];
      for (const [what, schema, message] of cases) {
        const { result: r } = await underBomb(s, `schema ${what} limit on ${dialect}`, () => s.api('POST', '/api/executors', executor('limits', { inputSchema: schema })));
        expect(r.status, what).toBe(400);
        expect(r.body.errors, what).toEqual([{ field: '/inputSchema', message: expect.stringMatching(message) }]);
      }
      // uniqueItems is fine when the comparison is bounded or hashed.
      expect((await s.api('POST', '/api/executors', executor('unique_ok', { inputSchema: { type: 'object', properties: { xs: { type: 'array', uniqueItems: true, items: { type: 'string' } } } } }))).status).toBe(201);
      const dup = await s.api('POST', '/api/executors/unique_ok/invoke', { input: { xs: ['a', 'a'] } });
      expect(dup.body.error.code).toBe('INPUT_INVALID');
      await expectIntact();
    });

    it('bounds validation by value size × schema expansion: a large array under a heavy items schema is refused at once', async () => {
      const heavy = doublingSchema(9); // thousands of visits per value: under the expansion limit
      const schema = { type: 'object', $defs: heavy.$defs, properties: { xs: { type: 'array', items: { $ref: heavy.$ref } } } };
      const saved = await s.api('POST', '/api/executors', executor('heavy_items', { inputSchema: schema }));
      expect(saved.status, saved.raw).toBe(201);
      const xs = Array.from({ length: 100_000 }, () => 0);
      const { result: r } = await underBomb(s, `schema items x 100000 under a doubling-9 items schema on ${dialect}`, () => s.api('POST', '/api/executors/heavy_items/invoke', { input: { xs } }));
      expect(r.status).toBe(200);
      expect(r.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/too many to validate against a schema that expands to \d+ subschemas/) });
      // A few items are validated normally.
      const few = await s.api('POST', '/api/executors/heavy_items/invoke', { input: { xs: [0] } });
      expect(few.body.error.code).toBe('INPUT_INVALID');
      await expectIntact();
    });

    it('matches patterns in linear time: ^(a+)+$ against 30+ characters answers at once', async () => {
      const schema = {
        type: 'object',
        properties: { s: { type: 'string', pattern: '^(a+)+$' }, zip: { type: 'string', pattern: '^\\d{5}$' } },
        patternProperties: { '^(x+x+)+y$': { type: 'integer' } },
      };
      expect((await s.api('POST', '/api/executors', executor('redos', { inputSchema: schema }))).status).toBe(201);
      const evil = 'a'.repeat(30) + '!';
      const { result: r } = await underBomb(s, `pattern ^(a+)+$ x31 on ${dialect}`, () => s.api('POST', '/api/executors/redos/invoke', { input: { s: evil } }));
      expect(r.body.error.code).toBe('INPUT_INVALID');
      expect(r.body.error.message).toMatch(/\/s must match pattern/);
      const { result: p } = await underBomb(s, `patternProperties (x+x+)+y on ${dialect}`, () => s.api('POST', '/api/executors/redos/invoke', { input: { ['x'.repeat(5000)]: 1 } }));
      expect(p.body.error.code).not.toBe('INPUT_INVALID');
      const typed = await s.api('POST', '/api/executors/redos/invoke', { input: { xxy: 'not an integer' } });
      expect(typed.body.error.message).toMatch(/\/xxy must be integer/);
      // Each pattern keeps its own meaning (two patterns in one schema are not confused).
      const zip = await s.api('POST', '/api/executors/redos/invoke', { input: { s: 'aaa', zip: '12345' } });
      expect(zip.body.error.code).toBe('UPSTREAM_UNREACHABLE');
      const badZip = await s.api('POST', '/api/executors/redos/invoke', { input: { s: 'aaa', zip: '1234' } });
      expect(badZip.body.error.message).toMatch(/\/zip must match pattern/);
      await expectIntact();
    });

    it('refuses a pattern the linear-time engine cannot run, naming the field', async () => {
      const r = await s.api('POST', '/api/executors', executor('backref', { outputSchema: { type: 'string', pattern: '^(a)\\1$' } }));
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ field: '/outputSchema', message: expect.stringMatching(/not supported \(only linear-time regular expressions/) }]);
      const look = await s.api('POST', '/api/executors', executor('lookahead', { inputSchema: { type: 'object', patternProperties: { '^(?=a)': {} } } }));
      expect(look.status).toBe(400);
    });

    it('gives every compile its own $id registry: a new version may reuse an $id, and no schema sees another one’s $id', async () => {
      const v1 = { $id: 'https://example.com/shared', type: 'object', properties: { n: { type: 'string' } } };
      expect((await s.api('POST', '/api/executors', executor('with_id', { inputSchema: v1 }))).status).toBe(201);
      expect((await s.api('POST', '/api/executors/with_id/invoke', { input: { n: 1 } })).body.error.code).toBe('INPUT_INVALID');
      const v2 = { ...v1, properties: { n: { type: 'integer' } } };
      expect((await s.api('PUT', '/api/executors/with_id', executor('with_id', { inputSchema: v2 }))).status).toBe(200);
      expect((await s.api('POST', '/api/executors/with_id/invoke', { input: { n: 1 } })).body.error.code).toBe('UPSTREAM_UNREACHABLE');
      expect((await s.api('POST', '/api/executors/with_id/invoke', { input: { n: 'x' } })).body.error.code).toBe('INPUT_INVALID');
      // The $id compiled above is not resolvable from another schema, in this workspace or another.
      const other = await s.api('POST', '/api/executors', executor('uses_id', { inputSchema: { $ref: 'https://example.com/shared' } }));
      expect(other.status).toBe(400);
      expect(other.body.errors[0]).toMatchObject({ field: '/inputSchema', message: expect.stringMatching(/can't resolve reference|not a valid JSON Schema/) });
      const ws = await s.api('POST', '/api/workspaces', { name: `other-${dialect}` });
      expect(ws.status).toBe(201);
      const token = ws.body.adminToken as string;
      const same = await s.api('POST', '/api/executors', executor('with_id', { inputSchema: { $id: 'https://example.com/shared', type: 'object', properties: { n: { type: 'boolean' } } } }), token);
      expect(same.status).toBe(201);
      expect((await s.api('POST', '/api/executors/with_id/invoke', { input: { n: true } }, token)).body.error.code).toBe('UPSTREAM_UNREACHABLE');
      expect((await s.api('POST', '/api/executors/with_id/invoke', { input: { n: 1 } })).body.error.code).toBe('UPSTREAM_UNREACHABLE');
    });
  });
}
