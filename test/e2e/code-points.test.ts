// `code` executors behind every integration point (event hook, webhook, AI tool, rule-based agent, customer recognition), on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { putCode, SANDBOXED, waitFor } from './helpers.js';

const ON_TICKET_PHP = `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    return ['type' => $input['type'], 'ticketId' => $input['data']['ticketId'], 'subject' => $input['data']['ticket']['subject'],
        'delivery' => $input['_delivery']['id'], 'attempt' => $ctx->execution->attempt];
}
`;

const SEND_MAIL_PY = `
import time

def handler(input, ctx):
    if input.get("to") == "nobody":
        raise ValueError("no such recipient: nobody")
    if input.get("to") == "slow":
        while True:
            time.sleep(0.01)  # only the slow_mail executor (timeoutMs 500) gets this input
    return {"sent": True, "to": input["to"], "via": ctx.execution.trigger}
`;

const OFFER_NODE = `
export default async function handler(input, ctx) {
  return { zip: input.zip, tariff: input.kwh > 3000 ? 'Family' : 'Single', trigger: ctx.execution.trigger };
}
`;

// A rule-based agent's action: asks first (interaction), performs the chosen option on the second run.
const MOVE_PHP = `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    if ($input['_action'] === null) {
        return ['infos' => [['message' => 'Change delivery and billing address, or delivery only?']],
            'options' => [['action' => 'both', 'label' => 'Both', 'recommended' => true], ['action' => 'delivery_only', 'label' => 'Delivery only']],
            'data' => ['customerNumber' => $input['customerNumber']]];
    }
    return ['done' => $input['_action'], 'customer' => $input['customerNumber'], 'agent' => $input['_metadata']['agent']];
}
`;

const CRM_PY = `
def handler(input, ctx):
    return {"customers": [
        {"customerNumber": "C-1", "name": "Anna Schmidt (code)", "score": 0.9, "contracts": [{"contractNumber": "K-1"}], "query": input["q"]},
    ]}
`;

