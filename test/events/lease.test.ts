// Leases: a crashed node's claims are retaken after the lease; close() drains or hands leases back; on
// PostgreSQL two nodes on one database share the deliveries (SKIP LOCKED) without running any twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshSchema, dropSchema } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createReceiver, waitFor } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`delivery leases on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    let hold = false;
    const held: Array<() => void> = [];
    beforeAll(async () => {
      up = await startUpstream((req, res) => {
        if (req.url === '/hold' && hold) {
          held.push(() => json(res, 200, {}));
          return;
        }
        json(res, 200, {});
      });
      s = await startTestServer(dialect, {}, { events: { dispatcher: { leaseMs: 300, drainMs: 100 } } });
      await createReceiver(s, 'recv', `${up.url}/ok`);
      await createReceiver(s, 'holder', `${up.url}/hold`);
    });
    afterAll(async () => {
      for (const r of held.splice(0)) r();
      await s.close();
      await up.close();
    });

    it('retakes a delivery whose lease ran out (its node died) and delivers it with the same id', async () => {
      await s.api('POST', '/api/event-hooks', { name: 'orphan', eventTypes: ['custom.orphan'], executor: 'recv', enabled: false });
      const ev = await s.api('POST', '/api/events', { type: 'custom.orphan', data: {} });
      expect((await s.api('GET', `/api/events/${ev.body.id}`)).body.deliveries).toEqual([]);
      // A delivery claimed by a node that then died: running, lease in the past.
      await s.api('POST', '/api/event-hooks/orphan/enable');
      const db = s.o.store.db;
      const hook = await db.selectFrom('event_hooks').select('id').where('name', '=', 'orphan').executeTakeFirstOrThrow();
      const now = Date.now();
      await db.insertInto('deliveries').values({
        id: 'dlv_orphan', workspace_id: s.o.defaultWorkspaceId, event_id: ev.body.id, hook_id: hook.id, hook_name: 'orphan', status: 'running', attempts: 1, budget_start: 0,
        next_attempt_at: now, locked_by: 'wkr_dead', locked_until: now - 1, last_error: null, enqueued_at: now, updated_at: now,
      }).execute();
      const got = await waitFor(() => up.requests.map((r) => JSON.parse(r.body)).find((b) => b.id === ev.body.id), 'retaken delivery');
      expect(got._delivery).toMatchObject({ id: 'dlv_orphan', attempt: 2 });
    });

    it('on close, hands back the leases of deliveries that did not finish in time', async () => {
      const other = await startTestServer(dialect, {}, { events: { dispatcher: { leaseMs: 60_000, drainMs: 50 } } });
      try {
        await createReceiver(other, 'holder', `${up.url}/hold`);
        await other.api('POST', '/api/event-hooks', { name: 'held', eventTypes: ['custom.held'], executor: 'holder' });
        hold = true;
        const ev = await other.api('POST', '/api/events', { type: 'custom.held', data: {} });
        await waitFor(() => up.requests.some((r) => JSON.parse(r.body).id === ev.body.id), 'held delivery started');
        const stop = other.o.events.stop();
        await stop;
        const row = await other.o.store.db.selectFrom('deliveries').selectAll().where('event_id', '=', ev.body.id).executeTakeFirstOrThrow();
        expect(row).toMatchObject({ status: 'pending', locked_by: null });
        expect(other.o.events.dispatcher!.status().state).toBe('stopped');
      } finally {
        hold = false;
        for (const r of held.splice(0)) r();
        await other.close();
      }
    });

    it('renews the lease of a delivery that runs longer than the lease, so it is not retaken', async () => {
      await s.api('POST', '/api/event-hooks', { name: 'long', eventTypes: ['custom.long'], executor: 'holder' });
      hold = true;
      try {
        const ev = await s.api('POST', '/api/events', { type: 'custom.long', data: {} });
        await waitFor(() => up.requests.some((r) => JSON.parse(r.body).id === ev.body.id), 'long delivery started');
        const row = () => s.o.store.db.selectFrom('deliveries').select(['locked_until', 'attempts']).where('event_id', '=', ev.body.id).executeTakeFirstOrThrow();
        const first = Number((await row()).locked_until);
        // Renewed past its first lease end (300 ms) at least twice over: the renewal loop runs every third of the lease.
        await waitFor(async () => Number((await row()).locked_until) > first + 600, 'the lease renewed twice');
        expect((await row()).attempts).toBe(1);
        expect(up.requests.filter((r) => JSON.parse(r.body).id === ev.body.id)).toHaveLength(1);
        expect(s.o.events.dispatcher!.renewal.status()).toMatchObject({ failures: 0, lastError: null });
      } finally {
        hold = false;
        for (const r of held.splice(0)) r();
      }
    });
  });
}

describe('two nodes on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  let up: Upstream;
  const schema = freshSchema();
  beforeAll(async () => {
    up = await startUpstream((_req, res) => json(res, 200, {}));
    a = await startTestServer('postgres', {}, { pgSchema: schema });
    b = await startTestServer('postgres', {}, { pgSchema: schema });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await up.close();
    await dropSchema(schema);
  });

  it('share the deliveries: both claim, none runs twice', async () => {
    await createReceiver(a, 'recv', `${up.url}/ok`);
    await a.api('POST', '/api/event-hooks', { name: 'shared', eventTypes: ['custom.shared'], executor: 'recv' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await (i % 2 ? a : b).api('POST', '/api/events/batch', { events: Array.from({ length: 250 }, (_, j) => ({ type: 'custom.shared', data: { j } })) });
      ids.push(...r.body.items.map((e: { id: string }) => e.id));
    }
    await waitFor(() => up.requests.length >= ids.length, 'all deliveries', 30_000);
    const seen = up.requests.map((r) => JSON.parse(r.body).id as string);
    expect(new Set(seen).size).toBe(ids.length);
    expect(seen.length).toBe(ids.length);
    const workers = await a.o.store.db.selectFrom('delivery_attempts').select('worker').distinct().execute();
    expect(workers.length).toBe(2);
    // Idle nodes are woken by NOTIFY instead of polling.
    expect(a.o.events.dispatcher!.status().listening).toBe(true);
    expect(b.o.events.dispatcher!.status().listening).toBe(true);
  });
});
