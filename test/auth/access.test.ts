// Tokens, roles and workspace isolation on both dialects; secrets write-only and encrypted at rest; storage objects.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

const SECRET = 'p@ss-w0rd-never-shown';

for (const dialect of DIALECTS) {
  describe(`access control and secrets on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    const tokens: Record<string, string> = {};
    beforeAll(async () => {
      s = await startTestServer(dialect);
      up = await startUpstream((_req, res) => json(res, 200, { ok: 1 }));
      for (const role of ['developer', 'operator', 'viewer', 'invoker']) {
        const r = await s.api('POST', '/api/tokens', { name: `${role}-token`, role });
        expect(r.status).toBe(201);
        expect(r.body.token).toMatch(/^otr_/);
        tokens[role] = r.body.token;
      }
      await s.api('PUT', '/api/executors/ping', { name: 'ping', type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/ping` } });
    });
    afterAll(async () => {
      await up.close();
      await s.close();
    });

    it('a viewer reads but cannot write or invoke', async () => {
      const v = tokens.viewer;
      expect((await s.api('GET', '/api/executors', undefined, v)).status).toBe(200);
      expect((await s.api('GET', '/api/secrets', undefined, v)).status).toBe(200);
      for (const [method, url, body] of [
        ['PUT', '/api/executors/ping', { name: 'ping', type: 'apiCall', apiCall: { method: 'GET', url: 'http://x' } }],
        ['DELETE', '/api/executors/ping', undefined],
        ['POST', '/api/executors/ping/rollback', { version: 1 }],
        ['POST', '/api/executors/ping/invoke', { input: {} }],
        ['PUT', '/api/secrets/X', { value: 'y' }],
        ['PUT', '/api/storage/k', { value: 1 }],
        ['POST', '/api/tokens', { name: 'n', role: 'admin' }],
      ] as const) {
        const r = await s.api(method, url, body, v);
        expect(r.status, `${method} ${url}`).toBe(403);
        expect(r.body.code).toBe('FORBIDDEN');
      }
      expect((await s.api('GET', '/api/executors/ping', undefined, v)).body.activeVersion).toBe(1);
    });

    it('an invoker invokes but cannot read definitions or executions', async () => {
      const i = tokens.invoker;
      const run = await s.api('POST', '/api/executors/ping/invoke', { input: {} }, i);
      expect(run.status).toBe(200);
      expect(run.body.status).toBe('ok');
      expect((await s.api('GET', '/api/executors/ping', undefined, i)).status).toBe(403);
      expect((await s.api('GET', `/api/executions/${run.body.executionId}`, undefined, i)).status).toBe(403);
      expect((await s.api('GET', '/api/me', undefined, i)).body.role).toBe('invoker');
    });

    it('a developer writes executors and secrets but not tokens; an operator writes storage only', async () => {
      expect((await s.api('PUT', '/api/secrets/DEV', { value: 'v4lue' }, tokens.developer)).status).toBe(201);
      expect((await s.api('GET', '/api/tokens', undefined, tokens.developer)).status).toBe(403);
      expect((await s.api('PUT', '/api/storage/op', { value: { a: 1 } }, tokens.operator)).status).toBe(200);
      expect((await s.api('PUT', '/api/secrets/OP', { value: 'x' }, tokens.operator)).status).toBe(403);
    });

    it('unknown, malformed and revoked tokens are 401', async () => {
      expect((await s.api('GET', '/api/executors', undefined, 'otr_unknown')).status).toBe(401);
      const r = await s.o.app.inject({ method: 'GET', url: '/api/executors', headers: { authorization: 'Basic abc' } });
      expect(r.statusCode).toBe(401);
      const made = await s.api('POST', '/api/tokens', { name: 'temp', role: 'viewer' });
      expect((await s.api('GET', '/api/executors', undefined, made.body.token)).status).toBe(200);
      expect((await s.api('DELETE', `/api/tokens/${made.body.id}`)).status).toBe(204);
      expect((await s.api('GET', '/api/executors', undefined, made.body.token)).status).toBe(401);
      const list = await s.api('GET', '/api/tokens');
      expect(JSON.stringify(list.body)).not.toContain(made.body.token);
      expect((await s.o.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await s.o.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(401);
    });

    it('a token of workspace A cannot see or touch workspace B', async () => {
      const created = await s.api('POST', '/api/workspaces', { name: 'tenant-b' });
      expect(created.status).toBe(201);
      const b = created.body.adminToken as string;
      expect((await s.api('GET', '/api/executors', undefined, b)).body.items).toEqual([]);
      expect((await s.api('GET', '/api/executors/ping', undefined, b)).status).toBe(404);
      expect((await s.api('POST', '/api/executors/ping/invoke', { input: {} }, b)).status).toBe(404);
      expect((await s.api('GET', '/api/secrets', undefined, b)).body.items).toEqual([]);
      expect((await s.api('GET', '/api/executions', undefined, b)).body.items).toEqual([]);
      const aRun = await s.api('POST', '/api/executors/ping/invoke', { input: {} });
      expect((await s.api('GET', `/api/executions/${aRun.body.executionId}`, undefined, b)).status).toBe(404);
      // B's own executor of the same name is a different one.
      await s.api('PUT', '/api/executors/ping', { name: 'ping', type: 'apiCall', apiCall: { method: 'GET', url: `${up.url}/b` } }, b);
      expect((await s.api('GET', '/api/executors/ping')).body.definition.apiCall.url).toBe(`${up.url}/ping`);
      expect((await s.api('POST', '/api/workspaces', { name: 'tenant-b' })).status).toBe(409);
      expect((await s.api('POST', '/api/workspaces', { name: 'tz', timeZone: 'Mars/Olympus' })).status).toBe(400);
    });

    it('secrets are write-only, encrypted at rest, and never in any response or record', async () => {
      expect((await s.api('PUT', '/api/secrets/ERP_TOKEN', { value: SECRET })).status).toBe(201);
      expect((await s.api('PUT', '/api/secrets/ERP_TOKEN', { value: SECRET })).status).toBe(200);
      const list = await s.api('GET', '/api/secrets');
      expect(list.body.items.map((x: { name: string }) => x.name)).toContain('ERP_TOKEN');
      expect(list.raw).not.toContain(SECRET);
      // Write-only: there is no way to read one secret back (the path takes PUT and DELETE only).
      const read = await s.api('GET', '/api/secrets/ERP_TOKEN');
      expect(read.status).toBe(405);
      expect(read.raw).not.toContain(SECRET);
      const rows = await s.o.store.db.selectFrom('secrets').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(SECRET);
      expect(JSON.stringify(rows)).not.toContain(Buffer.from(SECRET).toString('base64'));
      await s.api('PUT', '/api/executors/uses_secret', { name: 'uses_secret', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/s`, headers: { 'X-Key': '{{secret:ERP_TOKEN}}' } } });
      const run = await s.api('POST', '/api/executors/uses_secret/invoke', { input: { echo: SECRET } });
      expect(run.raw).not.toContain(SECRET);
      const detail = await s.api('GET', `/api/executions/${run.body.executionId}`);
      expect(detail.raw).not.toContain(SECRET);
      expect((await s.api('PUT', '/api/secrets/bad-name', { value: 'x' })).status).toBe(400);
      expect((await s.api('PUT', '/api/secrets/EMPTY', { value: '' })).status).toBe(400);
      expect((await s.api('DELETE', '/api/secrets/ERP_TOKEN')).status).toBe(204);
      expect((await s.api('DELETE', '/api/secrets/ERP_TOKEN')).status).toBe(404);
    });

    it('the master key file is created with mode 0600', () => {
      const mode = fs.statSync(path.join(s.dataDir, 'master.key')).mode & 0o777;
      expect(mode).toBe(0o600);
    });

    it('storage objects: set, get, list by prefix, TTL, delete', async () => {
      expect((await s.api('PUT', '/api/storage/meter:M-1', { value: { last: 100 } })).status).toBe(200);
      await s.api('PUT', '/api/storage/meter:M-2', { value: [1, 2] });
      await s.api('PUT', '/api/storage/other', { value: 'x' });
      expect((await s.api('GET', '/api/storage/meter:M-1')).body.value).toEqual({ last: 100 });
      const listed = await s.api('GET', '/api/storage?prefix=meter:');
      expect(listed.body.items.map((o: { key: string }) => o.key)).toEqual(['meter:M-1', 'meter:M-2']);
      const ttl = await s.api('PUT', '/api/storage/short', { value: 1, ttlSeconds: 1 });
      expect(ttl.body.expiresAt).not.toBeNull();
      await s.o.store.db.updateTable('storage_objects').set({ expires_at: Date.now() - 1 }).where('key', '=', 'short').execute();
      expect((await s.api('GET', '/api/storage/short')).status).toBe(404);
      expect((await s.api('PUT', '/api/storage/k', { ttlSeconds: 5 })).status).toBe(400);
      expect((await s.api('PUT', '/api/storage/k', { value: 1, ttlSeconds: 0 })).status).toBe(400);
      expect((await s.api('DELETE', '/api/storage/meter:M-1')).status).toBe(204);
      expect((await s.api('GET', '/api/storage/meter:M-1')).status).toBe(404);
    });
  });
}

describe('bad characters on PostgreSQL', () => {
  it('a NUL in a token name or id is a 400, not a 500', async () => {
    const s = await startTestServer('postgres');
    try {
      const r = await s.api('POST', '/api/tokens', { name: 'a\u0000b', role: 'viewer' });
      expect(r.status).toBe(400);
      expect((await s.api('DELETE', '/api/tokens/tok%00x')).status).toBeLessThan(500);
      expect((await s.api('GET', '/api/storage?prefix=%00')).status).toBeLessThan(500);
      expect((await s.api('PUT', '/api/executors/nul', { name: 'nul', type: 'apiCall', description: 'a\u0000', apiCall: { method: 'GET', url: 'http://x' } })).status).toBeLessThan(500);
    } finally {
      await s.close();
    }
  });
});
