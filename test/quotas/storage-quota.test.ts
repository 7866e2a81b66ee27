// Storage quotas per workspace through the REST API on both stores: bytes, keys, value size, paged lists, and races.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const LIMITS = { maxBytes: 64 * 1024, maxKeys: 20, valueMaxBytes: 16 * 1024, listMaxItems: 50, listMaxBytes: 40 * 1024 };

for (const dialect of DIALECTS) {
  describe(`storage quotas (${dialect})`, () => {
    let s: TestServer;
    let other: string;

    beforeAll(async () => {
      s = await startTestServer(dialect, { storageLimits: LIMITS });
      other = (await s.api('POST', '/api/workspaces', { name: 'other-tenant' })).body.adminToken as string;
    });
    afterAll(async () => s.close());

    /** The server answers and another workspace can still write and read. */
    async function healthy(): Promise<void> {
      expect((await s.o.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await s.api('PUT', '/api/storage/probe', { value: { ok: Date.now() } }, other)).status).toBe(200);
      expect((await s.api('GET', '/api/storage/probe', undefined, other)).status).toBe(200);
      await s.api('DELETE', '/api/storage/probe', undefined, other);
    }

    async function clear(token?: string): Promise<void> {
      for (;;) {
        const page = await s.api('GET', '/api/storage?limit=1000', undefined, token);
        if (page.body.items.length === 0) return;
        for (const o of page.body.items) await s.api('DELETE', `/api/storage/${o.key}`, undefined, token);
      }
    }

    it('a value over the size cap is refused with 413 and nothing is stored', async () => {
      const r = await s.api('PUT', '/api/storage/big', { value: 'x'.repeat(LIMITS.valueMaxBytes) });
      expect(r.status).toBe(413);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
      expect((await s.api('GET', '/api/storage/big')).status).toBe(404);
      await healthy();
    });

    it('the write that exceeds the byte quota fails with LIMIT_EXCEEDED; replacing a value counts only the new one', async () => {
      await clear();
      const v = 'x'.repeat(15 * 1024);
      for (let i = 0; i < 4; i++) expect((await s.api('PUT', `/api/storage/b${i}`, { value: v })).status).toBe(200);
      const r = await s.api('PUT', '/api/storage/b4', { value: v });
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'bytes', max: LIMITS.maxBytes });
      expect((await s.api('GET', '/api/storage/b4')).status).toBe(404);
      // Overwriting an existing key with a value of the same size stays within the quota.
      expect((await s.api('PUT', '/api/storage/b0', { value: v.replace('x', 'y') })).status).toBe(200);
      // Deleting frees the space again.
      expect((await s.api('DELETE', '/api/storage/b1')).status).toBe(204);
      expect((await s.api('PUT', '/api/storage/b4', { value: v })).status).toBe(200);
      // The other workspace has its own quota.
      expect((await s.api('PUT', '/api/storage/b0', { value: v }, other)).status).toBe(200);
      await s.api('DELETE', '/api/storage/b0', undefined, other);
      await healthy();
    });

    it('the write that exceeds the key quota fails with LIMIT_EXCEEDED', async () => {
      await clear();
      for (let i = 0; i < LIMITS.maxKeys; i++) expect((await s.api('PUT', `/api/storage/k${String(i).padStart(2, '0')}`, { value: i })).status).toBe(200);
      const r = await s.api('PUT', '/api/storage/one-more', { value: 1 });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'keys', max: LIMITS.maxKeys });
      await healthy();
    });

    it('concurrent writes cannot overshoot the quota together (the check runs in a transaction)', async () => {
      await clear();
      const v = 'z'.repeat(15 * 1024);
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => s.api('PUT', `/api/storage/race${i}`, { value: v })));
      const ok = results.filter((r) => r.status === 200).length;
      expect(ok).toBe(4);
      expect(results.filter((r) => r.status === 400 && r.body.code === 'LIMIT_EXCEEDED')).toHaveLength(8);
      const keys: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await s.api('GET', `/api/storage?prefix=race${cursor ? `&cursor=${cursor}` : ''}`);
        keys.push(...page.body.items.map((o: { key: string }) => o.key));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(keys).toHaveLength(4);
      await healthy();
    });

    it('GET /api/storage pages by limit and cursor, and a page never carries more than the byte cap', async () => {
      await clear();
      for (let i = 0; i < 9; i++) expect((await s.api('PUT', `/api/storage/p${i}`, { value: 'v'.repeat(6 * 1024) })).status).toBe(200);
      const first = await s.api('GET', '/api/storage?prefix=p&limit=4');
      expect(first.status).toBe(200);
      expect(first.body.items.map((o: { key: string }) => o.key)).toEqual(['p0', 'p1', 'p2', 'p3']);
      expect(first.body.nextCursor).toBe('p3');
      const second = await s.api('GET', `/api/storage?prefix=p&limit=4&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((o: { key: string }) => o.key)).toEqual(['p4', 'p5', 'p6', 'p7']);
      const third = await s.api('GET', `/api/storage?prefix=p&limit=4&cursor=${second.body.nextCursor}`);
      expect(third.body).toMatchObject({ items: [{ key: 'p8' }], nextCursor: null });
      // Without a limit the byte cap (40 KiB) ends the page after six 6 KiB values.
      const capped = await s.api('GET', '/api/storage?prefix=p&limit=1000');
      expect(capped.body.items).toHaveLength(6);
      expect(capped.raw.length).toBeLessThan(LIMITS.listMaxBytes + 4096);
      expect(capped.body.nextCursor).toBe('p5');
      const rest = await s.api('GET', `/api/storage?prefix=p&limit=1000&cursor=${capped.body.nextCursor}`);
      expect(rest.body.items.map((o: { key: string }) => o.key)).toEqual(['p6', 'p7', 'p8']);
      expect(rest.body.nextCursor).toBeNull();
      expect((await s.api('GET', '/api/storage?cursor=a%20b')).status).toBe(400);
      await healthy();
    });
  });
}
