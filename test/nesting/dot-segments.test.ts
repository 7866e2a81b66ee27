// apiCall URL templates: input cannot render a `.` or `..` path segment (plain or percent-encoded), so an invoker
// cannot move a request that carries a secret header to another path. A real local server records every path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectHealthy } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`apiCall dot segments on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;

    beforeAll(async () => {
      up = await startUpstream((req, res) => json(res, 200, { path: req.url }));
      s = await startTestServer(dialect);
      await s.api('PUT', '/api/secrets/ERP_TOKEN', { value: 'erp-secret-token-value' });
      const headers = { Authorization: 'Bearer {{secret:ERP_TOKEN}}' };
      const put = async (name: string, url: string) => expect((await s.api('PUT', `/api/executors/${name}`, { name, type: 'apiCall', apiCall: { method: 'GET', url, headers } })).status).toBe(201);
      await put('contract', `${up.url}/api/contracts/{{input.id}}/details`);
      await put('joined', `${up.url}/api/files/{{input.a}}{{input.b}}/meta`);
      await put('suffixed', `${up.url}/api/files/{{input.a}}%2e/meta`);
      await put('queried', `${up.url}/api/search?q={{input.q}}`);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    // [executor, input, what is sent: null when refused, else the path the upstream sees]
    it.each([
      ['contract', { id: '..' }, null], ['contract', { id: '.' }, null],
      ['joined', { a: '.', b: '.' }, null], ['suffixed', { a: '.' }, null], ['suffixed', { a: '' }, null],
      // A % in the input is encoded, so these are ordinary segments, not the dot segments they spell.
      ['contract', { id: '%2e%2e' }, '/api/contracts/%252e%252e/details'], ['contract', { id: '.%2E' }, '/api/contracts/.%252E/details'],
      ['joined', { a: '%2e', b: '.' }, '/api/files/%252e./meta'],
    ] as const)('%s with %j: refused or sent to the path the author wrote', async (name, input, path) => {
      const before = up.requests.length;
      const r = await s.api('POST', `/api/executors/${name}/invoke`, { input });
      expect(r.status).toBe(200);
      if (path === null) {
        expect(r.body).toMatchObject({ status: 'error', error: { code: 'INPUT_INVALID', message: expect.stringContaining('dot segment') } });
        expect(up.requests.length).toBe(before);
      } else {
        expect(r.body.status).toBe('ok');
        expect(up.requests[before]!.url).toBe(path);
      }
      await expectHealthy(s);
    });

    it('sends inputs that only look like dots, and dots in the query string', async () => {
      const call = async (name: string, input: unknown) => (await s.api('POST', `/api/executors/${name}/invoke`, { input })).body;
      expect((await call('contract', { id: '...' })).output.path).toBe('/api/contracts/.../details');
      expect((await call('contract', { id: '../../admin' })).output.path).toBe('/api/contracts/..%2F..%2Fadmin/details');
      expect((await call('contract', { id: 'K-1.2' })).output.path).toBe('/api/contracts/K-1.2/details');
      // The query string is no path: dots there are plain data.
      expect((await call('queried', { q: '..' })).output.path).toBe('/api/search?q=..');
      // Every request that carried the secret went to a path the templates name.
      for (const r of up.requests) {
        expect(r.headers.authorization).toBe('Bearer erp-secret-token-value');
        expect(r.url).toMatch(/^\/api\/(contracts\/[^/]+\/details|files\/[^/]+\/meta|search\?)/);
      }
    });
  });
}
