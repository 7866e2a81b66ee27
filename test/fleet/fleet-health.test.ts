// Honest fleet health: node heartbeats in `fleet_nodes`, an api node not ready without a live worker, a silent
// worker's claimed deliveries reclaimed within the reap interval (long before their lease), and the fleet gauges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshSchema } from '../helpers/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createReceiver, waitFor } from '../events/helpers.js';
import { loadConfig, ConfigError } from '../../src/config.js';

const FAST = { leaseMs: 60_000, heartbeatMs: 100, reapIntervalMs: 100, affinityStealMs: 25 };

for (const dialect of DIALECTS) {
  describe(`fleet health on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    beforeAll(async () => {
      up = await startUpstream((_req, res) => json(res, 200, {}));
      s = await startTestServer(dialect, { fleet: FAST });
      await createReceiver(s, 'recv', `${up.url}/ok`);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    it('writes this node\'s heartbeat row (role, version, start, last beat) and keeps it fresh', async () => {
      const row = await s.o.store.db.selectFrom('fleet_nodes').selectAll().where('node_id', '=', s.o.events.dispatcher!.workerId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ role: 'all', in_flight: 0 });
      expect(row.version).toMatch(/\d/);
      await waitFor(async () => {
        const now = await s.o.store.db.selectFrom('fleet_nodes').select('last_beat_at').where('node_id', '=', row.node_id).executeTakeFirstOrThrow();
        return Number(now.last_beat_at) > Number(row.last_beat_at);
      }, 'a later beat');
      const ready = await s.api('GET', '/readyz');
      expect(ready.body.checks.loops.loops.map((l: { name: string }) => l.name)).toContain('heartbeat');
      expect(ready.body.checks.workers.ok).toBe(true);
    });

    it('reclaims the deliveries of a worker whose heartbeat stopped, long before their lease ends, and counts them', async () => {
      await s.api('POST', '/api/event-hooks', { name: 'orphaned', eventTypes: ['custom.orphaned'], executor: 'recv', enabled: false });
      const ev = await s.api('POST', '/api/events', { type: 'custom.orphaned', data: {} });
      const db = s.o.store.db;
      const hook = await db.selectFrom('event_hooks').select('id').where('name', '=', 'orphaned').executeTakeFirstOrThrow();
      const now = Date.now();
      // A worker that beat a minute ago and holds a delivery with an hour of lease left: it was killed.
      await db.insertInto('fleet_nodes').values({ node_id: 'node_dead', role: 'worker', version: 'x', started_at: now - 120_000, last_beat_at: now - 60_000, in_flight: 1 }).execute();
      await db.insertInto('deliveries').values({
        id: 'dlv_of_dead', workspace_id: s.o.defaultWorkspaceId, event_id: ev.body.id, hook_id: hook.id, hook_name: 'orphaned', status: 'running', attempts: 1, budget_start: 0,
        next_attempt_at: now, locked_by: 'node_dead', locked_until: now + 3_600_000, last_error: null, enqueued_at: now, updated_at: now,
      }).execute();
      await s.api('POST', '/api/event-hooks/orphaned/enable');
      const got = await waitFor(() => up.requests.map((r) => JSON.parse(r.body)).find((b) => b.id === ev.body.id), 'the reclaimed delivery');
      expect(got._delivery).toMatchObject({ id: 'dlv_of_dead', attempt: 2 });
      // Results are saved in batches after the call: wait for the row before reading the queue gauges.
      await waitFor(async () => (await db.selectFrom('deliveries').select('status').where('id', '=', 'dlv_of_dead').executeTakeFirstOrThrow()).status === 'succeeded', 'the result saved');
      const m = await s.o.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(m.body).toMatch(/outrigger_event_deliveries_reclaimed_total\{reason="worker_silent"\} 1/);
      expect(m.body).toMatch(/outrigger_fleet_live_workers 1/);
      expect(m.body).toMatch(/outrigger_event_deliveries_queue_depth\{status="succeeded"\} \d+/);
      expect(m.body).toMatch(/outrigger_event_deliveries_oldest_pending_age_seconds \d/);
    });

    it('leaves the table on a clean stop', async () => {
      // SQLite is one process (role all only); on PostgreSQL an api node.
      const other = await startTestServer(dialect, { fleet: FAST, role: dialect === 'postgres' ? 'api' : 'all' });
      const id = other.o.fleet.nodeId;
      expect(await other.o.store.db.selectFrom('fleet_nodes').select('node_id').where('node_id', '=', id).executeTakeFirst()).toBeDefined();
      await other.o.fleet.stop();
      expect(await other.o.store.db.selectFrom('fleet_nodes').select('node_id').where('node_id', '=', id).executeTakeFirst()).toBeUndefined();
      await other.close();
    });
  });
}

describe('an api node on PostgreSQL without a live worker', () => {
  const schema = freshSchema();
  let apiNode: TestServer;
  beforeAll(async () => { apiNode = await startTestServer('postgres', { role: 'api', fleet: FAST }, { pgSchema: schema }); });
  afterAll(async () => { await apiNode.close(); });

  it('is not ready (503, check workers) until a worker beats, and not ready again once that worker is gone', async () => {
    const alone = await apiNode.api('GET', '/readyz');
    expect(alone.status).toBe(503);
    expect(alone.body.failing).toEqual(['workers']);
    expect(alone.body.checks.workers.detail).toContain('no worker');
    const worker = await startTestServer('postgres', { role: 'worker', fleet: FAST }, { pgSchema: schema });
    try {
      await waitFor(async () => (await apiNode.api('GET', '/readyz')).status === 200, 'ready once the worker beats');
    } finally {
      await worker.close();
    }
    expect((await apiNode.api('GET', '/readyz')).status).toBe(503);
  });
});

describe('fleet timing configuration', () => {
  it('reads lease, heartbeat and reap interval from the environment and rejects a heartbeat too slow for the lease', () => {
    expect(loadConfig({ OUTRIGGER_LEASE_MS: '9000', OUTRIGGER_HEARTBEAT_MS: '1000', OUTRIGGER_REAP_INTERVAL_MS: '500', OUTRIGGER_AFFINITY_STEAL_MS: '40' }).fleet).toEqual({ leaseMs: 9_000, heartbeatMs: 1_000, reapIntervalMs: 500, affinityStealMs: 40 });
    expect(loadConfig({}).fleet).toEqual({ leaseMs: 15_000, heartbeatMs: 2_000, reapIntervalMs: 2_000, affinityStealMs: 25 });
    expect(() => loadConfig({ OUTRIGGER_LEASE_MS: '3000', OUTRIGGER_HEARTBEAT_MS: '2000' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTRIGGER_REAP_INTERVAL_MS: 'soon' })).toThrow(/OUTRIGGER_REAP_INTERVAL_MS/);
  });
});
