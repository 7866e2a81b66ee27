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
  const h = await http.call('GET', '/healthz');
  expect(h.status).toBe(200);
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

    it('deleting an executor while bindings to it are created: never both succeed, no dangling binding', async () => {
      const rounds = 25;
      const perKind = 4;
      const seen: number[] = [];
      for (let k = 0; k < rounds; k++) {
        const ex = `target_${k}`;
        expect((await http.call('POST', '/api/executors', def(ex, k))).status).toBe(201);
        const creates: Array<() => ReturnType<HttpClient['call']>> = Array.from({ length: perKind }, (_, j) => [
          () => http.call('POST', '/api/webhooks', { name: `wh_${k}_${j}`, executor: ex }),
          () => http.call('PUT', `/api/event-hooks/hk_${k}_${j}`, { name: `hk_${k}_${j}`, eventTypes: ['custom.race.*'], executor: ex }),
          () => http.call('POST', '/api/agents', { name: `ag_${k}_${j}`, intent: `intent_${k}_${j}`, dataSchema: { type: 'object' }, executor: ex }),
        ]).flat();
        // The delete goes out at a different place among the creates each round, so that it sometimes wins and sometimes loses.
        const at = k % (creates.length + 1);
        const sent = [...creates.slice(0, at), () => http.call('DELETE', `/api/executors/${ex}`), ...creates.slice(at)].map((send) => send());
        const settled = await Promise.all(sent);
        const d = settled[at]!;
        const made = settled.filter((_, i) => i !== at);
        seen.push(d.status, ...made.map((m) => m.status));
        const createdCount = made.filter((m) => m.status === 201 || m.status === 200).length;
        if (d.status === 204) {
          expect(createdCount, `round ${k}: delete succeeded, so no binding may have been created`).toBe(0);
          for (const m of made) expect(m.body.errors?.[0]?.field).toBe('/executor');
        } else {
          expect(d.status).toBe(409);
          expect(d.body.bindings.length).toBeGreaterThan(0);
        }
      }
      // The invariant over everything stored: every binding's executor exists.
      const executors = new Set(((await http.call('GET', '/api/executors')).body.items as Array<{ name: string }>).map((e) => e.name));
      for (const path of ['/api/webhooks', '/api/event-hooks', '/api/agents']) {
        const items = (await http.call('GET', path)).body.items as Array<{ name: string; executor: string }>;
        for (const b of items) expect(executors.has(b.executor), `${path} ${b.name} -> ${b.executor}`).toBe(true);
      }
      const statuses = tally(seen);
      console.log(`[${dialect}] delete vs ${3 * perKind} binding creates x ${rounds} rounds: ${JSON.stringify(statuses)}`);
      expect(Object.keys(statuses).filter((c) => Number(c) >= 500)).toEqual([]);
      await healthyAfterwards(http);
    }, 60_000);

    it('one agent per intent under concurrent creates and replaces', async () => {
      expect((await http.call('POST', '/api/executors', def('agent_action', 0))).status).toBe(201);
      const n = 60;
      const agent = (name: string) => ({ name, intent: 'meter_reading', dataSchema: { type: 'object' }, executor: 'agent_action' });
      // Half create by POST, half by PUT, all under different names and the same intent.
      const results = await Promise.all(Array.from({ length: n }, (_, i) => (i % 2
        ? http.call('POST', '/api/agents', agent(`poster_${i}`))
        : http.call('PUT', `/api/agents/putter_${i}`, agent(`putter_${i}`)))));
      const statuses = tally(results.map((r) => r.status));
      console.log(`[${dialect}] ${n} concurrent agents for one intent: ${JSON.stringify(statuses)}`);
      expect(statuses).toEqual({ 201: 1, 409: n - 1 });
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.errors[0].field).toBe('/intent');
      const items = (await http.call('GET', '/api/agents')).body.items as Array<{ name: string; intent: string }>;
      expect(items.filter((a) => a.intent === 'meter_reading')).toHaveLength(1);
      // The winner can still be replaced (same name, same intent) while others keep trying to take the intent.
      const winner = items.find((a) => a.intent === 'meter_reading')!.name;
      const again = await Promise.all([
        http.call('PUT', `/api/agents/${winner}`, { ...agent(winner), description: 'changed' }),
        ...Array.from({ length: 10 }, (_, i) => http.call('POST', '/api/agents', agent(`late_${i}`))),
      ]);
      expect(again.map((r) => r.status)).toEqual([200, ...Array(10).fill(409)]);
      await healthyAfterwards(http);
    }, 60_000);

    it('parallel PUTs of one binding name are upserts: one 201, the rest 200, no 409 or 5xx', async () => {
      expect((await http.call('POST', '/api/executors', def('upsert_target', 0))).status).toBe(201);
      const n = 40;
      for (const [path, body] of [
        ['/api/webhooks/same', (i: number) => ({ name: 'same', executor: 'upsert_target', description: `d${i}` })],
        ['/api/event-hooks/same', (i: number) => ({ name: 'same', eventTypes: ['custom.upsert.*'], executor: 'upsert_target', description: `d${i}` })],
        ['/api/agents/same', (i: number) => ({ name: 'same', intent: 'upsert_intent', dataSchema: { type: 'object' }, executor: 'upsert_target', description: `d${i}` })],
      ] as const) {
        const results = await Promise.all(Array.from({ length: n }, (_, i) => http.call('PUT', path, body(i))));
        expect(tally(results.map((r) => r.status)), path).toEqual({ 200: n - 1, 201: 1 });
        expect((await http.call('GET', path)).body.name).toBe('same');
      }
      await healthyAfterwards(http);
    }, 60_000);
  });
}
