// Integration points with the real built-in host model as ticket port: autoexecute posts the reply and emits
// TicketResponse; recognition links a customer to the ticket and emits TicketUpdated.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seedDemo } from '../../src/demo/seed.js';

for (const dialect of DIALECTS) {
  describe(`agents and recognition on the host model (${dialect})`, () => {
    let s: TestServer;
    const eventsOf = async (ticketId: string) => (await s.o.store.db.selectFrom('events').select(['type', 'data']).orderBy('seq').execute())
      .filter((e) => e.data.includes(ticketId)).map((e) => ({ type: e.type, data: JSON.parse(e.data) }));

    beforeAll(async () => {
      s = await startTestServer(dialect, { demo: true });
      await s.o.app.listen({ port: 0, host: '127.0.0.1' });
      await seedDemo(s.o, `http://127.0.0.1:${(s.o.app.server.address() as AddressInfo).port}`);
    });
    afterAll(async () => { await s.close(); });

    it('autoexecutes the agent of the ticket’s intent, posts its reply and emits TicketResponse', async () => {
      const t = await s.api('POST', '/api/tickets', { subject: 'Zählerstand', body: 'Mein Zählerstand ist 5000', channel: 'email', intent: 'meter_reading', from: 'anna@example.org' });
      expect(t.status).toBe(201);
      const r = await s.api('POST', `/api/tickets/${t.body.id}/autoexecute`, { data: { meterNumber: 'M-9001', reading: 5000, date: '2025-04-01' } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status).toBe('executed');
      const ticket = await s.api('GET', `/api/tickets/${t.body.id}`);
      expect(ticket.body.replies).toHaveLength(1);
      expect(ticket.body.replies[0].body).toBe(r.body.message);
      expect(ticket.body.replies[0].status).toBe('sent');
      const types = (await eventsOf(t.body.id)).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['TicketCreated', 'TicketResponse']));
    });

    it('links the recognised customer to the ticket and emits TicketUpdated', async () => {
      const t = await s.api('POST', '/api/tickets', { subject: 'Vertrag V-2002', channel: 'chat' });
      await s.api('PUT', '/api/customer-recognition/sources/erp', { name: 'erp', kind: 'contractNumber', executor: 'erp_find_contract', priority: 1 });
      const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'contractNumber', query: 'V-2002', ticketId: t.body.id });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.customers[0].customerNumber).toBe('C-1002');
      const ticket = await s.api('GET', `/api/tickets/${t.body.id}`);
      expect(ticket.body.customer).toEqual({ customerNumber: 'C-1002', contractNumber: 'V-2002' });
      const updated = (await eventsOf(t.body.id)).find((e) => e.type === 'TicketUpdated');
      expect(updated?.data.changes.customer).toEqual({ customerNumber: 'C-1002', contractNumber: 'V-2002' });
    });
  });
}
