// The fair claim on both stores: workspaces are interleaved rank by rank (a flood takes one slot per round), a
// workspace never gets more than its share on one worker, and two concurrent claimers take different rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createReceiver } from './helpers.js';
import { claimDeliveries, nextClaimStart, releaseLeases } from '../../src/events/deliveries.repository.js';

for (const dialect of DIALECTS) {
  describe(`fair delivery claims (${dialect})`, () => {
    let s: TestServer;
    let wsA: string;
    let wsB: string;
    beforeAll(async () => {
      // No dispatcher of its own (runWorkers off): the test is the only claimer.
      s = await startTestServer(dialect, {}, { events: { runWorkers: false } });
      wsA = s.o.defaultWorkspaceId;
      await createReceiver(s, 'recv', 'http://127.0.0.1:9/none');
      await s.api('POST', '/api/event-hooks', { name: 'flood', eventTypes: ['custom.x'], executor: 'recv' });
      const b = await s.api('POST', '/api/workspaces', { name: 'steady' });
      wsB = b.body.workspace.id;
      const tB = b.body.adminToken as string;
      await createReceiverAs(s, tB);
      await s.api('POST', '/api/event-hooks', { name: 'steady', eventTypes: ['custom.x'], executor: 'recv' }, tB);
      // A floods first (older), B's two arrive last: oldest-first claiming would give B nothing.
      await s.api('POST', '/api/events/batch', { events: Array.from({ length: 50 }, (_, i) => ({ type: 'custom.x', data: { i } })) });
      await s.api('POST', '/api/events/batch', { events: [{ type: 'custom.x', data: {} }, { type: 'custom.x', data: {} }] }, tB);
    });
    afterAll(async () => { await s.close(); });

    async function createReceiverAs(t: TestServer, token: string): Promise<void> {
      const r = await t.api('POST', '/api/executors', { name: 'recv', type: 'apiCall', apiCall: { method: 'POST', url: 'http://127.0.0.1:9/none' } }, token);
      expect(r.status).toBe(201);
    }

    const claim = (worker: string, limit: number, perWorkspace: number, running = new Map<string, number>(), after = '') =>
      claimDeliveries(s.o.store.db, s.o.store.caps, worker, Date.now(), Date.now() + 60_000, limit, { perWorkspace, running, after });

    it('interleaves workspaces rank by rank and caps each workspace\'s share', async () => {
      const got = await claim('w1', 10, 6);
      const count = (ws: string) => got.filter((d) => d.workspaceId === ws).length;
      expect(count(wsB)).toBe(2);
      expect(count(wsA)).toBe(6);
      await releaseLeases(s.o.store.db, 'w1', 'all', Date.now());

      // Only two slots: one per workspace (rank 1 of each), not A's two oldest.
      const two = await claim('w1', 2, 6);
      expect(two.map((d) => d.workspaceId).sort()).toEqual([wsA, wsB].sort());
      await releaseLeases(s.o.store.db, 'w1', 'all', Date.now());

      // A already runs 5 of its 6 on this worker: one more of A, and B's two.
      const busy = await claim('w1', 10, 6, new Map([[wsA, 5]]));
      expect(busy.filter((d) => d.workspaceId === wsA)).toHaveLength(1);
      expect(busy.filter((d) => d.workspaceId === wsB)).toHaveLength(2);
      await releaseLeases(s.o.store.db, 'w1', 'all', Date.now());

      // A at its cap: only B's.
      const full = await claim('w1', 10, 6, new Map([[wsA, 6]]));
      expect(full.map((d) => d.workspaceId)).toEqual([wsB, wsB]);
      await releaseLeases(s.o.store.db, 'w1', 'all', Date.now());
    });

    it('with fewer slots than workspaces waiting, the next claim starts after the last one served, then wraps around', async () => {
      const served: string[] = [];
      let after = '';
      for (let i = 0; i < 3; i++) {
        const got = await claim('w1', 1, 6, new Map(), after);
        expect(got).toHaveLength(1);
        served.push(got[0]!.workspaceId);
        after = nextClaimStart(after, got);
      }
      const [first, second] = [wsA, wsB].sort();
      expect(served).toEqual([first, second, first]);
      await releaseLeases(s.o.store.db, 'w1', 'all', Date.now());
    });

    it('two claimers at once take different rows, and together every row once', async () => {
      const [x, y] = await Promise.all([claim('wx', 30, 52), claim('wy', 30, 52)]);
      const ids = [...x, ...y].map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await claim('wz', 100, 52);
      expect(ids.length + rest.length).toBe(52);
      const db = s.o.store.db;
      for (const w of ['wx', 'wy', 'wz']) await releaseLeases(db, w, 'all', Date.now());
    });
  });
}
