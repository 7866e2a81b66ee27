// Cron events: slots in the workspace's time zone, fired once with two schedulers on one store, only the
// last missed slot after downtime, only for workspaces with a hook on that cron type; delivered with trigger cron.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { CronScheduler, lastSlot } from '../../src/events/cron.js';
import { createReceiver, waitFor } from './helpers.js';

const HOUR = 3_600_000;
const silentLog = { warn: () => undefined, error: () => undefined };

describe('cron slots', () => {
  it('are computed in the time zone (CronDay at 02:00 Berlin on weekdays, CronWeek Saturdays)', () => {
    // Tuesday 2025-03-11 10:00 UTC: last CronDay slot is that day 02:00 CET = 01:00 UTC.
    expect(new Date(lastSlot('CronDay', 'Europe/Berlin', Date.parse('2025-03-11T10:00:00Z'))!).toISOString()).toBe('2025-03-11T01:00:00.000Z');
    // Summer time: 02:00 CEST = 00:00 UTC.
    expect(new Date(lastSlot('CronDay', 'Europe/Berlin', Date.parse('2025-07-08T10:00:00Z'))!).toISOString()).toBe('2025-07-08T00:00:00.000Z');
    // Monday morning before 02:00: the last weekday slot is Friday.
    expect(new Date(lastSlot('CronDay', 'Europe/Berlin', Date.parse('2025-03-10T00:30:00Z'))!).toISOString()).toBe('2025-03-07T01:00:00.000Z');
    expect(new Date(lastSlot('CronWeek', 'Europe/Berlin', Date.parse('2025-03-11T10:00:00Z'))!).toISOString()).toBe('2025-03-08T01:00:00.000Z');
    expect(new Date(lastSlot('CronHour', 'America/New_York', Date.parse('2025-03-11T10:30:00Z'))!).toISOString()).toBe('2025-03-11T10:01:00.000Z');
    expect(new Date(lastSlot('CronMinute', 'UTC', Date.parse('2025-03-11T10:34:59Z'))!).toISOString()).toBe('2025-03-11T10:30:00.000Z');
    // Weekend: no CronMinute slot since Friday 23:55.
    expect(new Date(lastSlot('CronMinute', 'UTC', Date.parse('2025-03-09T12:00:00Z'))!).toISOString()).toBe('2025-03-07T23:55:00.000Z');
  });
});

