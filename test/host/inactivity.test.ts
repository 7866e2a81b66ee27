// The inactivity rule with an injected clock: pending tickets untouched longer than the limit are closed once,
// with TicketClosedDueToInactivity; the sweep loop runs only on nodes with background work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { waitFor } from '../helpers/wait.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCount, eventsSince } from './events-helper.js';

const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`ticket inactivity sweep on ${dialect}`, () => {
    let s: TestServer;
    let now = Date.parse('2025-03-03T08:00:00Z');
    // A day between background sweeps: after its first (at start, with no tickets yet) only the test's runOnce sweeps.
    beforeAll(async () => { s = await startTestServer(dialect, {}, { clock: () => now, hostSweepIntervalMs: 24 * HOUR }); });
    afterAll(async () => { await s.close(); });

    it('closes pending tickets past the limit, once, and leaves the rest alone', async () => {
      await waitFor(() => s.o.host.sweep.status().state === 'waiting', 'the first background sweep over');
      expect((await s.api('PUT', '/api/settings/tickets', { inactivityCloseHours: 48 })).status).toBe(200);
      const mk = async (status: string) => (await s.api('POST', '/api/tickets', { subject: `t ${status}`, channel: 'email', status })).body;
      const stale = await mk('pending');
      const open = await mk('open');
      const fresh = await mk('pending');
      now += 47 * HOUR;
      // Activity on `fresh` restarts its clock.
      expect((await s.api('POST', `/api/tickets/${fresh.id}/replies`, { body: 'still waiting for your reading' })).status).toBe(201);
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ closed: 0 });

      now += 2 * HOUR; // stale: 49 h, fresh: 2 h since the reply
      const before = await eventCount(s);
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ closed: 1 });
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['TicketUpdated', 'TicketClosed', 'TicketClosedDueToInactivity']);
      expect(evs.every((e) => e.subject === stale.id && e.occurredAt === now)).toBe(true);
      expect(evs[0]!.data).toMatchObject({ userId: null, changes: { status: 'closed' }, ticketId: stale.id });
      expect(evs[1]!.data).toMatchObject({ reason: 'inactivity' });
      expect(evs[2]!.data).toMatchObject({ ticketId: stale.id, inactivityCloseHours: 48, inactiveSince: '2025-03-03T08:00:00.000Z', ticket: { id: stale.id, status: 'closed', channel: 'email' } });

      expect((await s.api('GET', `/api/tickets/${stale.id}`)).body.status).toBe('closed');
      expect((await s.api('GET', `/api/tickets/${open.id}`)).body.status).toBe('open');
      expect((await s.api('GET', `/api/tickets/${fresh.id}`)).body.status).toBe('pending');
      // Nothing twice.
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ closed: 0 });

      now += 47 * HOUR;
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ closed: 1 });
      expect((await s.api('GET', `/api/tickets/${fresh.id}`)).body.status).toBe('closed');
    });

    it('does nothing when the rule is off', async () => {
      expect((await s.api('PUT', '/api/settings/tickets', { inactivityCloseHours: null })).status).toBe(200);
      const t = (await s.api('POST', '/api/tickets', { subject: 'x', channel: 'web', status: 'pending' })).body;
      now += 1000 * HOUR;
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ closed: 0 });
      expect((await s.api('GET', `/api/tickets/${t.id}`)).body.status).toBe('pending');
      expect((await s.api('GET', '/api/settings/tickets')).body).toEqual({ replyWebhook: null, replyWebhookByChannel: {}, inactivityCloseHours: null });
    });

    it('fails a reply left `sending` by a crash once no webhook run can still be going on', async () => {
      const t = (await s.api('POST', '/api/tickets', { subject: 'orphan', channel: 'email' })).body;
      const r = (await s.api('POST', `/api/tickets/${t.id}/replies`, { body: 'your offer' })).body;
      // As if the server died while the reply's webhook ran: the row is still `sending`.
      await s.o.store.db.updateTable('ticket_replies').set({ status: 'sending', sent_at: null, webhook: 'mailer', sending_since: now }).where('id', '=', r.id).execute();
      now += 5 * 60_000; // within the longest executor time-out (300 s) plus margin: may still be running
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ orphanedReplies: 0 });
      expect((await s.api('GET', `/api/tickets/${t.id}/replies/${r.id}`)).body.status).toBe('sending');
      now += 2 * 60_000;
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ orphanedReplies: 1 });
      const after = (await s.api('GET', `/api/tickets/${t.id}/replies/${r.id}`)).body;
      expect(after.status).toBe('failed');
      expect(after.error.code).toBe('INTERRUPTED');
      expect(await s.o.host.sweep.runOnce()).toMatchObject({ orphanedReplies: 0 });
    });
  });
}

describe('sweep loop lifecycle', () => {
  it('runs on role all and stops on close', async () => {
    const s = await startTestServer('sqlite', { role: 'all' });
    try {
      expect(['running', 'waiting']).toContain(s.o.host.sweep.status().state);
    } finally {
      await s.close();
    }
    expect(s.o.host.sweep.status().state).toBe('stopped');
  });

  it('/readyz lists every loop of the node; a failing sweep makes it 503 with its last error until it succeeds again', async () => {
    const s = await startTestServer('sqlite', { role: 'all' });
    try {
      const ready = await s.api('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.loops.loops.map((l: { name: string }) => l.name).sort()).toEqual(['cron', 'dispatcher', 'heartbeat', 'inactivity-sweep', 'lease-renewal']);
      const sweep = s.o.host.sweep;
      const real = sweep.runOnce.bind(sweep);
      sweep.runOnce = async () => { throw new Error('sweep exploded'); };
      sweep.loop.wake();
      await waitFor(() => sweep.status().state === 'backoff', 'the sweep in back-off');
      const failing = await s.api('GET', '/readyz');
      expect(failing.status).toBe(503);
      expect(failing.body.failing).toContain('loops');
      expect(failing.body.checks.loops.detail).toContain('inactivity-sweep backoff (last error: sweep exploded)');
      sweep.runOnce = real;
      sweep.loop.wake();
      await waitFor(() => sweep.status().state === 'waiting', 'the sweep healthy again');
      expect((await s.api('GET', '/readyz')).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
