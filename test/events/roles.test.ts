// Server roles: an `api` node stores events and their deliveries but runs neither dispatcher nor cron (PostgreSQL only:
// SQLite supports role all alone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createReceiver } from './helpers.js';

describe('role api', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer('postgres', { role: 'api' }); });
  afterAll(async () => { await s.close(); });

  it('queues deliveries durably without running them', async () => {
    expect(s.o.events.dispatcher).toBeUndefined();
    expect(s.o.events.cron).toBeUndefined();
    await createReceiver(s, 'recv', 'http://127.0.0.1:9/unused');
    await s.api('POST', '/api/event-hooks', { name: 'queued', eventTypes: ['TicketResponse'], executor: 'recv' });
    const ev = await s.api('POST', '/api/events', { type: 'TicketResponse', subject: 'ticket:1', data: { text: 'hi' } });
    const t = await s.api('GET', `/api/events/${ev.body.id}`);
    expect(t.body.deliveries).toHaveLength(1);
    expect(t.body.deliveries[0]).toMatchObject({ hook: 'queued', status: 'pending', attemptCount: 0, attempts: [] });
    const ready = await s.api('GET', '/readyz');
    expect(ready.body.checks.events).toMatchObject({ ok: true, detail: expect.stringContaining('role api') });
    // Its only loop is its heartbeat; with no worker beating, it says so instead of reporting ready.
    expect(ready.body.checks.loops.loops.map((l: { name: string }) => l.name)).toEqual(['heartbeat']);
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toEqual(['workers']);
  });
});
