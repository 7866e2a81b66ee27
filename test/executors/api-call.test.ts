// apiCall executors (SPEC 2.2) against a real local HTTP server: parameters, secrets, errors, time-outs, egress, signing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

const SECRET = 'erp-token-s3cr3t-value';
const SIGNING_KEY = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');

describe('apiCall executors', () => {
  let s: TestServer;
  let up: Upstream;
  let mode: 'json' | 'echo' | 'fail' | 'text' | 'empty' | 'slow' = 'json';

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    up = await startUpstream((req, res) => {
      if (mode === 'json') return json(res, 200, { ok: true, method: req.method, url: req.url });
      if (mode === 'echo') return json(res, 200, { youSent: req.headers.authorization, body: req.body });
      if (mode === 'fail') return json(res, 503, { error: 'ERP is down for maintenance' });
      if (mode === 'text') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>not json</html>');
      }
      if (mode === 'empty') {
        res.writeHead(204);
        return res.end();
      }
      setTimeout(() => json(res, 200, { late: true }), 2000);
    });
    expect((await s.api('PUT', '/api/secrets/ERP_TOKEN', { value: SECRET })).status).toBe(201);
    expect((await s.api('PUT', '/api/secrets/SIGNING', { value: SIGNING_KEY })).status).toBe(201);
  });
  afterAll(async () => {
    await up.close();
    await s.close();
  });
  beforeEach(() => {
    mode = 'json';
    up.requests.length = 0;
  });

  async function define(name: string, apiCall: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const r = await s.api('PUT', `/api/executors/${name}`, { name, type: 'apiCall', apiCall, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  }
  const invoke = async (name: string, input: unknown) => (await s.api('POST', `/api/executors/${name}/invoke`, { input })).body;

  it('GET passes scalars as k=v, arrays as repeated keys, objects as JSON text; URL input is encoded and not repeated', async () => {
    await define('get_contract', { method: 'GET', url: `${up.url}/contracts/{{input.id}}?fixed=1` });
    const r = await invoke('get_contract', { id: 'A/1 b', zip: '10115', n: 3, flag: true, tags: ['a', 'b'], filter: { x: 1 } });
    expect(r.status).toBe('ok');
    const url = new URL(up.requests[0]!.url, 'http://x');
    expect(url.pathname).toBe('/contracts/A%2F1%20b');
    expect(url.searchParams.get('fixed')).toBe('1');
    expect(url.searchParams.get('zip')).toBe('10115');
    expect(url.searchParams.get('n')).toBe('3');
    expect(url.searchParams.get('flag')).toBe('true');
    expect(url.searchParams.getAll('tags')).toEqual(['a', 'b']);
    expect(url.searchParams.get('filter')).toBe('{"x":1}');
    expect(url.searchParams.has('id')).toBe(false);
    expect(up.requests[0]!.body).toBe('');
  });

  it('DELETE passes the input as query string too', async () => {
    await define('del_contract', { method: 'DELETE', url: `${up.url}/contracts` });
    await invoke('del_contract', { id: 'V-1', ids: [1, 2] });
    expect(up.requests[0]!.method).toBe('DELETE');
    expect(up.requests[0]!.url).toBe('/contracts?id=V-1&ids=1&ids=2');
  });

  for (const method of ['POST', 'PUT', 'PATCH']) {
    it(`${method} sends the input as JSON body`, async () => {
      const name = `body_${method.toLowerCase()}`;
      await define(name, { method, url: `${up.url}/readings` });
      const input = { meter: 'M-1', value: 42.5, nested: { a: [1, 2] } };
      const r = await invoke(name, input);
      expect(r.status).toBe('ok');
      const rec = up.requests[0]!;
      expect(rec.method).toBe(method);
      expect(rec.url).toBe('/readings');
      expect(rec.headers['content-type']).toBe('application/json');
      expect(JSON.parse(rec.body)).toEqual(input);
    });
  }

  it('injects secrets into headers in both placeholder spellings, sends identification headers', async () => {
    await define('with_secret', { method: 'GET', url: `${up.url}/x`, headers: { Authorization: 'Bearer {{secret:ERP_TOKEN}}', 'X-Alt': '{{secret.ERP_TOKEN}}', 'X-Run': '{{execution.id}}' } });
    const r = await invoke('with_secret', {});
    expect(r.status).toBe('ok');
    const h = up.requests[0]!.headers;
    expect(h.authorization).toBe(`Bearer ${SECRET}`);
    expect(h['x-alt']).toBe(SECRET);
    expect(h['x-run']).toBe(r.executionId);
    expect(h['x-outrigger-execution-id']).toBe(r.executionId);
    expect(h['user-agent']).toMatch(/^outrigger\/\d+\.\d+\.\d+$/);
  });

  it('a missing secret is an error before anything is sent', async () => {
    await define('missing_secret', { method: 'GET', url: `${up.url}/x`, headers: { Authorization: 'Bearer {{secret:NOPE}}' } });
    const r = await invoke('missing_secret', {});
    expect(r.status).toBe('error');
    expect(r.error.code).toBe('NOT_FOUND');
    expect(r.error.message).toContain('NOPE');
    expect(up.requests).toHaveLength(0);
  });

  it('non-2xx is UPSTREAM_ERROR with status and body excerpt', async () => {
    mode = 'fail';
    await define('failing', { method: 'GET', url: `${up.url}/x` });
    const r = await invoke('failing', {});
    expect(r.status).toBe('error');
    expect(r.error.code).toBe('UPSTREAM_ERROR');
    expect(r.error.details.status).toBe(503);
    expect(r.error.details.body).toContain('maintenance');
  });

  it('non-JSON is OUTPUT_INVALID; an empty body is null', async () => {
    await define('texty', { method: 'GET', url: `${up.url}/x` });
    mode = 'text';
    const bad = await invoke('texty', {});
    expect(bad.status).toBe('error');
    expect(bad.error.code).toBe('OUTPUT_INVALID');
    mode = 'empty';
    const empty = await invoke('texty', {});
    expect(empty.status).toBe('ok');
    expect(empty.output).toBeNull();
  });

  it('a slow upstream ends as TIMEOUT at the executor time-out', async () => {
    mode = 'slow';
    await define('slow', { method: 'GET', url: `${up.url}/x` }, { timeoutMs: 200 });
    const r = await invoke('slow', {});
    expect(r.status).toBe('error');
    expect(r.error.code).toBe('TIMEOUT');
  });

  it('an unreachable host is UPSTREAM_UNREACHABLE', async () => {
    const closed = await startUpstream(() => undefined);
    const port = closed.port;
    await closed.close();
    await define('unreachable', { method: 'GET', url: `http://127.0.0.1:${port}/x` });
    const r = await invoke('unreachable', {});
    expect(r.status).toBe('error');
    expect(r.error.code).toBe('UPSTREAM_UNREACHABLE');
    expect(r.error.message).toContain('ECONNREFUSED');
  });

  it('signs requests with Standard Webhooks headers that the standardwebhooks package verifies', async () => {
    await define('signed', { method: 'POST', url: `${up.url}/hook`, signingSecret: 'SIGNING' });
    const r = await invoke('signed', { event: 'x', n: 1 });
    expect(r.status).toBe('ok');
    const rec = up.requests[0]!;
    expect(rec.headers['webhook-id']).toBe(r.executionId);
    const verified = new Webhook(SIGNING_KEY).verify(rec.body, {
      'webhook-id': String(rec.headers['webhook-id']),
      'webhook-timestamp': String(rec.headers['webhook-timestamp']),
      'webhook-signature': String(rec.headers['webhook-signature']),
    });
    expect(verified).toEqual({ event: 'x', n: 1 });
    expect(() => new Webhook(SIGNING_KEY).verify(rec.body + ' ', {
      'webhook-id': String(rec.headers['webhook-id']),
      'webhook-timestamp': String(rec.headers['webhook-timestamp']),
      'webhook-signature': String(rec.headers['webhook-signature']),
    })).toThrow();
  });

  it('an upstream that echoes a secret back gets it redacted in the response, the record and the logs', async () => {
    mode = 'echo';
    await define('echo', { method: 'POST', url: `${up.url}/echo?k={{secret:ERP_TOKEN}}`, headers: { Authorization: 'Bearer {{secret:ERP_TOKEN}}' } });
    const r = await invoke('echo', { note: `user pasted ${SECRET} here` });
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(r.status).toBe('ok');
    expect(r.output.youSent).toBe('Bearer [REDACTED]');
    const whole = JSON.stringify(r);
    expect(whole).not.toContain(SECRET);
    const detail = await s.api('GET', `/api/executions/${r.executionId}`);
    expect(detail.raw).not.toContain(SECRET);
    expect(detail.raw).not.toContain(encodeURIComponent(SECRET));
    expect(detail.body.input.note).toBe('user pasted [REDACTED] here');
    const rows = await s.o.store.db.selectFrom('executions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(SECRET);
  });

  it('validates input against inputSchema before sending, and output against outputSchema', async () => {
    await define('schemas', { method: 'POST', url: `${up.url}/x` }, {
      inputSchema: { type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' } }, required: ['zip'] },
      outputSchema: { type: 'object', required: ['price'] },
    });
    const bad = await invoke('schemas', { zip: 'abc' });
    expect(bad.status).toBe('error');
    expect(bad.error.code).toBe('INPUT_INVALID');
    expect(bad.error.details.errors[0].field).toBe('/zip');
    expect(up.requests).toHaveLength(0);
    const out = await invoke('schemas', { zip: '10115' });
    expect(out.error.code).toBe('OUTPUT_INVALID');
    expect(out.error.message).toContain('price');
  });

  it('a template that needs missing input is INPUT_INVALID and sends nothing', async () => {
    await define('needs_id', { method: 'GET', url: `${up.url}/c/{{input.contract.id}}` });
    const r = await invoke('needs_id', { contract: {} });
    expect(r.error.code).toBe('INPUT_INVALID');
    expect(r.error.message).toContain('input.contract.id');
    expect(up.requests).toHaveLength(0);
  });
});

describe('apiCall egress rules (no private ranges allowed)', () => {
  let s: TestServer;
  let up: Upstream;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { egressAllowCidrs: [] });
    up = await startUpstream((_req, res) => json(res, 200, {}));
  });
  afterAll(async () => {
    await up.close();
    await s.close();
  });

  const targets: Array<[string, () => string]> = [
    ['loopback literal', () => `http://127.0.0.1:${up.port}/x`],
    ['loopback by name', () => `http://localhost:${up.port}/x`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${up.port}/x`],
    ['private 10/8', () => 'http://10.1.2.3/x'],
    ['private 192.168/16', () => 'http://192.168.0.10/x'],
    ['metadata service', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', () => `http://[::1]:${up.port}/x`],
  ];
  for (const [label, url] of targets) {
    it(`refuses ${label}`, async () => {
      const name = 'egress_' + label.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
      const put = await s.api('PUT', `/api/executors/${name}`, { name, type: 'apiCall', apiCall: { method: 'GET', url: url() } });
      expect(put.status).toBe(201);
      const r = (await s.api('POST', `/api/executors/${name}/invoke`, { input: {} })).body;
      expect(r.status).toBe('error');
      expect(r.error.code).toBe('EGRESS_DENIED');
    });
  }
  it('sent nothing to the loopback server', () => {
    expect(up.requests).toHaveLength(0);
  });
});