for (const dialect of DIALECTS) {
  describe(`cron events on ${dialect}`, () => {
    let s: TestServer;
    let up: Upstream;
    beforeAll(async () => {
      up = await startUpstream((_req, res) => json(res, 200, {}));
      // The server's own scheduler lives at the epoch, so it never fires anything in these tests.
      s = await startTestServer(dialect, {}, { events: { cronClock: () => 0 } });
      await createReceiver(s, 'recv', `${up.url}/cron`);
    });
    afterAll(async () => {
      await s.close();
      await up.close();
    });

    const cronEvents = async () => (await s.api('GET', '/api/events?type=CronHour&limit=500')).body.items as Array<{ id: string; occurredAt: string }>;

    it('fires nothing for a cron type no hook listens to', async () => {
      const a = new CronScheduler({ db: s.o.store.db, metrics: s.o.events.dispatcher!['opts'].metrics, log: silentLog });
      expect(await a.tick(Date.now() + 10 * HOUR)).toEqual([]);
      expect(await cronEvents()).toEqual([]);
    });

    it('fires each slot once across two schedulers, and only the last missed slot after downtime', async () => {
      const h = await s.api('POST', '/api/event-hooks', { name: 'hourly', eventTypes: ['CronHour'], executor: 'recv' });
      expect(h.status).toBe(201);
      const metrics = s.o.events.dispatcher!['opts'].metrics;
      let now = lastSlot('CronHour', 'Europe/Berlin', Date.now() + 3 * HOUR)! + 1_000;
      const a = new CronScheduler({ db: s.o.store.db, metrics, log: silentLog, clock: () => now });
      const b = new CronScheduler({ db: s.o.store.db, metrics, log: silentLog, clock: () => now });

      const [fa, fb] = await Promise.all([a.tick(), b.tick()]);
      expect(fa.length + fb.length).toBe(1);
      expect([...(await a.tick()), ...(await b.tick())]).toEqual([]);
      const slot1 = now - 1_000;

      // Five hours of downtime: slots at +1 h … +5 h were missed; only +5 h fires, once.
      now = slot1 + 5 * HOUR + 10 * 60_000;
      const fresh = new CronScheduler({ db: s.o.store.db, metrics, log: silentLog, clock: () => now });
      const [f1, f2, f3] = await Promise.all([a.tick(), b.tick(), fresh.tick()]);
      expect(f1.length + f2.length + f3.length).toBe(1);
      const events = await cronEvents();
      expect(events.map((e) => Date.parse(e.occurredAt)).sort()).toEqual([slot1, slot1 + 5 * HOUR]);

      // The events are delivered like any other, with the cron trigger.
      const ids = events.map((e) => e.id);
      await waitFor(() => ids.every((id) => up.requests.some((r) => JSON.parse(r.body).id === id)), 'cron deliveries');
      const body = JSON.parse(up.requests.find((r) => JSON.parse(r.body).id === ids[0])!.body);
      expect(body).toMatchObject({ type: 'CronHour', data: { timeZone: 'Europe/Berlin', schedule: '1 * * * *' } });
      await waitFor(async () => (await s.api('GET', '/api/executions?trigger=cron')).body.items.length === 2, 'two cron executions');
    });

    it('does not fire a slot that passed before the first hook on that cron type existed', async () => {
      await s.api('POST', '/api/event-hooks', { name: 'weekly', eventTypes: ['CronWeek'], executor: 'recv' });
      const a = new CronScheduler({ db: s.o.store.db, metrics: s.o.events.dispatcher!['opts'].metrics, log: silentLog });
      expect(await a.tick(Date.now())).toEqual([]);
    });
  });
}

describe('cron on two nodes of one PostgreSQL database', () => {
  it('fires a slot once when two servers (two connection pools) tick at the same moment', async () => {
    const { freshSchema } = await import('../helpers/dialects.js');
    const schema = freshSchema();
    // Cron loops of the servers themselves stay idle (clock at 0); the schedulers below tick on demand.
    const a = await startTestServer('postgres', {}, { pgSchema: schema, events: { cronClock: () => 0 } });
    const b = await startTestServer('postgres', {}, { pgSchema: schema, events: { cronClock: () => 0 } });
    const up = await startUpstream((_req, res) => json(res, 200, {}));
    try {
      await createReceiver(a, 'recv', `${up.url}/ok`);
      expect((await a.api('POST', '/api/event-hooks', { name: 'hourly', eventTypes: ['CronHour'], executor: 'recv' })).status).toBe(201);
      // One second after the first hourly slot that comes after the hook was created.
      const slot = lastSlot('CronHour', 'Europe/Berlin', Date.now() + 2 * HOUR)!;
      const now = slot + 1_000;
      const metrics = a.o.events.dispatcher!['opts'].metrics;
      const sa = new CronScheduler({ db: a.o.store.db, metrics, log: silentLog, clock: () => now });
      const sb = new CronScheduler({ db: b.o.store.db, metrics, log: silentLog, clock: () => now });
      const fired = (await Promise.all([sa.tick(), sb.tick(), sa.tick(), sb.tick()])).flat();
      expect(fired).toHaveLength(1);
      const rows = await a.o.store.db.selectFrom('events').select(['type', 'occurred_at']).where('type', '=', 'CronHour').execute();
      expect(rows).toEqual([{ type: 'CronHour', occurred_at: slot }]);
    } finally {
      await up.close();
      await a.close();
      await b.close();
      const { dropSchema } = await import('../helpers/dialects.js');
      await dropSchema(schema);
    }
  });
});
