// API additions for the console's operations pages, on both stores: bulk replay of dead letters by hook and time
// range, time-range and subject filters on the event trace, dead letters and executions, and the dashboard's
// per-hour series and dead letters per hook (aggregated in the database).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createReceiver, waitFor } from '../events/helpers.js';

describe.each(DIALECTS)('operations API (%s)', (dialect) => {
  let s: TestServer;
  let up: Upstream;
  let failing = true;
  beforeAll(async () => {
    up = await startUpstream((req, res) => (failing && req.url === '/flaky' ? json(res, 503, { error: 'down' }) : json(res, 200, { ok: true })));
    s = await startTestServer(dialect);
    await createReceiver(s, 'flaky', `${up.url}/flaky`);
    await createReceiver(s, 'steady', `${up.url}/ok`);
    for (const [name, executor] of [['hook_a', 'flaky'], ['hook_b', 'flaky'], ['hook_ok', 'steady']]) {
      const h = await s.api('POST', '/api/event-hooks', { name, eventTypes: ['custom.order.*'], executor, retry: { attempts: 1 } });
      expect(h.status).toBe(201);
    }
  });
  afterAll(async () => {
    await s.close();
    await up.close();
  });

  async function deadLetters(query = ''): Promise<{ id: string; hook: string; eventId: string; updatedAt: string }[]> {
    const r = await s.api('GET', `/api/dead-letters?limit=500${query}`);
    expect(r.status).toBe(200);
    return r.body.items;
  }

  async function drained(): Promise<void> {
    await waitFor(async () => {
      const q = (await s.api('GET', '/api/stats/dashboard')).body.queue;
      return q.queued === 0 && q.running === 0 ? true : undefined;
    }, 'an empty delivery queue');
  }

  it('bulk replay makes the dead letters of one hook in a time range deliverable again, and no others', async () => {
    const first = await s.api('POST', '/api/events/batch', { events: [{ type: 'custom.order.paid', subject: 'order:1', data: {} }, { type: 'custom.order.paid', subject: 'order:2', data: {} }] });
    expect(first.status).toBe(201);
    // One attempt each: 2 events × 2 failing hooks are 4 dead letters; hook_ok succeeds.
    await waitFor(async () => ((await deadLetters()).length === 4 ? true : undefined), 'four dead letters');
    const firstBatch = await deadLetters();
    const cut = new Date(Math.max(...firstBatch.map((d) => Date.parse(d.updatedAt))) + 1);
    await waitFor(() => Date.now() > cut.getTime() + 1, 'the clock past the cut');
    const later = await s.api('POST', '/api/events', { type: 'custom.order.paid', subject: 'order:3', data: {} });
    await waitFor(async () => ((await deadLetters()).length === 6 ? true : undefined), 'six dead letters');

    // The filters of the list are those of the bulk replay.
    const aBefore = await deadLetters(`&hook=hook_a&to=${cut.toISOString()}`);
    expect(aBefore.map((d) => d.eventId).sort()).toEqual(first.body.items.map((i: { id: string }) => i.id).sort());
    expect((await deadLetters(`&from=${cut.toISOString()}`)).map((d) => d.eventId)).toEqual([later.body.id, later.body.id]);

    failing = false;
    const viewer = (await s.api('POST', '/api/tokens', { name: 'looker', role: 'viewer' })).body.token;
    expect((await s.api('POST', '/api/dead-letters/replay', { hook: 'hook_a' }, viewer)).status).toBe(403);
    expect((await s.api('POST', '/api/dead-letters/replay', { from: cut.toISOString(), to: new Date(cut.getTime() - 1000).toISOString() })).status).toBe(400);
    expect((await s.api('POST', '/api/dead-letters/replay', { to: 'yesterday' })).status).toBe(400);
    expect((await s.api('POST', '/api/dead-letters/replay', { limit: 100_000 })).status).toBe(400);

    const rep = await s.api('POST', '/api/dead-letters/replay', { hook: 'hook_a', to: cut.toISOString(), limit: 1 });
    expect(rep.status).toBe(200);
    expect(rep.body).toEqual({ replayed: [aBefore.at(-1)!.id], more: true });
    const rest = await s.api('POST', '/api/dead-letters/replay', { hook: 'hook_a', to: cut.toISOString() });
    expect(rest.body).toEqual({ replayed: [aBefore[0]!.id], more: false });
    // Replaying the same range again finds nothing dead any more.
    expect((await s.api('POST', '/api/dead-letters/replay', { hook: 'hook_a', to: cut.toISOString() })).body).toEqual({ replayed: [], more: false });

    await waitFor(async () => {
      const ev = await s.api('GET', `/api/events/${first.body.items[0].id}`);
      return ev.body.deliveries.find((d: { hook: string }) => d.hook === 'hook_a')?.status === 'succeeded' ? true : undefined;
    }, 'replayed delivery succeeded');
    const left = await deadLetters();
    expect(left.map((d) => `${d.hook}:${d.eventId === later.body.id ? 'later' : 'first'}`).sort()).toEqual(['hook_a:later', 'hook_b:first', 'hook_b:first', 'hook_b:later']);

    // Without filters every remaining dead letter of the workspace is replayed.
    const all = await s.api('POST', '/api/dead-letters/replay', {});
    expect(all.body.replayed.sort()).toEqual(left.map((d) => d.id).sort());
    expect(await deadLetters()).toEqual([]);
    await drained();
  });

  it('filters the event trace by subject and occurrence time', async () => {
    const a = await s.api('POST', '/api/events', { type: 'custom.note', subject: 'ticket:x1', data: {} });
    const b = await s.api('POST', '/api/events', { type: 'custom.note', subject: 'ticket:x2', data: {} });
    const bySubject = await s.api('GET', '/api/events?subject=ticket:x1');
    expect(bySubject.body.items.map((e: { id: string }) => e.id)).toEqual([a.body.id]);
    const at = Date.parse(b.body.occurredAt);
    const window = await s.api('GET', `/api/events?type=custom.note&from=${new Date(at).toISOString()}&to=${new Date(at + 1).toISOString()}`);
    expect(window.body.items.map((e: { id: string }) => e.id)).toContain(b.body.id);
    expect(window.body.items.every((e: { occurredAt: string }) => Date.parse(e.occurredAt) === at)).toBe(true);
    const none = await s.api('GET', `/api/events?from=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect(none.body.items).toEqual([]);
    expect((await s.api('GET', '/api/events?from=not-a-date')).status).toBe(400);
    // Valid RFC 3339 that Date.parse cannot read (a leap second) is a 400 naming the field, never a NaN in SQL.
    const leap = await s.api('GET', '/api/events?to=2016-12-31T23:59:60Z');
    expect(leap.status).toBe(400);
    expect(leap.body.errors).toEqual([{ field: '/to', message: expect.stringMatching(/date-time/) }]);
    expect((await s.api('GET', '/api/events?from=2026-01-01t00:00:00z')).status).toBe(200);
  });

  it('filters executions by start time', async () => {
    const all = await s.api('GET', '/api/executions?limit=500');
    expect(all.body.items.length).toBeGreaterThan(0);
    const newest = all.body.items[0];
    const since = await s.api('GET', `/api/executions?limit=500&from=${newest.startedAt}`);
    expect(since.body.items.map((x: { id: string }) => x.id)).toContain(newest.id);
    expect(since.body.items.every((x: { startedAt: string }) => Date.parse(x.startedAt) >= Date.parse(newest.startedAt))).toBe(true);
    const until = await s.api('GET', `/api/executions?limit=500&to=${newest.startedAt}`);
    expect(until.body.items.some((x: { id: string }) => x.id === newest.id)).toBe(false);
    expect(since.body.items.length + until.body.items.length).toBe(all.body.items.length);
  });

  it('the dashboard counts per hour of the day and dead letters per hook in the database', async () => {
    failing = true;
    await s.api('POST', '/api/events', { type: 'custom.order.lost', data: {} });
    await waitFor(async () => ((await deadLetters()).length === 2 ? true : undefined), 'two new dead letters');
    await drained();
    const dash = await s.api('GET', '/api/stats/dashboard');
    expect(dash.status).toBe(200);
    const executions = (await s.api('GET', '/api/executions?limit=500')).body.items as { status: string }[];
    const sum = (xs: { invocations: number; errors: number }[], k: 'invocations' | 'errors') => xs.reduce((n, x) => n + x[k], 0);
    expect(sum(dash.body.perHour, 'invocations')).toBe(executions.length);
    expect(sum(dash.body.perHour, 'errors')).toBe(executions.filter((x) => x.status === 'error').length);
    expect(sum(dash.body.perMinute, 'invocations')).toBe(executions.length);
    for (const h of dash.body.perHour) expect(new Date(h.hour).getUTCMinutes()).toBe(0);
    expect(dash.body.deadLettersByHook).toEqual([{ hook: 'hook_a', count: 1 }, { hook: 'hook_b', count: 1 }]);
    expect(dash.body.deadLetters).toBe(2);
  });
});
