// The OpenAPI document is exact enough to generate a client: the committed openapi-typescript types match the served
// document, and typed requests (paths/bodies/answers checked by tsc) through plain fetch get the documented answers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../generated/openapi.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { DIALECTS } from '../helpers/dialects.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Body<P extends keyof paths, M extends Method> = Op<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Answer<P extends keyof paths, M extends Method, S extends number> = Op<P, M> extends { responses: { [K in S]: { content: { [c: string]: infer R } } } } ? R : never;

/** A minimal openapi-fetch-style call: the path, body and answer types all come from the generated document. */
async function call<P extends keyof paths, M extends Method, S extends number>(
  base: string, method: M, url: P, status: S, opts: { params?: Record<string, string>; body?: Body<P, M> } = {},
): Promise<{ status: number; contentType: string | null; body: Answer<P, M, S> }> {
  const concrete = String(url).replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(opts.params?.[k] ?? ''));
  const res = await fetch(base + concrete, {
    method: method.toUpperCase(),
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body: (text ? JSON.parse(text) : null) as Answer<P, M, S> };
}

describe.each(DIALECTS)('OpenAPI typed client (%s)', (dialect) => {
  let s: TestServer;
  let base: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.o.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = s.o.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => s.close());

  it('serves the document the committed types were generated from (run `npm run openapi:types` after changing a route)', async () => {
    const served = (await s.api('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
    const committed = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'generated', 'openapi.json'), 'utf8')) as typeof served;
    expect(served.paths).toEqual(committed.paths);
    const ops = Object.values(served.paths).flatMap((p) => Object.values(p));
    expect(ops.length).toBeGreaterThanOrEqual(90);
    for (const op of ops) {
      expect(Object.values(op.responses).some((r) => r.description === 'Default Response')).toBe(false);
      expect(Object.keys(op.responses).some((k) => k.startsWith('2'))).toBe(true);
      expect(Object.keys(op.responses)).toContain('400');
    }
  });

  it('creates, reads and deletes through typed calls and gets the documented answers', async () => {
    const created = await call(base, 'post', '/api/executors', 201, {
      body: { name: 'typed', type: 'apiCall', apiCall: { method: 'GET', url: 'http://127.0.0.1:9/x' }, description: 'from the typed client' },
    });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('typed');
    expect(created.body.activeVersion).toBe(1);
    expect(created.body.version.active).toBe(true);

    const got = await call(base, 'get', '/api/executors/{name}', 200, { params: { name: 'typed' } });
    expect(got.body.definition.type).toBe('apiCall');
    // Fields the schema does not list are still answered (responses are not filtered by their schema).
    expect((got.body.definition as Record<string, unknown>).apiCall).toEqual({ method: 'GET', url: 'http://127.0.0.1:9/x', headers: {} });

    const put = await call(base, 'put', '/api/storage/{key}', 200, { params: { key: 'k1' }, body: { value: { a: [1, 2] } } });
    expect(put.body.value).toEqual({ a: [1, 2] });

    const missing = await call(base, 'get', '/api/executors/{name}', 404, { params: { name: 'nope' } });
    expect(missing.status).toBe(404);
    expect(missing.contentType).toContain('application/problem+json');
    expect(missing.body.code).toBe('NOT_FOUND');

    // The document says type decides: code without `code` is refused like the schema says.
    const bad = await call(base, 'post', '/api/executors', 400, { body: { name: 'bad', type: 'code' } as never });
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors?.map((e) => e.field)).toContain('/code');

    const del = await call(base, 'delete', '/api/executors/{name}', 204, { params: { name: 'typed' } });
    expect(del.status).toBe(204);
    expect((await s.api('GET', '/healthz')).status).toBe(200);
  });
});
