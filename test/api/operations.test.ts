// Operational surface: OpenAPI document and docs, readiness, metrics, and log lines free of secrets and tokens.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

const SECRET = 'log-leak-canary-93f1c2';

describe('operations', () => {
  let s: TestServer;
  let up: Upstream;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    s = await startTestServer('sqlite', { logLevel: 'debug' }, { logger: true, logStream: sink });
    up = await startUpstream((req, res) => (req.url === '/boom' ? json(res, 500, { echoed: req.headers['x-key'] }) : json(res, 200, { echoed: req.headers['x-key'] })));
  });
  afterAll(async () => {
    await up.close();
    await s.close();
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas, and browsable docs', async () => {
    const r = await s.o.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = JSON.parse(r.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/executors', '/api/executors/{name}/invoke', '/api/executors/{name}/rollback', '/api/executions/{id}', '/api/secrets/{name}', '/api/storage/{key}', '/api/tokens']));
    const create = doc.paths['/api/executors'].post;
    expect(create.requestBody.content['application/json'].schema.properties.apiCall).toBeDefined();
    const docs = await s.o.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('<html');
  });

  it('answers /readyz and Prometheus /metrics with a token', async () => {
    const ready = await s.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database.ok).toBe(true);
    await s.api('PUT', '/api/executors/m', { name: 'm', type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/ok` } });
    await s.api('POST', '/api/executors/m/invoke', { input: {} });
    const m = await s.o.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(m.statusCode).toBe(200);
    expect(m.body).toMatch(/outrigger_invocations_total\{type="apiCall",status="ok",trigger="api"\} 1/);
    expect(m.body).toContain('outrigger_http_request_duration_seconds_bucket');
  });

  it('never writes a secret value or a bearer token into a log line', async () => {
    await s.api('PUT', '/api/secrets/KEY', { value: SECRET });
    for (const path of ['ok', 'boom']) {
      await s.api('PUT', `/api/executors/leak_${path}`, { name: `leak_${path}`, type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/${path}`, headers: { 'X-Key': '{{secret:KEY}}' } } });
      const r = await s.api('POST', `/api/executors/leak_${path}/invoke`, { input: { pasted: SECRET } });
      expect(r.raw).not.toContain(SECRET);
    }
    await s.api('POST', '/api/executors', '{"broken":');
    expect(lines.length).toBeGreaterThan(5);
    const all = lines.join('');
    expect(all).toContain('/api/executors/leak_boom/invoke');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(ADMIN_TOKEN);
  });
});
