// The three demo rule-based agents against the built-in demo ERP over real HTTP: every outcome, decisions, replies, bad input.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seedDemo } from '../../src/demo/seed.js';
import { MemoryTickets } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`rule-based agents on ${dialect}`, () => {
    let s: TestServer;
    const run = (agent: string, body: unknown) => s.api('POST', `/api/agents/${agent}/run`, body);

    beforeAll(async () => {
      s = await startTestServer(dialect, { demo: true });
      // The demo executors call the demo ERP of this very server over HTTP.
      await s.o.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (s.o.app.server.address() as AddressInfo).port;
      const created = await seedDemo(s.o, `http://127.0.0.1:${port}`);
      expect(created).toEqual(expect.arrayContaining(['agent meter_reading', 'agent address_change', 'agent contract_cancellation', 'tool get_tariff_offer']));
    });
    afterAll(async () => { await s.close(); });

    describe('meter_reading', () => {
      it('executes with the mapped data and renders the success template', async () => {
        const r = await run('meter_reading', { data: { meterNumber: 'M-9001', reading: 4711, date: '2025-03-01' } });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ status: 'executed', message: 'Thank you! We recorded the reading 4711 for meter M-9001 on 2025-03-01.', replied: false });
        const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
        expect(exe.body.trigger).toBe('agent');
        expect(exe.body.input).toMatchObject({ meterNumber: 'M-9001', value: 4711, date: '2025-03-01', _action: null, _metadata: { agent: 'meter_reading', ticket: null, customer: null, channel: 'api' } });
      });
      it('rejects a negative reading by rule', async () => {
        const r = await run('meter_reading', { data: { meterNumber: 'M-9001', reading: -5 } });
        expect(r.body).toMatchObject({ status: 'rejected', rule: 'negative', executionId: null });
        expect(r.body.message).toBe('A meter reading cannot be negative (-5). Please check the number on your meter.');
      });
      it('hands an implausible reading off', async () => {
        const r = await run('meter_reading', { data: { meterNumber: 'M-9001', reading: 5_000_000 } });
        expect(r.body).toMatchObject({ status: 'handoff', rule: 'implausible' });
      });
      it('asks for a decision on a reading below the last one, then performs the chosen option', async () => {
        const first = await run('meter_reading', { data: { meterNumber: 'M-9001', reading: 10, date: '2025-03-02' } });
        expect(first.body.status).toBe('needsDecision');
        expect(first.body.message).toBe('The reading 10 is below the last reading 4711 of meter M-9001.');
        expect(first.body.interaction.options.map((o: any) => o.action)).toEqual(['meter_replaced', 'discard']);
        const second = await run('meter_reading', { data: { meterNumber: 'M-9001', reading: 10, date: '2025-03-02' }, _action: 'meter_replaced' });
        expect(second.body).toMatchObject({ status: 'executed', message: 'Thank you! We recorded the reading 10 for meter M-9001 on 2025-03-02.' });
        const exe = await s.api('GET', `/api/executions/${second.body.executionId}`);
        expect(exe.body.input._action).toBe('meter_replaced');
      });
      it('fails with the failure template when the ERP refuses', async () => {
        const r = await run('meter_reading', { data: { meterNumber: 'M-0000', reading: 1 } });
        expect(r.body).toMatchObject({ status: 'failed', message: 'Sorry, we could not record the reading 1 for meter M-0000. A colleague will look into it.' });
        expect(r.body.error.code).toBe('UPSTREAM_ERROR');
        expect(r.body.executionId).toMatch(/^exe_/);
      });
      it('refuses data that fails the dataSchema with every field', async () => {
        const r = await run('meter_reading', { data: { meterNumber: 'X', reading: 'ten' } });
        expect(r.status).toBe(400);
        expect(r.headers['content-type']).toContain('application/problem+json');
        expect(r.body.errors.map((e: any) => e.field).sort()).toEqual(['/data/meterNumber', '/data/reading']);
      });
    });

    describe('address_change', () => {
      it('decides alone on the recommended option and executes', async () => {
        const r = await run('address_change', { data: { customerNumber: 'C-1001', street: 'Neue Straße 5', zip: '10117', city: 'Berlin' } });
        expect(r.body).toMatchObject({ status: 'executed', decidedAlone: 'both', message: 'Your address is now Neue Straße 5, 10117 Berlin (delivery and billing).' });
      });
      it('rejects a PO box', async () => {
        const r = await run('address_change', { data: { customerNumber: 'C-1001', street: 'Postfach 12 34', zip: '10117', city: 'Berlin' } });
        expect(r.body).toMatchObject({ status: 'rejected', rule: 'po_box' });
      });
      it('hands a move abroad off', async () => {
        const r = await run('address_change', { data: { customerNumber: 'C-1001', street: 'Ring 1', zip: '10100', city: 'Wien', country: 'AT' } });
        expect(r.body).toMatchObject({ status: 'handoff', rule: 'abroad', message: 'Moves abroad are handled by a colleague, who will contact you shortly.' });
      });
      it('needs a decision when nothing is recommended (business customer), then performs the choice', async () => {
        const data = { customerNumber: 'C-1003', street: 'Kai 9', zip: '20457', city: 'Hamburg' };
        const first = await run('address_change', { data });
        expect(first.body.status).toBe('needsDecision');
        expect(first.body.interaction.options).toHaveLength(2);
        const second = await run('address_change', { data, _action: 'delivery_only' });
        expect(second.body).toMatchObject({ status: 'executed', message: 'Your address is now Kai 9, 20457 Hamburg (delivery only).' });
      });
      it('fails for an unknown customer', async () => {
        const r = await run('address_change', { data: { customerNumber: 'C-9999', street: 'A 1', zip: '10117', city: 'Berlin' } });
        expect(r.body).toMatchObject({ status: 'failed', message: 'Sorry, we could not change the address of customer C-9999. A colleague will take care of it.' });
      });
    });

    describe('contract_cancellation', () => {
      const customer = { customerNumber: 'C-1002', name: 'Jonas Weber' };
      it('rejects an unidentified customer', async () => {
        const r = await run('contract_cancellation', { data: { contractNumber: 'V-2002' } });
        expect(r.body).toMatchObject({ status: 'rejected', rule: 'not_identified' });
        expect(r.body.message).toContain('cancel contract V-2002');
      });
      it('hands a complaint off', async () => {
        const r = await run('contract_cancellation', { data: { contractNumber: 'V-2002', reason: 'complaint' }, customer });
        expect(r.body).toMatchObject({ status: 'handoff', rule: 'complaint' });
      });
      it('needs a decision (no deciding alone), then cancels with the chosen option', async () => {
        const first = await run('contract_cancellation', { data: { contractNumber: 'V-2002', reason: 'moving' }, customer });
        expect(first.body.status).toBe('needsDecision');
        expect(first.body.interaction.options.find((o: any) => o.recommended).action).toBe('cancel_regular');
        expect(first.body.message).toContain('runs until 2026-12-31');
        const exe = await s.api('GET', `/api/executions/${first.body.executionId}`);
        expect(exe.body.input).toMatchObject({ contractNumber: 'V-2002', reason: 'moving', customerNumber: 'C-1002', _action: null });
        const second = await run('contract_cancellation', { data: { contractNumber: 'V-2002', reason: 'moving' }, customer, _action: 'cancel_regular' });
        expect(second.body).toMatchObject({ status: 'executed', message: 'Your contract V-2002 is cancelled effective 2026-12-31.' });
      });
      it('fails for a contract that is already cancelled', async () => {
        const r = await run('contract_cancellation', { data: { contractNumber: 'V-2003' }, customer });
        expect(r.body.status).toBe('failed');
        expect(r.body.error.code).toBe('UPSTREAM_ERROR');
      });
    });

    describe('with tickets', () => {
      it('answers 404 for an unknown ticket, and 400 without a ticket port', async () => {
        expect((await run('meter_reading', { data: { meterNumber: 'M-9002', reading: 1 }, ticketId: 'T-unknown' })).status).toBe(404);
        s.o.points.setTickets(undefined);
        const r = await run('meter_reading', { data: { meterNumber: 'M-9002', reading: 1 }, ticketId: 'T-1' });
        expect(r.status).toBe(400);
        expect(r.body.detail).toContain('tickets are not available');
        expect((await s.api('POST', '/api/tickets/T-1/autoexecute')).status).toBe(400);
      });
      it('posts the reply, uses the ticket’s customer and auto-executes by intent (in-memory port standing in for the host model)', async () => {
        const tickets = new MemoryTickets();
        tickets.add('T-1', { intent: 'meter_reading', data: { meterNumber: 'M-9002', reading: 123 }, channel: 'email' });
        tickets.add('T-2', { customer: { customerNumber: 'C-1001' } });
        s.o.points.setTickets(tickets);
        try {
          const auto = await s.api('POST', '/api/tickets/T-1/autoexecute');
          expect(auto.body).toMatchObject({ agent: 'meter_reading' });
          expect(auto.status).toBe(200);
          expect(auto.body).toMatchObject({ agent: 'meter_reading', status: 'executed', replied: true });
          expect(tickets.tickets.get('T-1')!.replies).toEqual([{ body: auto.body.message, author: 'agent:meter_reading' }]);
          const exe = await s.api('GET', `/api/executions/${auto.body.executionId}`);
          expect(exe.body.input._metadata).toMatchObject({ channel: 'email', ticket: { id: 'T-1' } });
          // The ticket's linked customer passes the identification rule; a needsDecision is not posted.
          const r = await run('contract_cancellation', { data: { contractNumber: 'V-2001' }, ticketId: 'T-2' });
          expect(r.body).toMatchObject({ status: 'needsDecision', replied: false });
          expect(tickets.tickets.get('T-2')!.replies).toEqual([]);
          expect((await s.api('POST', '/api/tickets/T-2/autoexecute')).status).toBe(400); // no intent, no ?agent=
          expect((await s.api('POST', '/api/tickets/T-2/autoexecute?agent=nope')).status).toBe(404);
          expect((await s.api('POST', '/api/tickets/T-404/autoexecute?agent=meter_reading')).status).toBe(404);
        } finally {
          s.o.points.setTickets(undefined);
        }
      });
    });

    it('refuses bad agent definitions and unknown agents with problem+json', async () => {
      const base = { name: 'x_agent', intent: 'x', dataSchema: { type: 'object' }, executor: 'erp_record_meter_reading' };
      const badLogic = await s.api('POST', '/api/agents', { ...base, rules: [{ when: { frobnicate: [1] }, then: 'reject' }] });
      expect(badLogic.status).toBe(400);
      expect(badLogic.body.errors[0].field).toBe('/rules/0/when');
      const badOutcome = await s.api('POST', '/api/agents', { ...base, rules: [{ when: true, then: 'explode' }] });
      expect(badOutcome.status).toBe(400);
      const badTemplate = await s.api('POST', '/api/agents', { ...base, templates: { success: 'Hi {{#x}}' } });
      expect(badTemplate.status).toBe(400);
      expect(badTemplate.body.errors[0].field).toBe('/templates/success');
      const unknownExecutor = await s.api('POST', '/api/agents', { ...base, executor: 'nope' });
      expect(unknownExecutor.status).toBe(400);
      expect(unknownExecutor.body.errors).toEqual([{ field: '/executor', message: 'executor nope does not exist' }]);
      const sameIntent = await s.api('POST', '/api/agents', { ...base, intent: 'meter_reading' });
      expect(sameIntent.status).toBe(409);
      expect((await s.api('POST', '/api/agents/nope/run', { data: {} })).status).toBe(404);
      expect((await s.api('POST', '/api/agents/meter_reading/run', { data: {}, extra: 1 })).status).toBe(400);
      expect((await s.api('POST', '/api/agents', base)).status).toBe(201);
      expect((await s.api('GET', '/api/agents/x_agent')).body).toMatchObject({ name: 'x_agent', rules: [], mayDecideAlone: false, templates: { success: 'Done.' } });
      expect((await s.api('DELETE', '/api/agents/x_agent')).status).toBe(204);
    });
  });
}
