// The "Done when" suite of issue 14: executors written exactly in the reference platform's documented style (files under
// fixtures/, deployed byte for byte) run through the real points: recognition, hook delivery, UDF call, agent, tool.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { SANDBOXED, waitFor, type Lang } from '../e2e/helpers.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const LANG_OF: Record<string, Lang> = { '.php': 'php', '.py': 'python', '.cjs': 'node' };

/** A fixture's source, unchanged, and its language by extension. */
function fixture(rel: string): { language: Lang; source: string } {
  return { language: LANG_OF[path.extname(rel)]!, source: fs.readFileSync(path.join(FIXTURES, rel), 'utf8') };
}

async function deploy(s: TestServer, name: string, rel: string, egress: string[] = []): Promise<void> {
  const { language, source } = fixture(rel);
  const r = await s.api('PUT', `/api/executors/${name}`, { name, type: 'code', code: { language, source, mode: 'script', memoryMb: 64, egress } });
  expect([200, 201], `deploying ${rel}: ${r.raw}`).toContain(r.status);
  // Deployed unchanged: the stored source is the file, byte for byte.
  expect((await s.api('GET', `/api/executors/${name}`)).body.definition.code.source).toBe(source);
}

async function finishedDelivery(s: TestServer, type: string, ticketId: string, hook: string): Promise<any> {
  return waitFor(async () => {
    const ev = (await s.api('GET', `/api/events?type=${type}`)).body.items.find((e: any) => e.subject === ticketId);
    if (!ev) return undefined;
    const d = (await s.api('GET', `/api/events/${ev.id}`)).body.deliveries.find((x: any) => x.hook === hook);
    return d && d.status !== 'pending' && d.status !== 'running' ? d : undefined;
  }, `the ${type} delivery to ${hook}`);
}

