// Demo executors against the built-in demo ERP, created at start with --demo (kept when they already exist).
import type { ExecutorInput } from '../executors/definition.js';
import type { Outrigger } from '../server.js';
import { DEMO_ERP_TOKEN } from './erp.routes.js';
import { DEMO_CODE_EXECUTORS, DEMO_UDFS } from './code-demos.js';
import demoAgents from './demo-agents.json' with { type: 'json' };

export function demoExecutors(baseUrl: string): ExecutorInput[] {
  const auth = { Authorization: 'Bearer {{secret:ERP_TOKEN}}' };
  return [
    {
      name: 'erp_find_contract', type: 'apiCall',
      description: 'Finds the customer of a contract number in the demo ERP',
      inputSchema: { type: 'object', properties: { contractNumber: { type: 'string', pattern: '^V-\\d+$' } }, required: ['contractNumber'] },
      apiCall: { method: 'GET', url: `${baseUrl}/demo/erp/contracts/{{input.contractNumber}}`, headers: auth },
    },
    {
      name: 'get_tariff_offer', type: 'apiCall',
      description: 'Returns the cheapest tariff for a postcode and yearly consumption',
      inputSchema: { type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' }, consumptionKwh: { type: 'number', exclusiveMinimum: 0 } }, required: ['zip'] },
      apiCall: { method: 'GET', url: `${baseUrl}/demo/erp/tariffs/offer`, headers: auth },
    },
    {
      name: 'erp_record_meter_reading', type: 'apiCall',
      description: 'Records a meter reading in the demo ERP',
      inputSchema: { type: 'object', properties: { meterNumber: { type: 'string' }, value: { type: 'number' }, date: { type: 'string', format: 'date' } }, required: ['meterNumber', 'value'] },
      apiCall: { method: 'POST', url: `${baseUrl}/demo/erp/meter-readings`, headers: auth },
    },
    // recognition, agent and AI tool executors
    {
      name: 'erp_search_customers', type: 'apiCall',
      description: 'Searches customers of the demo ERP by number, name or email (free text)',
      inputSchema: { type: 'object', properties: { q: { type: 'string', minLength: 1 } }, required: ['q'] },
      apiCall: { method: 'GET', url: `${baseUrl}/demo/erp/customers`, headers: auth },
    },
    {
      name: 'erp_change_address', type: 'apiCall',
      description: 'Changes a customer’s address in the demo ERP (asks which addresses first)',
      inputSchema: { type: 'object', properties: { customerNumber: { type: 'string' }, street: { type: 'string' }, zip: { type: 'string' }, city: { type: 'string' } }, required: ['customerNumber', 'street', 'zip', 'city'] },
      apiCall: { method: 'POST', url: `${baseUrl}/demo/erp/customers/{{input.customerNumber}}/address`, headers: auth },
    },
    {
      name: 'erp_cancel_contract', type: 'apiCall',
      description: 'Cancels a contract in the demo ERP (offers end of term or immediately first)',
      inputSchema: { type: 'object', properties: { contractNumber: { type: 'string', pattern: '^V-\\d+$' }, customerNumber: { type: 'string' }, reason: { type: 'string' } }, required: ['contractNumber'] },
      apiCall: { method: 'POST', url: `${baseUrl}/demo/erp/contracts/{{input.contractNumber}}/cancel`, headers: auth },
    },
    {
      name: 'send_offer_by_email', type: 'apiCall',
      description: 'Sends a tariff offer to the customer by email',
      inputSchema: { type: 'object', properties: { email: { type: 'string', format: 'email' }, zip: { type: 'string', pattern: '^\\d{5}$' }, consumptionKwh: { type: 'number', exclusiveMinimum: 0 }, tariff: { type: 'string' } }, required: ['email', 'zip'] },
      apiCall: { method: 'POST', url: `${baseUrl}/demo/erp/offers/email`, headers: auth },
    },
    {
      name: 'do_tariff_change', type: 'apiCall',
      description: 'Changes the tariff of a contract',
      inputSchema: { type: 'object', properties: { contractNumber: { type: 'string', pattern: '^V-\\d+$' }, tariff: { type: 'string', enum: ['Strom Basis', 'Strom Öko', 'Strom Fix24'] } }, required: ['contractNumber', 'tariff'] },
      apiCall: { method: 'POST', url: `${baseUrl}/demo/erp/contracts/{{input.contractNumber}}/tariff`, headers: auth },
    },
  ];
}

/** Demo bindings: recognition sources, AI tools and a smart agent; the rule-based agents come from demo-agents.json. */
export const DEMO_SOURCES = [
  { name: 'erp_contract', kind: 'contractNumber' as const, executor: 'erp_find_contract', priority: 10 },
  { name: 'erp_search', kind: 'freeText' as const, executor: 'erp_search_customers', priority: 10 },
];
export const DEMO_TOOLS = [
  { name: 'get_tariff_offer', executor: 'get_tariff_offer', description: 'Returns the cheapest tariff and all offers for a German postcode (5 digits) and a yearly consumption in kWh' },
  { name: 'send_offer_by_email', executor: 'send_offer_by_email', description: 'Sends a tariff offer to an email address' },
  { name: 'do_tariff_change', executor: 'do_tariff_change', description: 'Changes the tariff of a contract (only after the customer agreed)' },
];
export const DEMO_SMART_AGENT = {
  name: 'tariff_advisor',
  systemPrompt: 'You advise energy customers on tariffs. Look up offers with get_tariff_offer, send offers by email when asked, and change a tariff with do_tariff_change only after the customer explicitly agreed. Answer briefly.',
  model: 'gpt-4o-mini',
  tools: ['get_tariff_offer', 'send_offer_by_email', 'do_tariff_change'],
  maxSteps: 6,
};

/** Seeds the demo secret and executors into the default workspace. */
export async function seedDemo(o: Outrigger, baseUrl: string): Promise<string[]> {
  const ws = o.defaultWorkspaceId;
  if (!(await o.secrets.list(ws)).some((s) => s.name === 'ERP_TOKEN')) await o.secrets.put(ws, 'ERP_TOKEN', DEMO_ERP_TOKEN);
  const existing = new Set((await o.executors.list(ws)).map((e) => e.name));
  const created: string[] = [];
  // Code executors only where the sandbox runs; apiCall executors everywhere.
  const codeDemos = o.code.sandbox ? DEMO_CODE_EXECUTORS : [];
  for (const def of [...demoExecutors(baseUrl), ...codeDemos]) {
    if (existing.has(def.name)) continue;
    await o.executors.apply(ws, { ...def, message: 'demo seed' }, 'demo');
    created.push(def.name);
  }
  for (const udf of o.code.sandbox ? DEMO_UDFS : []) {
    if (await o.udfs.find(ws, udf.name)) continue;
    await o.udfs.create(ws, udf);
    created.push(`udf ${udf.name}`);
  }
  // bindings, kept when they already exist
  const p = o.points;
  for (const src of DEMO_SOURCES) {
    if (await p.recognition.sources.find(ws, src.name)) continue;
    await p.recognition.sources.create(ws, await p.recognition.prepareSource(ws, src));
    created.push(`source ${src.name}`);
  }
  for (const agent of demoAgents) {
    if (await p.agents.store.find(ws, agent.name)) continue;
    await p.agents.store.create(ws, await p.agents.prepare(ws, agent));
    created.push(`agent ${agent.name}`);
  }
  for (const tool of DEMO_TOOLS) {
    if (await p.tools.store.find(ws, tool.name)) continue;
    await p.tools.store.create(ws, await p.tools.prepare(ws, tool));
    created.push(`tool ${tool.name}`);
  }
  if (!(await p.smartAgents.store.find(ws, DEMO_SMART_AGENT.name))) {
    await p.smartAgents.store.create(ws, await p.smartAgents.prepare(ws, DEMO_SMART_AGENT));
    created.push(`smart agent ${DEMO_SMART_AGENT.name}`);
  }
  return created;
}
