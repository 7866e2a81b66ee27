// Event hooks end to end on both stores: publish → filter → deliver to an apiCall executor, retries with a
// stable delivery id, dead letters, replay, disabled hooks, per-hook concurrency, ctx.emit wiring, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createReceiver, waitFor } from './helpers.js';
import { purgeEventsBefore } from '../../src/events/outbox.js';
import type { SdkHostFactory } from '../../src/executors/sdk-host.js';

for (const dialect of DIALECTS) {
  describe(`event hooks on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    let failing = false;
    let concurrent = 0;
    let maxConcurrent = 0;
    const bodies = () => up.requests.map((r) => JSON.parse(r.body));

    beforeAll(async () => {
      up = await startUpstream((req, res) => {
        if (req.url === '/slow') {
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          setTimeout(() => { concurrent--; json(res, 200, {}); }, 30);
          return;
        }
        if (req.url === '/flaky' && failing) return json(res, 503, { error: 'down' });
        json(res, 200, { received: true });
      });
      s = await startTestServer(dialect);
      await createReceiver(s, 'recv', `${up.url}/ok`);
      await createReceiver(s, 'flaky', `${up.url}/flaky`);
      await createReceiver(s, 'slow', `${up.url}/slow`);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    it('delivers an external TicketCreated to the matching hook with the event and its delivery id', async () => {
      const h = await s.api('POST', '/api/event-hooks', {
        name: 'email_created', eventTypes: ['TicketCreated'], executor: 'recv', filter: { '==': [{ var: 'data.channel' }, 'email'] },
      });
      expect(h.status).toBe(201);
      expect(h.body).toMatchObject({ name: 'email_created', enabled: true, retryIsDefault: true, retry: { attempts: 8 } });

      const skipped = await s.api('POST', '/api/events', { type: 'TicketCreated', subject: 'ticket:1', data: { channel: 'chat', ticketId: 1 } });
      expect(skipped.status).toBe(201);
      // Fan-out happens when the event is written: a filtered-out event has no delivery at all.
      expect((await s.api('GET', `/api/events/${skipped.body.id}`)).body.deliveries).toEqual([]);

      const ev = await s.api('POST', '/api/events', { type: 'TicketCreated', subject: 'ticket:2', data: { channel: 'email', ticketId: 2 } });
      expect(ev.status).toBe(201);
      expect(ev.body).toMatchObject({ type: 'TicketCreated', subject: 'ticket:2', data: { channel: 'email', ticketId: 2 } });
      const got = await waitFor(() => bodies().find((b) => b.id === ev.body.id), 'the delivery');
      expect(got).toMatchObject({ type: 'TicketCreated', subject: 'ticket:2', data: { channel: 'email', ticketId: 2 }, _delivery: { attempt: 1, eventId: ev.body.id, hook: 'email_created' } });
      expect(bodies().some((b) => b.id === skipped.body.id)).toBe(false);

      const trace = await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${ev.body.id}`);
        return t.body.deliveries[0]?.status === 'succeeded' ? t.body : undefined;
      }, 'succeeded delivery');
      const d = trace.deliveries[0];
      expect(d.id).toBe(got._delivery.id);
      expect(d.attempts).toHaveLength(1);
      expect(d.attempts[0]).toMatchObject({ attempt: 1, status: 'ok' });
      const exe = await s.api('GET', `/api/executions/${d.attempts[0].executionId}`);
      expect(exe.body).toMatchObject({ trigger: 'event', triggerRef: d.id, attempt: 1, status: 'ok' });

      const list = await s.api('GET', '/api/events?type=TicketCreated&limit=1');
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0].id).toBe(ev.body.id);
      const page2 = await s.api('GET', `/api/events?type=TicketCreated&limit=1&cursor=${list.body.nextCursor}`);
      expect(page2.body.items[0].id).toBe(skipped.body.id);
    });

    it('retries with the schedule, keeps the delivery id, lands in dead letters and replays after the fix', async () => {
      failing = true;
      const h = await s.api('POST', '/api/event-hooks', { name: 'flaky_hook', eventTypes: ['custom.order.*'], executor: 'flaky', retry: { attempts: 3, schedule: [20, 40] } });
      expect(h.status).toBe(201);
      const ev = await s.api('POST', '/api/events', { type: 'custom.order.paid', data: { order: 7 } });
      expect(ev.status).toBe(201);
      const dead = await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${ev.body.id}`);
        return t.body.deliveries[0]?.status === 'dead' ? t.body.deliveries[0] : undefined;
      }, 'dead letter');
      expect(dead.attempts.map((a: any) => a.status)).toEqual(['error', 'error', 'error']);
      expect(dead.attempts[0].error.code).toBe('UPSTREAM_ERROR');
      expect(dead.lastError.code).toBe('UPSTREAM_ERROR');
      // Back-off: each retry started no earlier than its scheduled delay after the previous attempt.
      const starts = dead.attempts.map((a: any) => Date.parse(a.startedAt));
      expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(20);
      expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(40);
      const sent = bodies().filter((b) => b.id === ev.body.id);
      expect(sent.map((b) => b._delivery.attempt)).toEqual([1, 2, 3]);
      expect(new Set(sent.map((b) => b._delivery.id))).toEqual(new Set([dead.id]));

      const letters = await s.api('GET', '/api/dead-letters?hook=flaky_hook');
      expect(letters.body.items.map((l: any) => l.id)).toContain(dead.id);
      expect(letters.body.items[0]).toMatchObject({ eventId: ev.body.id, eventType: 'custom.order.paid', status: 'dead' });

      failing = false;
      const rep = await s.api('POST', `/api/events/${ev.body.id}/replay`, {});
      expect(rep.status).toBe(200);
      expect(rep.body.replayed).toEqual([dead.id]);
      const ok = await waitFor(async () => {
        const t = await s.api('GET', `/api/events/${ev.body.id}`);
        return t.body.deliveries[0]?.status === 'succeeded' ? t.body.deliveries[0] : undefined;
      }, 'replayed delivery');
      expect(ok.id).toBe(dead.id);
      expect(ok.attempts.map((a: any) => a.status)).toEqual(['error', 'error', 'error', 'ok']);
      expect(bodies().filter((b) => b.id === ev.body.id).at(-1)._delivery).toMatchObject({ id: dead.id, attempt: 4 });
      expect((await s.api('GET', '/api/dead-letters?hook=flaky_hook')).body.items).toEqual([]);

      // Replay to one hook re-delivers even a succeeded delivery, same id again.
      const again = await s.api('POST', `/api/events/${ev.body.id}/replay`, { hook: 'flaky_hook' });
      expect(again.body.replayed).toEqual([dead.id]);
      await waitFor(() => bodies().filter((b) => b.id === ev.body.id).length === 5, 'second replay');
    });

    it('does not fire a disabled hook and resumes when it is enabled', async () => {
      const h = await s.api('POST', '/api/event-hooks', { name: 'closed_hook', eventTypes: ['TicketClosed'], executor: 'recv', enabled: false });
      expect(h.body.enabled).toBe(false);
      const ev = await s.api('POST', '/api/events', { type: 'TicketClosed', subject: 'ticket:9', data: {} });
      expect((await s.api('GET', `/api/events/${ev.body.id}`)).body.deliveries).toEqual([]);
      expect((await s.api('POST', '/api/event-hooks/closed_hook/enable')).body.enabled).toBe(true);
      const ev2 = await s.api('POST', '/api/events', { type: 'TicketClosed', subject: 'ticket:10', data: {} });
      await waitFor(() => bodies().find((b) => b.id === ev2.body.id), 'delivery after enable');
      expect((await s.api('POST', '/api/event-hooks/closed_hook/disable')).body.enabled).toBe(false);
      const ev3 = await s.api('POST', '/api/events', { type: 'TicketClosed', subject: 'ticket:11', data: {} });
      expect((await s.api('GET', `/api/events/${ev3.body.id}`)).body.deliveries).toEqual([]);
      expect(bodies().some((b) => b.id === ev.body.id || b.id === ev3.body.id)).toBe(false);
    });

    it('runs at most `concurrency` deliveries of a hook at once', async () => {
      await s.api('POST', '/api/event-hooks', { name: 'serial', eventTypes: ['custom.serial'], executor: 'slow', concurrency: 1 });
      const r = await s.api('POST', '/api/events/batch', { events: Array.from({ length: 5 }, (_, i) => ({ type: 'custom.serial', data: { i } })) });
      expect(r.status).toBe(201);
      const ids: string[] = r.body.items.map((i: any) => i.id);
      await waitFor(() => ids.every((id) => bodies().some((b) => b.id === id)), 'all serial deliveries');
      expect(maxConcurrent).toBe(1);
    });

    it('publishes ctx.emit as custom.<type> through the SDK host hook', async () => {
      await s.api('POST', '/api/event-hooks', { name: 'emitted', eventTypes: ['custom.greeting'], executor: 'recv' });
      const emitted = await (s.o.invoker['deps'].sdkHosts as SdkHostFactory).emitEvent!(s.o.defaultWorkspaceId, 'custom.greeting', { hi: 1 }, { executionId: 'exe_x' });
      const got = await waitFor(() => bodies().find((b) => b.id === emitted.id), 'emitted event delivery');
      expect(got).toMatchObject({ type: 'custom.greeting', data: { hi: 1 } });
      expect((await s.api('GET', `/api/events/${emitted.id}`)).body.source).toBe('execution:exe_x');
    });

    it('refuses bad input with 400 problem+json naming the field, never 500', async () => {
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', '/api/events', { type: 'TicketExploded', data: {} }, '/type'],
        ['POST', '/api/events', { type: 'CronHour', data: {} }, '/type'],
        ['POST', '/api/events', { type: 'TicketCreated' }, '/data'],
        ['POST', '/api/events', { type: 'TicketCreated', data: {}, extra: 1 }, '/extra'],
        ['POST', '/api/events/batch', { events: [{ type: 'TicketCreated', data: {} }, { type: 'nope', data: {} }] }, '/events/1/type'],
        ['POST', '/api/event-hooks', { name: 'bad_filter', eventTypes: ['TicketCreated'], executor: 'recv', filter: { nope: [1] } }, '/filter'],
        ['POST', '/api/event-hooks', { name: 'rce', eventTypes: ['TicketCreated'], executor: 'recv', filter: { method: ['x', 'constructor'] } }, '/filter'],
        ['POST', '/api/event-hooks', { name: 'bad_exec', eventTypes: ['TicketCreated'], executor: 'missing' }, '/executor'],
        ['POST', '/api/event-hooks', { name: 'bad_type', eventTypes: ['TicketCreated', 'Whatever'], executor: 'recv' }, '/eventTypes/1'],
        ['POST', '/api/event-hooks', { name: 'Bad Name', eventTypes: ['TicketCreated'], executor: 'recv' }, '/name'],
        ['POST', '/api/event-hooks', { name: 'bad_retry', eventTypes: ['TicketCreated'], executor: 'recv', retry: { attempts: 0 } }, '/retry/attempts'],
        ['PUT', '/api/event-hooks/other', { name: 'mismatch', eventTypes: ['TicketCreated'], executor: 'recv' }, '/name'],
      ];
      for (const [method, url, body, field] of cases) {
        const r = await s.api(method, url, body);
        expect(r.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.body.errors?.map((e: any) => e.field).join(' '), JSON.stringify(r.body)).toContain(field);
      }
      const malformed = await s.api('POST', '/api/events', '{"type": "TicketCreated", ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      expect((await s.api('POST', '/api/events/evt_missing/replay', {})).status).toBe(404);
      expect((await s.api('POST', '/api/event-hooks', { name: 'email_created', eventTypes: ['TicketCreated'], executor: 'recv' })).status).toBe(409);
    });

    it('refuses to delete an executor a hook uses, and deleting the hook frees it', async () => {
      await createReceiver(s, 'bound', `${up.url}/ok`);
      await s.api('PUT', '/api/event-hooks/uses_bound', { name: 'uses_bound', eventTypes: ['ProfileCreated'], executor: 'bound' });
      const del = await s.api('DELETE', '/api/executors/bound');
      expect(del.status).toBe(409);
      expect(del.body.bindings).toEqual(['event hook uses_bound']);
      expect((await s.api('DELETE', '/api/event-hooks/uses_bound')).status).toBe(204);
      expect((await s.api('DELETE', '/api/executors/bound')).status).toBe(204);
    });

    it('reports the dispatcher and cron in /readyz and counts in /metrics', async () => {
      const r = await s.api('GET', '/readyz');
      expect(r.status).toBe(200);
      expect(r.body.checks.events.ok).toBe(true);
      expect(r.body.checks.events.detail).toMatch(/dispatcher (running|waiting)/);
      const m = await s.o.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${'otr_test_admin_token_0123456789abcdef'}` } });
      expect(m.body).toMatch(/outrigger_events_published_total\{kind="platform"\} \d+/);
      expect(m.body).toMatch(/outrigger_event_deliveries_total\{outcome="dead"\} \d+/);
      expect(m.body).toContain('outrigger_event_delivery_start_delay_seconds_bucket');
    });

    it('purges old events with their finished deliveries, keeping events still being delivered', async () => {
      await s.api('PUT', '/api/event-hooks/waiting', { name: 'waiting', eventTypes: ['custom.keep'], executor: 'recv' });
      await s.api('POST', '/api/event-hooks/waiting/disable');
      const db = s.o.store.db;
      const hook = await db.selectFrom('event_hooks').select('id').where('name', '=', 'waiting').executeTakeFirstOrThrow();
      const kept = await s.api('POST', '/api/events', { type: 'custom.keep', data: {} });
      // Disabled after publishing would leave it pending; simulate that with a pending row.
      const now = Date.now();
      await db.insertInto('deliveries').values({
        id: 'dlv_keep', workspace_id: s.o.defaultWorkspaceId, event_id: kept.body.id, hook_id: hook.id, hook_name: 'waiting', status: 'pending', attempts: 0, budget_start: 0,
        next_attempt_at: now, locked_by: null, locked_until: null, last_error: null, enqueued_at: now, updated_at: now,
      }).execute();
      await waitFor(async () => !(await db.selectFrom('deliveries').select('id').where('status', '=', 'running').executeTakeFirst()), 'no running deliveries');
      await purgeEventsBefore(db, Date.now() + 60_000);
      const left = await db.selectFrom('events').select('id').execute();
      expect(left.map((e) => e.id)).toEqual([kept.body.id]);
      expect((await db.selectFrom('delivery_attempts').select('delivery_id').execute()).length).toBe(0);
    });
  });
}
