// Customer recognition over real apiCall executors and local upstreams: merge and rank, cache, partial failures, time-outs, links.
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createApiCallExecutor, MemoryTickets, waitFor } from './helpers.js';

const CRM = {
  customers: [
    { customerNumber: 'C-1', name: 'Anna Schmidt', email: 'anna@crm.example', score: 0.9, contracts: [{ contractNumber: 'K-1' }], segment: 'gold' },
    { customerNumber: 'C-2', name: 'Anne Schmitt', score: 0.5, contracts: [] },
  ],
};
const ERP = {
  customers: [
    { customerNumber: 'C-1', name: 'A. Schmidt (ERP)', email: null, phone: '+49 30 1', contracts: [{ contractNumber: 'K-1', status: 'active' }, { contractNumber: 'K-2', product: 'Gas' }] },
    { customerNumber: 'C-3', name: 'Bert Schmid', contracts: [{ contractNumber: 'K-3' }] },
  ],
};

for (const dialect of DIALECTS) {
  describe(`customer recognition on ${dialect}`, () => {
    let s: TestServer;
    let crm: Upstream;
    let erp: Upstream;
    let erpMode: 'ok' | 'fail' | 'malformed' = 'ok';
    const held: http.ServerResponse[] = [];
    let slow: Upstream;

    beforeAll(async () => {
      s = await startTestServer(dialect);
      crm = await startUpstream((_req, res) => json(res, 200, CRM));
      erp = await startUpstream((_req, res) => {
        if (erpMode === 'fail') return json(res, 503, { error: 'maintenance' });
        if (erpMode === 'malformed') return json(res, 200, { customers: [{ name: 'no number', contracts: 'none' }] });
        json(res, 200, ERP);
      });
      // Answers only when the test releases it, to show that a slow source is cut by its own time-out.
      slow = await startUpstream((_req, res) => { held.push(res); });
      await createApiCallExecutor(s, 'crm_lookup', 'GET', `${crm.url}/lookup`);
      await createApiCallExecutor(s, 'erp_lookup', 'GET', `${erp.url}/lookup`);
      await createApiCallExecutor(s, 'slow_lookup', 'GET', `${slow.url}/lookup`, { timeoutMs: 20_000 });
      expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'crm', kind: 'freeText', executor: 'crm_lookup', priority: 10 })).status).toBe(201);
      expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'erp', kind: 'freeText', executor: 'erp_lookup', priority: 20 })).status).toBe(201);
    });
    afterAll(async () => {
      for (const r of held) if (!r.writableEnded) json(r, 200, { customers: [] });
      await s.close();
      await Promise.all([crm.close(), erp.close(), slow.close()]);
    });

    it('merges two sources: deduplicated by customer and contract number, fields by priority, ranked by score then priority', async () => {
      const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'Schmidt', noCache: true });
      expect(r.status).toBe(200);
      expect(r.body.cached).toBe(false);
      expect(r.body.customers.map((c: any) => c.customerNumber)).toEqual(['C-1', 'C-2', 'C-3']);
      const c1 = r.body.customers[0];
      expect(c1.name).toBe('Anna Schmidt'); // crm has priority 10
      expect(c1.email).toBe('anna@crm.example');
      expect(c1.phone).toBe('+49 30 1'); // only the ERP knows it
      expect(c1.segment).toBe('gold'); // extra fields are kept
      expect(c1.score).toBe(0.9);
      expect(c1.matchedBy).toEqual(['crm', 'erp']);
      expect(c1.contracts).toEqual([{ contractNumber: 'K-1', status: 'active' }, { contractNumber: 'K-2', product: 'Gas' }]);
      expect(r.body.sources.map((x: any) => [x.name, x.status, x.found])).toEqual([['crm', 'ok', 2], ['erp', 'ok', 2]]);
      for (const src of r.body.sources) {
        expect(typeof src.durationMs).toBe('number');
        const exe = await s.api('GET', `/api/executions/${src.executionId}`);
        expect(exe.status).toBe(200);
        expect(exe.body.trigger).toBe('customerRecognition');
      }
      // The executors got the free-text query as {q}.
      expect(crm.requests.at(-1)!.url).toBe('/lookup?q=Schmidt');
    });

    it('answers a repeated search from the cache (normalised query) and bypasses it with noCache', async () => {
      const before = crm.requests.length;
      const first = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'Jonas  Weber' });
      expect(first.body.cached).toBe(false);
      expect(crm.requests.length).toBe(before + 1);
      const again = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: '  jonas weber ' });
      expect(again.body.cached).toBe(true);
      expect(again.body.customers).toEqual(first.body.customers);
      expect(crm.requests.length).toBe(before + 1);
      const bypass = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'jonas weber', noCache: true });
      expect(bypass.body.cached).toBe(false);
      expect(crm.requests.length).toBe(before + 2);

      // The cache expires with its TTL (moving the injectable clock instead of sleeping) …
      const svc = s.o.points.recognition;
      svc.clock = () => Date.now() + s.o.config.recognitionCacheTtlMs + 1;
      try {
        expect((await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'jonas weber' })).body.cached).toBe(false);
      } finally {
        svc.clock = Date.now;
      }
      // … and a change of the sources invalidates it.
      expect((await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'jonas weber' })).body.cached).toBe(true);
      expect((await s.api('PUT', '/api/customer-recognition/sources/erp', { name: 'erp', kind: 'freeText', executor: 'erp_lookup', priority: 20 })).status).toBe(200);
      expect((await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'jonas weber' })).body.cached).toBe(false);
    });

    it('keys attribute searches by sorted, normalised attributes', async () => {
      await s.api('POST', '/api/customer-recognition/sources', { name: 'crm_attr', kind: 'attributes', executor: 'crm_lookup' });
      const before = crm.requests.length;
      const a = await s.api('POST', '/api/customer-recognition/search', { kind: 'attributes', query: { lastName: 'Schmidt', zip: '10115' } });
      expect(a.body.cached).toBe(false);
      expect(crm.requests.at(-1)!.url).toBe('/lookup?lastName=Schmidt&zip=10115');
      const b = await s.api('POST', '/api/customer-recognition/search', { kind: 'attributes', query: { zip: ' 10115', lastName: 'SCHMIDT' } });
      expect(b.body.cached).toBe(true);
      expect(crm.requests.length).toBe(before + 1);
    });

    it('gives partial results plus the error of a failing source, and does not cache them', async () => {
      erpMode = 'fail';
      try {
        const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'failing erp' });
        expect(r.status).toBe(200);
        expect(r.body.customers.map((c: any) => c.customerNumber)).toEqual(['C-1', 'C-2']);
        const e = r.body.sources.find((x: any) => x.name === 'erp');
        expect(e.status).toBe('error');
        expect(e.error.code).toBe('UPSTREAM_ERROR');
        expect(e.executionId).toMatch(/^exe_/);
        const again = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'failing erp' });
        expect(again.body.cached).toBe(false);
      } finally {
        erpMode = 'ok';
      }
    });

    it('treats a malformed customer list as that source’s error', async () => {
      erpMode = 'malformed';
      try {
        const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'malformed', noCache: true });
        expect(r.status).toBe(200);
        const e = r.body.sources.find((x: any) => x.name === 'erp');
        expect(e.status).toBe('error');
        expect(e.error.code).toBe('OUTPUT_INVALID');
        expect(e.error.message).toContain('customerNumber');
        expect(r.body.customers).toHaveLength(2);
      } finally {
        erpMode = 'ok';
      }
    });

    it('cuts a slow source at its own time-out and still answers with the others', async () => {
      await s.api('POST', '/api/customer-recognition/sources', { name: 'fast', kind: 'customerNumber', executor: 'crm_lookup', priority: 1 });
      await s.api('POST', '/api/customer-recognition/sources', { name: 'slow', kind: 'customerNumber', executor: 'slow_lookup', priority: 2, timeoutMs: 150 });
      const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'customerNumber', query: 'C-1' });
      expect(r.status).toBe(200);
      const slowReport = r.body.sources.find((x: any) => x.name === 'slow');
      expect(slowReport.status).toBe('timeout');
      expect(slowReport.error.code).toBe('TIMEOUT');
      expect(r.body.sources.find((x: any) => x.name === 'fast').status).toBe('ok');
      expect(r.body.customers.length).toBe(2);
      expect(crm.requests.at(-1)!.url).toBe('/lookup?customerNumber=C-1');
      // The cut-off run still ends and is recorded under the id the search reported.
      await waitFor(async () => (held.length ? true : undefined), 'the slow request');
      json(held.shift()!, 200, { customers: [] });
      await waitFor(async () => ((await s.api('GET', `/api/executions/${slowReport.executionId}`)).status === 200 ? true : undefined), 'the late execution record');
    });

    it('refuses bad input with problem+json', async () => {
      const unknownKind = await s.api('POST', '/api/customer-recognition/search', { kind: 'phoneNumber', query: 'x' });
      expect(unknownKind.status).toBe(400);
      expect(unknownKind.headers['content-type']).toContain('application/problem+json');
      const kindMismatch = await s.api('POST', '/api/customer-recognition/search', { kind: 'attributes', query: 'x' });
      expect(kindMismatch.status).toBe(400);
      expect(kindMismatch.body.errors[0].field).toBe('/query');
      expect((await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: '   ' })).status).toBe(400);
      const badSource = await s.api('POST', '/api/customer-recognition/sources', { name: 'x', kind: 'freeText', executor: 'nope' });
      expect(badSource.status).toBe(400);
      expect(badSource.body.errors).toEqual([{ field: '/executor', message: 'executor nope does not exist' }]);
      expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'x', kind: 'email', executor: 'crm_lookup' })).status).toBe(400);
      expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'crm', kind: 'freeText', executor: 'crm_lookup' })).status).toBe(409);
      expect((await s.api('GET', '/api/customer-recognition/sources/none')).status).toBe(404);
      const noTickets = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: 'x', ticketId: 't1' });
      // The built-in host model is the ticket port: an unknown ticket is a 404.
      expect(noTickets.status).toBe(404);
      expect((await s.api('POST', '/api/customer-recognition/link', { ticketId: 't1', customerNumber: 'C-1' })).status).toBe(404);
      const del = await s.api('DELETE', '/api/executors/crm_lookup');
      expect(del.status).toBe(409);
      expect(del.body.detail).toContain('customer recognition source crm');
    });

    it('lists, gets and deletes sources', async () => {
      const list = await s.api('GET', '/api/customer-recognition/sources');
      expect(list.body.items.map((x: any) => x.name)).toContain('crm');
      const one = await s.api('GET', '/api/customer-recognition/sources/crm');
      expect(one.body).toMatchObject({ name: 'crm', kind: 'freeText', executor: 'crm_lookup', priority: 10, timeoutMs: 5000 });
      await s.api('POST', '/api/customer-recognition/sources', { name: 'tmp', kind: 'contractNumber', executor: 'crm_lookup' });
      expect((await s.api('DELETE', '/api/customer-recognition/sources/tmp')).status).toBe(204);
      expect((await s.api('DELETE', '/api/customer-recognition/sources/tmp')).status).toBe(404);
    });

    it('links the one best match to a ticket through the ticket port', async () => {
      const tickets = new MemoryTickets();
      tickets.add('T-1');
      tickets.add('T-2');
      s.o.points.setTickets(tickets);
      try {
        await s.api('POST', '/api/customer-recognition/sources', { name: 'by_contract', kind: 'contractNumber', executor: 'crm_lookup' });
        // crm answers C-1 (score 0.9) and C-2 (0.5): C-1 is the one best match; K-1 is the searched contract.
        const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'contractNumber', query: 'k-1', ticketId: 'T-1' });
        expect(r.status).toBe(200);
        expect(r.body.linked).toEqual({ ticketId: 'T-1', customerNumber: 'C-1', contractNumber: 'K-1' });
        expect(tickets.tickets.get('T-1')!.customer).toEqual({ customerNumber: 'C-1', contractNumber: 'K-1' });
        const manual = await s.api('POST', '/api/customer-recognition/link', { ticketId: 'T-2', customerNumber: 'C-3' });
        expect(manual.body.linked).toEqual({ ticketId: 'T-2', customerNumber: 'C-3' });
        expect((await s.api('POST', '/api/customer-recognition/link', { ticketId: 'T-404', customerNumber: 'C-3' })).status).toBe(404);
      } finally {
        s.o.points.setTickets(undefined);
      }
    });
  });
}
