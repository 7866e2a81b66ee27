// API additions for the console's bindings pages: the event type catalogue the hook editor's picker offers. Every
// type and pattern it names is one a hook may subscribe to, so the picker never offers what the API refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe.each(DIALECTS)('bindings API for the console (%s)', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    expect((await s.api('POST', '/api/executors', { name: 'sink', type: 'apiCall', apiCall: { method: 'POST', url: 'http://127.0.0.1:1/none' } })).status).toBe(201);
  });
  afterAll(() => s.close());

  it('GET /api/event-types lists the platform and cron types (with schedules) and the custom patterns', async () => {
    const r = await s.api('GET', '/api/event-types');
    expect(r.status).toBe(200);
    const types = r.body.items.map((i: { type: string }) => i.type);
    expect(types).toEqual(expect.arrayContaining(['TicketCreated', 'TicketClosed', 'ProfileDeleted', 'AutoProcessIntent', 'CronMinute', 'CronWeek']));
    expect(r.body.items.filter((i: { kind: string }) => i.kind === 'platform')).toHaveLength(16);
    expect(r.body.items.find((i: { type: string }) => i.type === 'CronDay')).toEqual({ type: 'CronDay', kind: 'cron', schedule: '0 2 * * 1-5' });
    expect(r.body.items.find((i: { type: string }) => i.type === 'TicketCreated').schedule).toBeUndefined();
    expect(r.body.patterns.map((p: { pattern: string }) => p.pattern)).toEqual(['custom.<name>', 'custom.<prefix>.*', 'custom.*', '*']);
  });

  it('a hook accepts every type of the catalogue, and refuses a type outside it', async () => {
    const { body } = await s.api('GET', '/api/event-types');
    const all = body.items.map((i: { type: string }) => i.type);
    const ok = await s.api('POST', '/api/event-hooks', { name: 'everything', eventTypes: [...all, 'custom.*', 'custom.shop.*', 'custom.order_paid', '*'], executor: 'sink' });
    expect(ok.status).toBe(201);
    expect(ok.body.eventTypes).toHaveLength(all.length + 4);
    const bad = await s.api('POST', '/api/event-hooks', { name: 'nothing', eventTypes: ['TicketExploded'], executor: 'sink' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: '/eventTypes/0', message: expect.stringContaining('unknown event type') }]);
  });

  it('needs a token with read; a viewer may read it; it is in the OpenAPI document', async () => {
    expect((await s.api('GET', '/api/event-types', undefined, 'otr_not_a_token_0000000000000000')).status).toBe(401);
    const viewer = await s.api('POST', '/api/tokens', { name: 'look', role: 'viewer' });
    expect((await s.api('GET', '/api/event-types', undefined, viewer.body.token)).status).toBe(200);
    const invoker = await s.api('POST', '/api/tokens', { name: 'machine', role: 'invoker' });
    expect((await s.api('GET', '/api/event-types', undefined, invoker.body.token)).status).toBe(403);
    const doc = await s.api('GET', '/api/openapi.json');
    expect(doc.body.paths['/api/event-types'].get.responses['200']).toBeDefined();
  });
});