describe('reference-style executors from fixture files through the real points (sqlite)', () => {
  let s: TestServer;
  let erp: Upstream;
  let tokensIssued = 0;

  beforeAll(async () => {
    erp = await startUpstream((req, res) => {
      const url = new URL(req.url, 'http://erp');
      if (req.method === 'GET' && url.pathname === '/contracts/V-1001') {
        if (req.headers.authorization !== 'Bearer erp-secret') return json(res, 401, { error: 'unauthorized' });
        return json(res, 200, { number: 'V-1001', customer: { number: 'K-1', firstName: 'Anna', lastName: 'Schmidt', email: 'anna@example.org' }, address: { zip: '10115' }, meter: 'M-77' });
      }
      if (req.method === 'POST' && url.pathname === '/oauth/token') {
        const body = JSON.parse(req.body);
        if (body.client_secret !== 'erp-secret') return json(res, 401, { error: 'bad client' });
        tokensIssued++;
        return json(res, 200, { access_token: `at-${tokensIssued}`, expires_in: 3600 });
      }
      if (req.method === 'GET' && url.pathname === '/meters/M-77') {
        if (!req.headers.authorization?.startsWith('Bearer at-')) return json(res, 401, { error: 'no token' });
        return json(res, 200, { number: 'M-77', lastReading: 4711 });
      }
      if (req.method === 'POST' && url.pathname === '/export') return json(res, 200, { id: `EX-${erp.requests.filter((r) => r.url === '/export').length}` });
      if (req.method === 'GET' && url.pathname === '/tariffs' && url.searchParams.get('zip') === '10115') {
        return json(res, 200, [{ name: 'Basis', price: 30 }, { name: 'Öko', price: 25 }, { name: 'Plus', price: 41 }]);
      }
      return json(res, 404, { error: 'not found' });
    });
    s = await startTestServer('sqlite', SANDBOXED);
    for (const [name, value] of [['ERP_URL', `http://localhost:${erp.port}`], ['ERP_TOKEN', 'erp-secret']]) {
      expect((await s.api('PUT', `/api/secrets/${name}`, { value })).status).toBeLessThan(300);
    }
    const web = ['localhost'];
    await deploy(s, 'contract_search', 'php/contract-search.php', web);
    await deploy(s, 'customer_search', 'python/customer-search.py');
    await deploy(s, 'ticket_closed_export', 'php/ticket-closed-hook.php', web);
    await deploy(s, 'new_ticket_report', 'node/new-ticket-hook.cjs', web);
    await deploy(s, 'token_udf', 'php/token-udf.php', web);
    await deploy(s, 'meter_reading_caller', 'php/meter-reading-caller.php', web);
    await deploy(s, 'tariff_udf', 'node/tariff-udf.cjs', web);
    await deploy(s, 'meter_agent_php', 'php/meter-reading-agent.php');
    await deploy(s, 'meter_agent_py', 'python/meter-reading-agent.py');
    await deploy(s, 'link_contract', 'php/link-contract-tool.php');
    await deploy(s, 'tag_ticket', 'python/tag-ticket-tool.py');
    await deploy(s, 'bank_details_php', 'php/bank-details.php');
    await deploy(s, 'bank_details_py', 'python/bank-details.py');
    await deploy(s, 'typo', 'php/typo.php');
    await deploy(s, 'unknown_path', 'php/unknown-path.php');
  });
  afterAll(async () => {
    await s?.close();
    await erp?.close();
  });

  it('recognition: a PHP contract search (Api::call with a secret header) and a Python customer search answer through the search point', async () => {
    expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'erp_contracts', kind: 'contractNumber', executor: 'contract_search', format: 'reference' })).status).toBe(201);
    expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'crm_customers', kind: 'customerNumber', executor: 'customer_search', format: 'reference' })).status).toBe(201);
    const t = await s.api('POST', '/api/tickets', { subject: 'Abschlag', channel: 'email', from: 'anna@example.org' });
    const byContract = await s.api('POST', '/api/customer-recognition/search', { kind: 'contractNumber', query: 'V-1001', ticketId: t.body.id, noCache: true });
    expect(byContract.body.sources, byContract.raw).toEqual([expect.objectContaining({ name: 'erp_contracts', status: 'ok', found: 1 })]);
    expect(byContract.body.customers).toEqual([expect.objectContaining({
      customerNumber: 'K-1', name: 'Anna Schmidt', firstName: 'Anna', lastName: 'Schmidt', email: 'anna@example.org', business: false,
      contracts: [{ contractNumber: 'V-1001', zip: '10115', meterNumber: 'M-77' }],
    })]);
    expect(byContract.body.linked).toEqual({ ticketId: t.body.id, customerNumber: 'K-1', contractNumber: 'V-1001' });
    const byCustomer = await s.api('POST', '/api/customer-recognition/search', { kind: 'customerNumber', query: 'K-100', noCache: true });
    expect(byCustomer.body.customers).toEqual([expect.objectContaining({
      customerNumber: 'K-100', name: 'Bäckerei Korn GmbH', business: true, company: 'Bäckerei Korn GmbH',
      contracts: [{ contractNumber: 'V-2001' }, { contractNumber: 'V-2002' }],
    })]);
    const none = await s.api('POST', '/api/customer-recognition/search', { kind: 'customerNumber', query: 'K-404', noCache: true });
    expect(none.body).toMatchObject({ customers: [], sources: [{ name: 'crm_customers', status: 'ok', found: 0 }] });
  });

  it('hooks: a PHP TicketUpdated hook exports a closed ticket, a CommonJS Node TicketCreated hook reports a new one', async () => {
    expect((await s.api('POST', '/api/event-hooks', { name: 'export_closed', eventTypes: ['TicketUpdated'], executor: 'ticket_closed_export' })).status).toBe(201);
    expect((await s.api('POST', '/api/event-hooks', { name: 'report_new', eventTypes: ['TicketCreated'], executor: 'new_ticket_report' })).status).toBe(201);
    const t = await s.api('POST', '/api/tickets', { subject: 'Umzug', channel: 'email', from: 'bert@example.org' });
    const created = await finishedDelivery(s, 'TicketCreated', t.body.id, 'report_new');
    expect(created.status, JSON.stringify(created)).toBe('succeeded');
    const createdRun = await s.api('GET', `/api/executions/${created.attempts[0].executionId}`);
    expect(createdRun.body.output).toEqual({ exported: expect.stringMatching(/^EX-\d+$/), sender: 'bert@example.org' });
    expect(createdRun.body.logs).toContainEqual(expect.objectContaining({ level: 'info', message: `ticket loaded ${t.body.id}` }));

    expect((await s.api('PATCH', `/api/tickets/${t.body.id}`, { status: 'closed' })).status).toBe(200);
    const closed = await finishedDelivery(s, 'TicketUpdated', t.body.id, 'export_closed');
    expect(closed.status, JSON.stringify(closed)).toBe('succeeded');
    expect((await s.api('GET', `/api/executions/${closed.attempts[0].executionId}`)).body.output).toEqual({ exported: expect.stringMatching(/^EX-\d+$/), ticket: t.body.id });
    const exported = erp.requests.filter((r) => r.url === '/export').map((r) => JSON.parse(r.body));
    expect(exported).toContainEqual({ ticket: t.body.id, sender: 'bert@example.org', contract: null });
    expect(exported).toContainEqual({ ticket: t.body.id, sender: 'bert@example.org', subject: 'Umzug' });
  });

  it('UDFs: a token UDF caches in its Setting, its PHP caller uses it against the ERP; a CommonJS UDF calls the ERP with params', async () => {
    expect((await s.api('POST', '/api/udfs', { name: 'erp_token', executor: 'token_udf' })).status).toBe(201);
    expect((await s.api('POST', '/api/udfs', { name: 'meter_reading', executor: 'meter_reading_caller' })).status).toBe(201);
    expect((await s.api('POST', '/api/udfs', { name: 'cheapest_tariff', executor: 'tariff_udf' })).status).toBe(201);
    const before = tokensIssued;
    const first = await s.api('POST', '/api/udfs/meter_reading/call', { input: { meterNumber: 'M-77' } });
    expect(first.status, first.raw).toBe(200);
    expect(first.body.output).toEqual({ meter: 'M-77', lastReading: 4711, tokenFromCache: false });
    const second = await s.api('POST', '/api/udfs/meter_reading/call', { input: { meterNumber: 'M-77' } });
    expect(second.body.output).toEqual({ meter: 'M-77', lastReading: 4711, tokenFromCache: true });
    expect(tokensIssued - before).toBe(1);
    expect((await s.api('GET', '/api/storage/udfStorage')).body.value).toMatchObject({ token: `at-${tokensIssued}` });
    const tariff = await s.api('POST', '/api/udfs/cheapest_tariff/call', { input: { zip: '10115' } });
    expect(tariff.status, tariff.raw).toBe(200);
    expect(tariff.body.output).toEqual({ cheapest: 'Öko', count: 3, validFrom: '01.01.2025' });
  });

  it('agents: PHP and Python meter-reading agents stop at needsDecision, then perform the chosen type with the reference _metadata', async () => {
    const t = await s.api('POST', '/api/tickets', { subject: 'Zählerstand', channel: 'email', from: 'cleo@example.org' });
    expect((await s.api('PATCH', `/api/tickets/${t.body.id}`, { customer: { customerNumber: 'K-1', contractNumber: 'V-1001' } })).status).toBe(200);
    const schema = { type: 'object', properties: { reading: { type: 'number' }, date: { type: 'string' } }, required: ['reading'] };
    for (const [name, executor] of [['meter_php', 'meter_agent_php'], ['meter_py', 'meter_agent_py']]) {
      const a = await s.api('POST', '/api/agents', { name, intent: `meter_${name}`, executor, dataSchema: schema, templates: { success: 'Erledigt.', failure: 'Fehler: {{error.message}}' } });
      expect(a.status, a.raw).toBe(201);
    }
    const php1 = await s.api('POST', '/api/agents/meter_php/run', { data: { reading: 4711, date: '2024-03-07' }, ticketId: t.body.id });
    expect(php1.body, php1.raw).toMatchObject({ status: 'needsDecision', message: 'Zählerstand 4711 vom 07.03.2024 ist plausibel' });
    // Sorted by the reference `order`; `type` is the action, `name` the label.
    expect(php1.body.interaction.options).toEqual([
      { action: 'enter_into_system', label: 'Eintragen', recommended: true, order: 1 },
      { action: 'reject', label: 'Ablehnen', order: 2 },
    ]);
    const php2 = await s.api('POST', '/api/agents/meter_php/run', { data: { reading: 4711, date: '2024-03-07' }, ticketId: t.body.id, _action: 'enter_into_system' });
    expect(php2.body, php2.raw).toMatchObject({ status: 'executed', message: 'Erledigt.' });
    expect((await s.api('GET', `/api/executions/${php2.body.executionId}`)).body.output.infos).toEqual([{ type: 'success', message: 'Zählerstand eingetragen für Vertrag V-1001' }]);

    const py1 = await s.api('POST', '/api/agents/meter_py/run', { data: { reading: 12 }, ticketId: t.body.id });
    expect(py1.body, py1.raw).toMatchObject({ status: 'needsDecision', message: 'Zählerstand 12 liegt unter dem letzten Stand' });
    expect(py1.body.interaction.options.map((o: any) => [o.action, o.label, o.recommended ?? false])).toEqual([['ask_customer', 'Kunden fragen', true], ['enter_anyway', 'Trotzdem eintragen', false]]);
    const py2 = await s.api('POST', '/api/agents/meter_py/run', { data: { reading: 12 }, ticketId: t.body.id, _action: 'enter_anyway' });
    expect(py2.body, py2.raw).toMatchObject({ status: 'executed' });
    const run = await s.api('GET', `/api/executions/${py2.body.executionId}`);
    expect(run.body.output.infos[0].message).toBe(`enter_anyway für Ticket ${t.body.id}`);
    expect(run.body.input._metadata).toMatchObject({ ticketId: t.body.id, contractId: 'V-1001', from: 'cleo@example.org', channel: 'email', customerLegitimation: null, aiSupportLevel: null });
  });

  it('tools: a PHP tool links the ticket of its _metadata to a contract, a Python tool tags and parks it', async () => {
    const t = await s.api('POST', '/api/tickets', { subject: 'Vertrag', channel: 'chat', from: 'dora@example.org' });
    expect((await s.api('POST', '/api/ai/tools', { name: 'link_contract', executor: 'link_contract' })).status).toBe(201);
    expect((await s.api('POST', '/api/ai/tools', { name: 'tag_ticket', executor: 'tag_ticket' })).status).toBe(201);
    const link = await s.api('POST', '/api/ai/tools/link_contract/call', { arguments: { contractId: 'V-1001', customerId: 'K-1' }, ticketId: t.body.id });
    expect(link.body, link.raw).toMatchObject({ isError: false, output: { linked: 'V-1001', customer: 'K-1', channel: 'chat', from: 'dora@example.org' } });
    const tag = await s.api('POST', '/api/ai/tools/tag_ticket/call', { arguments: { tags: ['zaehler', 'rueckruf'] }, ticketId: t.body.id });
    expect(tag.body, tag.raw).toMatchObject({ isError: false, output: { ticket: t.body.id, tags: ['zaehler', 'rueckruf'], status: 'pending', sender: 'dora@example.org' } });
    const ticket = (await s.api('GET', `/api/tickets/${t.body.id}`)).body;
    expect(ticket).toMatchObject({ status: 'pending', tags: ['zaehler', 'rueckruf'], customer: { customerNumber: 'K-1', contractNumber: 'V-1001' } });
  });

  it('helpers: German dates and IBAN formatting and check digits in PHP and Python', async () => {
    const ok = await s.api('POST', '/api/executors/bank_details_php/invoke', { input: { iban: 'de89370400440532013000', validFrom: '2024-03-07', sepaMandate: 'ja' } });
    expect(ok.body.output, ok.raw).toEqual({ valid: true, iban: 'DE89 3704 0044 0532 0130 00', validFrom: '07.03.2024', ymd: '2024-03-07', sepaMandate: true });
    // One digit off: the mod-97 check fails.
    const bad = await s.api('POST', '/api/executors/bank_details_php/invoke', { input: { iban: 'DE89 3704 0044 0532 0130 01', validFrom: '2024-12-31', sepaMandate: 'nein' } });
    expect(bad.body.output, bad.raw).toEqual({ valid: false, iban: null, validFrom: '31.12.2024', ymd: '2024-12-31', sepaMandate: false });
    const py = await s.api('POST', '/api/executors/bank_details_py/invoke', { input: { iban: 'GB82WEST12345698765432', date: '2025-01-02' } });
    expect(py.body.output, py.raw).toEqual({ valid: true, iban: 'GB82 WEST 1234 5698 7654 32', date: '02.01.2025' });
    const pyBad = await s.api('POST', '/api/executors/bank_details_py/invoke', { input: { iban: 'GB83WEST12345698765432', date: '2025-01-02' } });
    expect(pyBad.body.output.valid).toBe(false);
  });

  it('negative: an undefined $in property fails the run with its name; an unknown platform path is a clear error', async () => {
    const typo = await s.api('POST', '/api/executors/typo/invoke', { input: { contractId: 'V-1' } });
    expect(typo.body.status).toBe('error');
    expect(typo.body.error.code).toBe('RUNTIME_ERROR');
    expect(typo.body.error.message).toContain('Undefined property $in->contractNumber: the input has only contractId');
    const unknown = await s.api('POST', '/api/executors/unknown_path/invoke', { input: {} });
    expect(unknown.body.status).toBe('error');
    expect(unknown.body.error.message).toContain('GET /api/mind/knowledge/42 is a path of the reference platform without a counterpart');
    // Through a point too: the hook's delivery fails with the same message instead of succeeding.
    const unmappedHook = await s.api('POST', '/api/event-hooks', { name: 'unmapped', eventTypes: ['TicketCreated'], executor: 'unknown_path', retry: { attempts: 1 } });
    expect(unmappedHook.status).toBe(201);
    const t = await s.api('POST', '/api/tickets', { subject: 'x', channel: 'email', from: 'e@example.org' });
    const d = await finishedDelivery(s, 'TicketCreated', t.body.id, 'unmapped');
    expect(d.status).not.toBe('succeeded');
    expect(JSON.stringify(d.attempts[0])).toContain('without a counterpart');
  });

  it('an output that looks like an interaction but cannot be read is a failure for agents and tools, never executed', async () => {
    const BROKEN = "<?php\necho json_encode(['infos' => [['type' => 'success']], 'options' => [['name' => 'Eintragen', 'recommended' => true]]]);\n";
    expect((await s.api('PUT', '/api/executors/broken_interaction', { name: 'broken_interaction', type: 'code', code: { language: 'php', source: BROKEN, mode: 'script' } })).status).toBe(201);
    expect((await s.api('POST', '/api/agents', { name: 'broken', intent: 'broken', executor: 'broken_interaction', dataSchema: { type: 'object' }, templates: { success: 'ok', failure: 'failed' } })).status).toBe(201);
    const run = await s.api('POST', '/api/agents/broken/run', { data: {} });
    expect(run.body).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_INVALID', message: expect.stringContaining('infos[0] has no message') } });
    expect((await s.api('POST', '/api/ai/tools', { name: 'broken_tool', executor: 'broken_interaction' })).status).toBe(201);
    const call = await s.api('POST', '/api/ai/tools/broken_tool/call', { arguments: {} });
    expect(call.body).toMatchObject({ isError: true, error: { code: 'OUTPUT_INVALID', message: expect.stringContaining('cannot be read') } });
  });
});
