// The host model writes the right events with the right payloads in the same transaction as each change,
// and nothing when a change fails; bad input is a 400/404 problem, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventCount, eventsSince, readEvents } from './events-helper.js';

for (const dialect of DIALECTS) {
  describe(`host model on ${dialect}`, () => {
    let s: TestServer;
    beforeAll(async () => { s = await startTestServer(dialect); });
    afterAll(async () => { await s.close(); });

    const newTicket = async (extra: Record<string, unknown> = {}) => {
      const r = await s.api('POST', '/api/tickets', { subject: 'Meter reading', body: 'My reading is 1234', channel: 'email', from: 'ann@example.com', ...extra });
      expect(r.status).toBe(201);
      return r.body;
    };

    it('creates a ticket and writes TicketCreated with the snapshot', async () => {
      const before = await eventCount(s);
      const t = await newTicket({ tags: ['meter'], customer: { customerNumber: 'C-1', contractNumber: 'K-9' }, intent: 'meter_reading' });
      expect(t).toMatchObject({ subject: 'Meter reading', channel: 'email', status: 'open', tags: ['meter'], customer: { customerNumber: 'C-1', contractNumber: 'K-9' } });
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['TicketCreated']);
      expect(evs[0]!.subject).toBe(t.id);
      expect(evs[0]!.source).toBe('host');
      expect(evs[0]!.data).toMatchObject({ ticketId: t.id, userId: expect.any(String), ticket: { id: t.id, subject: 'Meter reading', status: 'open', channel: 'email', tags: ['meter'], customer: { customerNumber: 'C-1' } } });
      const got = await s.api('GET', `/api/tickets/${t.id}`);
      expect(got.status).toBe(200);
      expect(got.body.replies).toEqual([]);
    });

    it('closing writes TicketUpdated {userId, changes, ticketId} and TicketClosed', async () => {
      const t = await newTicket();
      const before = await eventCount(s);
      const r = await s.api('PATCH', `/api/tickets/${t.id}`, { status: 'closed' });
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('closed');
      expect(r.body.closedAt).toEqual(expect.any(String));
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['TicketUpdated', 'TicketClosed']);
      expect(evs[0]!.data).toMatchObject({ userId: expect.any(String), changes: { status: 'closed' }, ticketId: t.id, previous: { status: 'open' } });
      expect(evs[0]!.data.ticket.status).toBe('closed');
      expect(evs[1]!.data).toMatchObject({ ticketId: t.id, reason: 'manual', ticket: { status: 'closed' } });
      // The same change again changes nothing and writes nothing.
      const again = await s.api('PATCH', `/api/tickets/${t.id}`, { status: 'closed' });
      expect(again.status).toBe(200);
      expect(await eventCount(s)).toBe(before + 2);
    });

    it('routing (queue/assignee) writes TicketRouted; tags and customer link write TicketUpdated only', async () => {
      const t = await newTicket({ queue: 'inbox' });
      const before = await eventCount(s);
      await s.api('PATCH', `/api/tickets/${t.id}`, { queue: 'billing', assignee: 'bob' });
      await s.api('PATCH', `/api/tickets/${t.id}`, { tags: ['vip', 'b_2'], customer: { customerNumber: 'C-77' } });
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['TicketUpdated', 'TicketRouted', 'TicketUpdated']);
      expect(evs[1]!.data).toMatchObject({ ticketId: t.id, from: { queue: 'inbox', assignee: null }, to: { queue: 'billing', assignee: 'bob' } });
      expect(evs[2]!.data.changes).toEqual({ tags: ['vip', 'b_2'], customer: { customerNumber: 'C-77', contractNumber: null } });
      const list = await s.api('GET', '/api/tickets?tag=b_2&customerNumber=C-77');
      expect(list.status).toBe(200);
      expect(list.body.items.map((x: any) => x.id)).toEqual([t.id]);
      // `_` matches only itself in the tag filter.
      expect((await s.api('GET', '/api/tickets?tag=bx2')).body.items).toEqual([]);
      expect((await s.api('GET', '/api/tickets?queue=billing&status=open')).body.items.map((x: any) => x.id)).toEqual([t.id]);
    });

    it('a reply without a webhook is sent and writes TicketResponse and, on e-mail, SendEmail', async () => {
      const t = await newTicket();
      const before = await eventCount(s);
      const r = await s.api('POST', `/api/tickets/${t.id}/replies`, { body: 'Thanks, noted.', status: 'pending' });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ status: 'sent', to: 'ann@example.com', webhook: null, ticket: { status: 'pending' } });
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['TicketUpdated', 'TicketResponse', 'SendEmail']);
      expect(evs[1]!.data).toMatchObject({ ticketId: t.id, reply: { id: r.body.id, body: 'Thanks, noted.', status: 'sent' }, ticket: { id: t.id, status: 'pending' } });
      expect(evs[2]!.data).toMatchObject({ ticketId: t.id, replyId: r.body.id, to: 'ann@example.com', subject: 'Re: Meter reading', body: 'Thanks, noted.', deliveredBy: null });
      const got = await s.api('GET', `/api/tickets/${t.id}`);
      expect(got.body.replies.map((x: any) => x.status)).toEqual(['sent']);
    });

    it('a chat reply writes no SendEmail', async () => {
      const t = await newTicket({ channel: 'chat' });
      const before = await eventCount(s);
      expect((await s.api('POST', `/api/tickets/${t.id}/replies`, { body: 'Hi' })).status).toBe(201);
      expect((await eventsSince(s, before)).map((e) => e.type)).toEqual(['TicketResponse']);
    });

    it('replying to a closed or missing ticket fails and writes nothing (no event, no reply)', async () => {
      const t = await newTicket();
      await s.api('PATCH', `/api/tickets/${t.id}`, { status: 'closed' });
      const before = await eventCount(s);
      const closed = await s.api('POST', `/api/tickets/${t.id}/replies`, { body: 'late' });
      expect(closed.status).toBe(409);
      expect(closed.headers['content-type']).toContain('application/problem+json');
      const missing = await s.api('POST', '/api/tickets/tkt_nope/replies', { body: 'x' });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('NOT_FOUND');
      expect((await s.api('PATCH', '/api/tickets/tkt_nope', { status: 'open' })).status).toBe(404);
      expect((await s.api('POST', '/api/tickets/tkt_nope/forward', { to: 'x@example.com' })).status).toBe(404);
      expect(await eventCount(s)).toBe(before);
      expect((await s.api('GET', `/api/tickets/${t.id}`)).body.replies).toEqual([]);
    });

    it('a change whose event cannot be written is rolled back with it', async () => {
      const t = await newTicket();
      const db = s.o.store.db;
      // Break the outbox for a moment: the event insert fails, so the ticket change must not persist.
      await db.schema.alterTable('events').renameTo('events_away').execute();
      try {
        const r = await s.api('PATCH', `/api/tickets/${t.id}`, { status: 'pending' });
        expect(r.status).toBe(500);
      } finally {
        await db.schema.alterTable('events_away').renameTo('events').execute();
      }
      expect((await s.api('GET', `/api/tickets/${t.id}`)).body.status).toBe('open');
    });

    it('forwarding writes TicketForwarded', async () => {
      const t = await newTicket();
      const before = await eventCount(s);
      const r = await s.api('POST', `/api/tickets/${t.id}/forward`, { to: 'billing@example.com', note: 'please check' });
      expect(r.status).toBe(200);
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['TicketForwarded']);
      expect(evs[0]!.id).toBe(r.body.eventId);
      expect(evs[0]!.data).toMatchObject({ ticketId: t.id, to: 'billing@example.com', note: 'please check', ticket: { id: t.id } });
    });

    it('conversations and profiles write their events', async () => {
      const t = await newTicket();
      const before = await eventCount(s);
      const c = await s.api('POST', '/api/conversations', { channel: 'chat', ticketId: t.id, messages: [{ from: 'customer', text: 'hello' }] });
      expect(c.status).toBe(201);
      expect((await s.api('GET', `/api/conversations?ticketId=${t.id}`)).body.items.map((x: any) => x.id)).toEqual([c.body.id]);
      const p = await s.api('POST', '/api/profiles', { customerNumber: `C-${dialect}`, name: 'Ann Example', email: 'ann@example.com', attributes: { meter: 'M-1' } });
      expect(p.status).toBe(201);
      expect((await s.api('POST', '/api/profiles', { customerNumber: `C-${dialect}`, name: 'Dup' })).status).toBe(409);
      const u = await s.api('PATCH', `/api/profiles/${p.body.id}`, { phone: '+49 30 1234', name: 'Ann Example' });
      expect(u.status).toBe(200);
      expect(u.body.phone).toBe('+49 30 1234');
      expect((await s.api('DELETE', `/api/profiles/${p.body.id}`)).status).toBe(204);
      expect((await s.api('GET', `/api/profiles/${p.body.id}`)).status).toBe(404);
      const evs = await eventsSince(s, before);
      expect(evs.map((e) => e.type)).toEqual(['ConversationCreated', 'ProfileCreated', 'ProfileUpdated', 'ProfileDeleted']);
      expect(evs[0]!.data).toMatchObject({ conversationId: c.body.id, ticketId: t.id, conversation: { messages: [{ from: 'customer', text: 'hello' }] } });
      expect(evs[1]!.data).toMatchObject({ profileId: p.body.id, customerNumber: `C-${dialect}`, profile: { name: 'Ann Example', attributes: { meter: 'M-1' } } });
      // Only what really changed is in `changes`.
      expect(evs[2]!.data.changes).toEqual({ phone: '+49 30 1234' });
      expect(evs[3]!.data).toMatchObject({ profileId: p.body.id, profile: { customerNumber: `C-${dialect}` } });
    });

    it('bad input is a 400 problem with the field, never a 500', async () => {
      const t = await newTicket();
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', '/api/tickets', { subject: 'x', channel: 'fax' }, '/channel'],
        ['POST', '/api/tickets', { subject: 'x', channel: 'email', color: 'red' }, '/color'],
        ['POST', '/api/tickets', { subject: 42, channel: 'email' }, '/subject'],
        ['POST', '/api/tickets', { channel: 'email' }, '/subject'],
        ['POST', '/api/tickets', { subject: 'x', channel: 'email', tags: ['a"b'] }, '/tags/0'],
        ['PATCH', `/api/tickets/${t.id}`, {}, '/'],
        ['PATCH', `/api/tickets/${t.id}`, { status: 'done' }, '/status'],
        ['PATCH', `/api/tickets/${t.id}`, { customer: { contractNumber: 'K' } }, '/customer/customerNumber'],
        ['POST', `/api/tickets/${t.id}/replies`, { body: '' }, '/body'],
        ['POST', `/api/tickets/${t.id}/replies`, { body: 'x', viaWebhook: 'no_such_hook' }, '/viaWebhook'],
        ['POST', `/api/tickets/${t.id}/forward`, { note: 'x' }, '/to'],
        ['POST', '/api/profiles', { customerNumber: 'C', name: 'n', address: { planet: 'x' } }, '/address/planet'],
        ['POST', '/api/conversations', { channel: 'chat', ticketId: 'tkt_missing' }, '/ticketId'],
        ['PUT', '/api/settings/tickets', { replyWebhook: 'nope' }, '/replyWebhook'],
        ['PUT', '/api/settings/tickets', { inactivityCloseHours: -1 }, '/inactivityCloseHours'],
        ['GET', '/api/tickets?status=weird', undefined, 'query:/status'],
        ['GET', '/api/tickets?limit=0', undefined, 'query:/limit'],
      ];
      for (const [method, url, body, field] of cases) {
        const r = await s.api(method, url, body);
        expect(r.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.body.errors.map((e: any) => e.field), `${method} ${url}`).toContain(field);
      }
      const notJson = await s.api('POST', '/api/tickets', '{"subject": ');
      expect(notJson.status).toBe(400);
      expect((await s.api('GET', '/api/tickets/tkt_unknown')).status).toBe(404);
      expect((await s.api('GET', '/api/conversations/cnv_unknown')).status).toBe(404);
      expect((await s.api('PATCH', '/api/profiles/prf_unknown', { name: 'x' })).status).toBe(404);
    });

    it('pages through tickets with a cursor', async () => {
      const all = (await s.api('GET', '/api/tickets?limit=500')).body.items.length;
      const first = await s.api('GET', '/api/tickets?limit=2');
      expect(first.body.items).toHaveLength(2);
      const second = await s.api('GET', `/api/tickets?limit=500&cursor=${first.body.nextCursor}`);
      expect(second.body.items).toHaveLength(all - 2);
      expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
    });

    it('events of changes made by running code are sourced to the execution', async () => {
      const { createToken } = await import('../../src/auth/tokens.js');
      const tok = await createToken(s.o.store.db, s.o.defaultWorkspaceId, 'execution:exe_abc', 'developer');
      const r = await s.api('POST', '/api/tickets', { subject: 'from code', channel: 'web' }, tok.token);
      expect(r.status).toBe(201);
      const ev = (await readEvents(s, ['TicketCreated'])).find((e) => e.subject === r.body.id)!;
      expect(ev.source).toBe('execution:exe_abc');
    });
  });
}
