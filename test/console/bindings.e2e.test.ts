// The bindings pages in chromium against the real server process: create an event hook in the console (its errors in
// place) and see a ticket's event delivered; create a webhook and call it; create a rule-based agent and run it through
// needsDecision into its second phase; chat with a smart agent (a local fake OpenAI-compatible model) and see each tool
// step; an AI tool's exported schema; a customer search with a failing source; a viewer sees no edit controls. Any
// console error or failed request fails the walk (but the 400 the test provokes on purpose); axe finds no serious or
// critical violation on the hooks and agents pages.
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { json, startUpstream, type Recorded, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';
import { axeViolations, CONSOLE_DIST, launchBrowser, screenshot, watchProblems } from './browser.js';

const TOKEN = 'otr_console_bindings_admin_token_012345';

function completion(message: Record<string, unknown>, finish: string) {
  return { id: `chatcmpl-${finish}`, object: 'chat.completion', created: 1, model: 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } };
}

describe('bindings pages in chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  /** The peripheral system of the executors: the hook's receiver, the webhook's echo, the agent's action, a tool, two customer sources. */
  let erp: Upstream;
  /** The fake model: answers each chat completion with the next scripted message. */
  let llm: Upstream;
  const script: Array<(req: Recorded) => unknown> = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(CONSOLE_DIST, 'index.html'))) throw new Error('console not built: npm run build (npm test builds it before vitest)');
    erp = await startUpstream((req, res: http.ServerResponse) => {
      const body = req.body ? JSON.parse(req.body) as Record<string, unknown> : {};
      if (req.url.startsWith('/hook')) return json(res, 200, { received: true });
      if (req.url.startsWith('/echo')) return json(res, 200, { echo: body, zone: 'north' });
      if (req.url.startsWith('/meter')) {
        // First phase: the reading is far below the last one; a human decides whether the meter was replaced.
        if (!body._action) {
          return json(res, 200, {
            infos: [{ type: 'warning', message: `Reading ${String(body.reading)} is lower than the last one (5000).` }],
            options: [{ action: 'meter_replaced', label: 'The meter was replaced', recommended: true }, { action: 'typo', label: 'It is a typo' }],
          });
        }
        return json(res, 200, { stored: true, action: body._action });
      }
      if (req.url.startsWith('/offer')) return json(res, 200, { tariff: 'Strom Fix24', yearlyCost: 868 });
      if (req.url.startsWith('/crm')) return json(res, 200, { customers: [{ customerNumber: 'C-1001', name: 'Ada Lovelace', email: 'ada@example.org', contracts: [{ contractNumber: 'V-2001', status: 'active' }], score: 0.9 }] });
      if (req.url.startsWith('/billing')) return json(res, 500, { error: 'billing is down' });
      json(res, 404, { error: 'unknown' });
    });
    llm = await startUpstream((req, res) => {
      const next = script.shift();
      if (!next) return json(res, 500, { error: { message: 'script exhausted' } });
      json(res, 200, next(req));
    });
    server = await startServerProcess(TOKEN, { OUTRIGGER_LLM_BASE_URL: `${llm.url}/v1` });
    const exec = (name: string, url: string) => server.api('POST', '/api/executors', { name, type: 'apiCall', apiCall: { method: 'POST', url: `${erp.url}${url}` } });
    for (const [name, url] of [['notify_erp', '/hook'], ['zone_lookup', '/echo'], ['store_reading', '/meter'], ['offer', '/offer'], ['crm', '/crm'], ['billing', '/billing']] as const) {
      expect((await exec(name, url)).status).toBe(201);
    }
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchProblems(page);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await erp?.close();
    await llm?.close();
  });

  async function signIn(token: string) {
    await page.goto(server.url + '/');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
  }
  const tab = (name: string) => page.getByRole('navigation', { name: 'binding kinds' }).getByRole('link', { name, exact: true });

  it('creates an event hook in the console: event types from the catalogue, a JSON Logic filter, a retry policy; errors in place', async () => {
    await signIn(TOKEN);
    await page.getByRole('link', { name: 'Bindings' }).click();
    await page.getByText('No event hooks yet.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'New event hook' }).click();
    await page.getByTestId('event-types').getByLabel('TicketCreated').check();
    await page.locator('input[name="name"]').fill('erp_ticket_created');
    await page.locator('select[name="executor"]').selectOption('notify_erp');
    await page.locator('textarea[name="filter"]').fill('{"==": [{"var": "data.ticket.channel"}, "email"]}');
    await page.locator('input[name="retryAttempts"]').fill('3');
    await page.locator('input[name="retryBaseMs"]').fill('100');
    await page.locator('input[name="retryMaxMs"]').fill('1000');
    // A type outside the catalogue: the API's field error lands next to the event types, and nothing is created.
    await page.locator('input[name="customEventTypes"]').fill('TicketExploded');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#field-eventTypes-error').filter({ hasText: 'unknown event type "TicketExploded"' }).waitFor();
    expect(await page.getByTestId('form-problem').textContent()).toMatch(/The request is invalid.*marked fields/);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'bindings-event-hook-error');
    // A filter that is not JSON is caught before anything is sent.
    await page.locator('textarea[name="filter"]').fill('{"==": ');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#field-filter-error').filter({ hasText: 'is not valid JSON' }).waitFor();

    await page.locator('textarea[name="filter"]').fill('{"==": [{"var": "data.ticket.channel"}, "email"]}');
    await page.locator('input[name="customEventTypes"]').fill('custom.erp.*');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/bindings\/event-hooks\/erp_ticket_created$/);
    await page.getByTestId('hook-state').filter({ hasText: 'enabled' }).waitFor();
    const hook = await server.api('GET', '/api/event-hooks/erp_ticket_created');
    expect(hook.body).toMatchObject({ eventTypes: ['TicketCreated', 'custom.erp.*'], executor: 'notify_erp', filter: { '==': [{ var: 'data.ticket.channel' }, 'email'] }, retry: { attempts: 3, schedule: { backoff: 'exponential', baseMs: 100, maxMs: 1000 } }, enabled: true });
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'bindings-event-hook');

    // The hook runs: a ticket by e-mail is delivered to the ERP.
    const ticket = await server.api('POST', '/api/tickets', { subject: 'Meter reading', channel: 'email' });
    expect(ticket.status).toBe(201);
    const delivered = await waitFor(() => erp.requests.find((r) => r.url.startsWith('/hook')), 'the hook delivery');
    expect(delivered.body).toContain(ticket.body.id);

    // Disable and enable it again from its page; the list shows the state.
    await page.getByRole('button', { name: 'Disable hook' }).click();
    await page.getByTestId('hook-state').filter({ hasText: 'disabled' }).waitFor();
    expect((await server.api('GET', '/api/event-hooks/erp_ticket_created')).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable hook' }).click();
    await page.getByTestId('hook-state').filter({ hasText: 'enabled' }).waitFor();
    await tab('Event hooks').click();
    await page.getByTestId('bindings-table').filter({ hasText: 'TicketCreated, custom.erp.*' }).filter({ hasText: 'enabled' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);

  it('creates a webhook and calls it from its page', async () => {
    await tab('Webhooks').click();
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByRole('link', { name: 'New webhook' }).click();
    // By keyboard: the form submits with Enter in a text field.
    await page.locator('select[name="executor"]').selectOption('zone_lookup');
    await page.locator('textarea[name="description"]').fill('Which grid zone a zip code is in');
    await page.locator('input[name="name"]').fill('zone');
    await page.locator('input[name="name"]').press('Enter');
    await page.waitForURL(/\/bindings\/webhooks\/zone$/);
    await page.locator('textarea[name="call-input"]').fill('{"zip": "10115"}');
    await page.getByRole('button', { name: 'Call webhook' }).click();
    const out = page.getByTestId('call-output');
    await out.filter({ hasText: '"zone": "north"' }).waitFor();
    expect(await out.textContent()).toContain('"zip": "10115"');
    expect(erp.requests.some((r) => r.url.startsWith('/echo') && r.body.includes('10115'))).toBe(true);
    await screenshot(page, 'bindings-webhook-call');

    // A webhook whose peripheral system fails: the caller's error, with its code, in place.
    expect((await server.api('POST', '/api/webhooks', { name: 'bill', executor: 'billing' })).status).toBe(201);
    await page.goto(`${server.url}/bindings/webhooks/bill`);
    await page.getByRole('button', { name: 'Call webhook' }).click();
    const failed = page.getByTestId('call-error');
    await failed.filter({ hasText: 'HTTP 502' }).waitFor();
    expect(await failed.textContent()).toMatch(/code [A-Z_]+ · HTTP 502/);
    expect(await page.getByTestId('call-output').count()).toBe(0);

    // Deleting asks once more, then the list no longer has it.
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Really delete bill' }).click();
    await page.waitForURL(/\/bindings\/webhooks$/);
    await page.getByTestId('bindings-table').filter({ hasText: 'zone' }).filter({ hasNotText: 'bill' }).waitFor();
    expect((await server.api('GET', '/api/webhooks/bill')).status).toBe(404);
  });

  it('creates a rule-based agent and runs it through needsDecision into its second phase', async () => {
    await tab('Rule-based agents').click();
    await page.getByText('No rule-based agents yet.').waitFor();
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.locator('input[name="name"]').fill('meter_reading');
    await page.locator('input[name="intent"]').fill('MeterReading');
    await page.locator('textarea[name="dataSchema"]').fill(JSON.stringify({ type: 'object', required: ['meterNumber', 'reading'], properties: { meterNumber: { type: 'string' }, reading: { type: 'integer' } } }));
    // Two rules in the rules editor; the second is moved in front and then removed again.
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('input[name="rule-0-name"]').fill('negative');
    await page.locator('textarea[name="rule-0-when"]').fill('{"<": [{"var": "data.reading"}, 0]}');
    await page.locator('input[name="rule-0-message"]').fill('A reading cannot be negative.');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('input[name="rule-1-name"]').fill('scratch');
    await page.getByRole('button', { name: 'Move rule 2 up' }).click();
    expect(await page.locator('input[name="rule-0-name"]').inputValue()).toBe('scratch');
    await page.getByRole('button', { name: 'Remove rule 1' }).click();
    expect(await page.locator('input[name="rule-0-name"]').inputValue()).toBe('negative');
    await page.locator('select[name="executor"]').selectOption('store_reading');
    await page.locator('textarea[name="templateSuccess"]').fill('Recorded {{data.reading}} for meter {{data.meterNumber}} ({{action}}).');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/bindings\/agents\/meter_reading$/);
    expect((await server.api('GET', '/api/agents/meter_reading')).body.rules).toEqual([{ name: 'negative', when: { '<': [{ var: 'data.reading' }, 0] }, then: 'reject', message: 'A reading cannot be negative.' }]);

    await page.locator('textarea[name="agent-data"]').fill('{"meterNumber": "M-9001", "reading": 120}');
    await page.getByRole('button', { name: 'Run agent' }).click();
    const phases = page.getByTestId('agent-phase');
    await phases.first().filter({ hasText: 'needsDecision' }).waitFor();
    expect(await phases.first().textContent()).toContain('Reading 120 is lower than the last one (5000).');
    await page.getByRole('button', { name: 'The meter was replaced (recommended)' }).click();
    await phases.nth(1).filter({ hasText: 'executed' }).waitFor();
    expect(await phases.nth(1).textContent()).toContain('Recorded 120 for meter M-9001 (meter_replaced).');
    expect(await phases.nth(1).textContent()).toContain('_action = meter_replaced');
    const actions = erp.requests.filter((r) => r.url.startsWith('/meter')).map((r) => JSON.parse(r.body)._action);
    expect(actions).toEqual([null, 'meter_replaced']);
    // No decision is offered once the second phase has run.
    expect(await page.getByRole('group', { name: 'decision' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'bindings-agent-run');

    // A rule that rejects: one phase, no executor call.
    await page.locator('textarea[name="agent-data"]').fill('{"meterNumber": "M-9001", "reading": -1}');
    await page.getByRole('button', { name: 'Run agent' }).click();
    await phases.first().filter({ hasText: 'rejected' }).filter({ hasText: 'A reading cannot be negative.' }).waitFor();
    expect(await phases.count()).toBe(1);
  });

  it('shows an AI tool\'s exported schema and chats with a smart agent, showing every tool step', async () => {
    expect((await server.api('POST', '/api/ai/tools', { name: 'get_offer', executor: 'offer', description: 'The cheapest tariff for a zip code', parameters: { type: 'object', properties: { zip: { type: 'string' } }, required: ['zip'] } })).status).toBe(201);
    await tab('AI tools').click();
    await page.getByRole('link', { name: 'get_offer' }).click();
    const exported = page.getByTestId('tool-export');
    await exported.filter({ hasText: '"type": "function"' }).waitFor();
    expect(await exported.textContent()).toContain('"strict": true');
    await page.getByLabel('MCP tool').check();
    await exported.filter({ hasText: '"inputSchema"' }).waitFor();
    await screenshot(page, 'bindings-ai-tool');

    await tab('Smart agents').click();
    await page.getByRole('link', { name: 'New smart agent' }).click();
    await page.locator('input[name="name"]').fill('advisor');
    await page.locator('textarea[name="systemPrompt"]').fill('You advise on tariffs.');
    await page.locator('input[name="model"]').fill('fake-model');
    await page.getByRole('group', { name: /Tools/ }).getByLabel('get_offer').check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/bindings\/smart-agents\/advisor$/);

    let sent: any = null;
    script.push(
      () => completion({ tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_offer', arguments: '{"zip":"10115"}' } }] }, 'tool_calls'),
      (req) => { sent = JSON.parse(req.body); return completion({ content: 'Strom Fix24 costs 868 EUR a year.' }, 'stop'); },
    );
    await page.locator('textarea[name="chat-message"]').fill('Cheapest tariff in 10115?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('chat-answer').filter({ hasText: 'Strom Fix24 costs 868 EUR a year.' }).waitFor();
    const step = page.getByTestId('chat-step');
    expect(await step.count()).toBe(1);
    expect(await step.textContent()).toContain('get_offer({"zip":"10115"})');
    expect(await step.textContent()).toContain('"yearlyCost": 868');
    // The model got the tool's output back under its call id.
    expect(sent.messages.find((m: { role: string }) => m.role === 'tool')).toMatchObject({ tool_call_id: 'c1' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'bindings-smart-agent-chat');
  });

  it('searches customers through the sources of a kind: merged results and the failing source\'s error', async () => {
    await server.api('POST', '/api/customer-recognition/sources', { name: 'crm', kind: 'contractNumber', executor: 'crm', priority: 10 });
    await server.api('POST', '/api/customer-recognition/sources', { name: 'billing', kind: 'contractNumber', executor: 'billing', priority: 20 });
    await tab('Customer recognition').click();
    await page.getByTestId('bindings-table').filter({ hasText: 'billing' }).waitFor();
    await page.locator('input[name="search-query"]').fill('V-2001');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('customers').filter({ hasText: 'Ada Lovelace' }).waitFor();
    expect(await page.getByTestId('customers').textContent()).toContain('V-2001 (active)');
    const sources = await page.getByTestId('sources').textContent();
    expect(sources).toMatch(/crm\s*ok/);
    expect(sources).toMatch(/billing\s*error/);

    // With a ticket, the one best match is linked to it.
    const ticket = await server.api('POST', '/api/tickets', { subject: 'Contract V-2001', channel: 'phone' });
    await page.locator('input[name="search-ticket"]').fill(ticket.body.id);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('linked').filter({ hasText: `Linked to ticket ${ticket.body.id}: customer C-1001, contract V-2001.` }).waitFor();
    expect((await server.api('GET', `/api/tickets/${ticket.body.id}`)).body.customer).toMatchObject({ customerNumber: 'C-1001' });
    await screenshot(page, 'bindings-recognition-search');
  });

  it('works in a narrow window: nothing wider than the viewport', async () => {
    await page.setViewportSize({ width: 720, height: 800 });
    for (const p of ['/bindings/event-hooks/erp_ticket_created', '/bindings/agents/meter_reading', '/bindings/customer-recognition']) {
      await page.goto(server.url + p.replace('customer-recognition', 'recognition'));
      await page.locator('h1').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('a viewer sees the bindings read-only: no edit, run, call or enable controls', async () => {
    const t = await server.api('POST', '/api/tokens', { name: 'looker', role: 'viewer' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(t.body.token);
    await page.getByRole('link', { name: 'Bindings' }).click();
    await page.getByTestId('bindings-table').filter({ hasText: 'erp_ticket_created' }).waitFor();
    expect(await page.getByRole('link', { name: 'New event hook' }).count()).toBe(0);
    const onlySignOut = async () => expect(await page.getByRole('button').allTextContents()).toEqual(['Sign out']);
    await onlySignOut();
    await page.getByRole('link', { name: 'erp_ticket_created' }).click();
    await page.getByTestId('binding-definition').filter({ hasText: 'TicketCreated, custom.erp.*' }).waitFor();
    await page.getByTestId('hook-state').waitFor();
    await onlySignOut();
    expect(await page.locator('input, textarea, select').count()).toBe(0);
    for (const [kind, name] of [['webhooks', 'zone'], ['agents', 'meter_reading'], ['smart-agents', 'advisor'], ['ai-tools', 'get_offer']] as const) {
      await page.goto(`${server.url}/bindings/${kind}/${name}`);
      await page.getByTestId('binding-definition').waitFor();
      await onlySignOut();
    }
    await tab('Customer recognition').click();
    await page.getByTestId('bindings-table').waitFor();
    await onlySignOut();
    expect(await page.getByRole('link', { name: 'New source' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('had no console error or failed request during the walk but the refused hook and the failing webhook the test provoked', () => {
    const provoked = (p: string) => /HTTP 400: POST .*\/api\/event-hooks$/.test(p) || /HTTP 502: POST .*\/api\/webhooks\/bill\/call$/.test(p) || /Failed to load resource: .*(400|502)/.test(p);
    expect(problems.filter((p) => !provoked(p))).toEqual([]);
    expect(problems.filter(provoked).length).toBeGreaterThan(0);
  });
});
