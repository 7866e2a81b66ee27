// Demo executors against the built-in demo ERP, created at start with --demo (kept when they already exist).
import type { ExecutorInput } from '../executors/definition.js';
import type { Outrigger } from '../server.js';
import { DEMO_ERP_TOKEN } from './erp.routes.js';

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
  ];
}

/** Seeds the demo secret and executors into the default workspace. */
export async function seedDemo(o: Outrigger, baseUrl: string): Promise<string[]> {
  const ws = o.defaultWorkspaceId;
  if (!(await o.secrets.list(ws)).some((s) => s.name === 'ERP_TOKEN')) await o.secrets.put(ws, 'ERP_TOKEN', DEMO_ERP_TOKEN);
  const existing = new Set((await o.executors.list(ws)).map((e) => e.name));
  const created: string[] = [];
  for (const def of demoExecutors(baseUrl)) {
    if (existing.has(def.name)) continue;
    await o.executors.apply(ws, { ...def, message: 'demo seed' }, 'demo');
    created.push(def.name);
  }
  return created;
}