describe('code executors behind every integration point (postgres)', () => {
  let s: TestServer;
  let erp: Upstream;

  beforeAll(async () => {
    s = await startTestServer('postgres', SANDBOXED);
    erp = await startUpstream((_req, res) => json(res, 200, {
      customers: [
        { customerNumber: 'C-1', name: 'A. Schmidt (erp)', phone: '+49 30 1', contracts: [{ contractNumber: 'K-1', status: 'active' }, { contractNumber: 'K-2' }] },
        { customerNumber: 'C-2', name: 'Bert Schmid', contracts: [] },
      ],
    }));
    await putCode(s, 'on_ticket', 'php', ON_TICKET_PHP);
    await putCode(s, 'send_mail', 'python', SEND_MAIL_PY);
    await putCode(s, 'slow_mail', 'python', SEND_MAIL_PY, { timeoutMs: 500 });
    await putCode(s, 'offer', 'node', OFFER_NODE, {
      description: 'cheapest tariff',
      inputSchema: { type: 'object', properties: { zip: { type: 'string' }, kwh: { type: 'number' } }, required: ['zip', 'kwh'], additionalProperties: false },
    });
    await putCode(s, 'move', 'php', MOVE_PHP);
    await putCode(s, 'crm_code', 'python', CRM_PY);
    expect((await s.api('POST', '/api/executors', { name: 'erp_api', type: 'apiCall', apiCall: { method: 'GET', url: `${erp.url}/lookup` } })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await erp?.close();
  });

  it('event hook: TicketCreated runs php code with the event payload and its delivery id', async () => {
    expect((await s.api('POST', '/api/event-hooks', { name: 'ticket_to_php', eventTypes: ['TicketCreated'], executor: 'on_ticket' })).status).toBe(201);
    const t = await s.api('POST', '/api/tickets', { subject: 'Meter broken', body: 'please help', channel: 'email', from: 'ann@example.com' });
    expect(t.status).toBe(201);
    const ev = await waitFor(async () => (await s.api('GET', '/api/events?type=TicketCreated')).body.items.find((e: any) => e.subject === t.body.id), 'the TicketCreated event');
    const delivery = await waitFor(async () => {
      const d = (await s.api('GET', `/api/events/${ev.id}`)).body.deliveries[0];
      return d && d.status !== 'pending' && d.status !== 'running' ? d : undefined;
    }, 'the delivery to finish');
    expect(delivery.status, JSON.stringify(delivery)).toBe('succeeded');
    const exe = await s.api('GET', `/api/executions/${delivery.attempts[0].executionId}`);
    expect(exe.body).toMatchObject({ executor: 'on_ticket', type: 'code', trigger: 'event', triggerRef: delivery.id, status: 'ok' });
    expect(exe.body.output).toEqual({ type: 'TicketCreated', ticketId: t.body.id, subject: 'Meter broken', delivery: delivery.id, attempt: 1 });
  });

  describe('webhook to python code', () => {
    beforeAll(async () => {
      expect((await s.api('POST', '/api/webhooks', { name: 'mail', executor: 'send_mail' })).status).toBe(201);
      expect((await s.api('POST', '/api/webhooks', { name: 'mail_slow', executor: 'slow_mail' })).status).toBe(201);
    });

    it('returns the output to the caller', async () => {
      const r = await s.api('POST', '/api/webhooks/mail/call', { input: { to: 'ann@example.com' } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ executionId: expect.stringMatching(/^exe_/), output: { sent: true, to: 'ann@example.com', via: 'webhook' } });
    });

    it('a RUNTIME_ERROR in the code reaches the caller as problem+json with code, message, executionId', async () => {
      const r = await s.api('POST', '/api/webhooks/mail/call', { input: { to: 'nobody' } });
      expect(r.status).toBe(502);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body).toMatchObject({
        code: 'RUNTIME_ERROR', status: 502, detail: expect.stringContaining('no such recipient: nobody'), executionId: expect.stringMatching(/^exe_/),
        details: { type: 'ValueError', file: 'main.py', line: 6 },
      });
      const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
      expect(exe.body.error).toMatchObject({ code: 'RUNTIME_ERROR', details: { type: 'ValueError', file: 'main.py', line: 6 } });
    });

    it('a time-out is a 504', async () => {
      const r = await s.api('POST', '/api/webhooks/mail_slow/call', { input: { to: 'slow' } });
      expect(r.status).toBe(504);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body).toMatchObject({ code: 'TIMEOUT', executionId: expect.stringMatching(/^exe_/), webhook: 'mail_slow' });
      expect((await s.api('GET', `/api/executions/${r.body.executionId}`)).body).toMatchObject({ trigger: 'webhook', error: { code: 'TIMEOUT' } });
    });
  });

  it('AI tool: a call reaches node code with the arguments; the tool lists the executor schema', async () => {
    expect((await s.api('POST', '/api/ai/tools', { name: 'get_tariff_offer', executor: 'offer' })).status).toBe(201);
    const list = await s.api('GET', '/api/ai/tools?format=openai');
    expect(JSON.stringify(list.body)).toContain('get_tariff_offer');
    const r = await s.api('POST', '/api/ai/tools/get_tariff_offer/call', { arguments: { zip: '10115', kwh: 4200 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ isError: false, output: { zip: '10115', tariff: 'Family', trigger: 'tool' } });
    const exe = await s.api('GET', `/api/executions/${r.body.executionId}`);
    expect(exe.body).toMatchObject({ executor: 'offer', trigger: 'tool', type: 'code' });
  });

  it('rule-based agent: php action asks for a decision, the second run with _action performs it', async () => {
    const a = await s.api('POST', '/api/agents', {
      name: 'address_move', intent: 'address_change', executor: 'move',
      dataSchema: { type: 'object', properties: { customerNumber: { type: 'string' } }, required: ['customerNumber'] },
      rules: [{ name: 'known', when: { '!': [{ var: 'data.customerNumber' }] }, then: 'reject', message: 'Who are you?' }],
      templates: { success: 'Changed ({{output.done}}) for {{output.customer}}.', failure: 'Sorry.' },
    });
    expect(a.status, a.raw).toBe(201);
    const first = await s.api('POST', '/api/agents/address_move/run', { data: { customerNumber: 'C-7' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'needsDecision', message: 'Change delivery and billing address, or delivery only?' });
    expect(first.body.interaction.options.map((o: any) => o.action)).toEqual(['both', 'delivery_only']);
    const firstExe = await s.api('GET', `/api/executions/${first.body.executionId}`);
    expect(firstExe.body).toMatchObject({ executor: 'move', trigger: 'agent', input: { customerNumber: 'C-7', _action: null } });
    const second = await s.api('POST', '/api/agents/address_move/run', { data: { customerNumber: 'C-7' }, _action: 'delivery_only' });
    expect(second.body).toMatchObject({ status: 'executed', message: 'Changed (delivery_only) for C-7.' });
    expect((await s.api('GET', `/api/executions/${second.body.executionId}`)).body.output).toEqual({ done: 'delivery_only', customer: 'C-7', agent: 'address_move' });
  });

  it('customer recognition: a python source and an apiCall source are merged', async () => {
    expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'crm', kind: 'freeText', executor: 'crm_code', priority: 10 })).status).toBe(201);
    expect((await s.api('POST', '/api/customer-recognition/sources', { name: 'erp', kind: 'freeText', executor: 'erp_api', priority: 20 })).status).toBe(201);
    const r = await s.api('POST', '/api/customer-recognition/search', { kind: 'freeText', query: ' Schmidt ', noCache: true });
    expect(r.status).toBe(200);
    expect(r.body.sources.map((x: any) => [x.name, x.status])).toEqual([['crm', 'ok'], ['erp', 'ok']]);
    expect(r.body.customers.map((c: any) => c.customerNumber)).toEqual(['C-1', 'C-2']);
    const c1 = r.body.customers[0];
    expect(c1).toMatchObject({ name: 'Anna Schmidt (code)', phone: '+49 30 1', query: 'Schmidt' });
    expect(c1.contracts.map((k: any) => k.contractNumber).sort()).toEqual(['K-1', 'K-2']);
    const crmRun = await s.api('GET', `/api/executions/${r.body.sources[0].executionId}`);
    expect(crmRun.body).toMatchObject({ executor: 'crm_code', trigger: 'customerRecognition', type: 'code', input: { q: 'Schmidt' }, status: 'ok' });
  });
});
