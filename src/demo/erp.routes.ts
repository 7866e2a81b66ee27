// A small built-in demo ERP (customers, contracts, tariffs, meter readings) so that demo executors have a real HTTP peer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DEMO_ERP_TOKEN = 'demo-erp-token-7f3a9c';

interface Contract { contractNumber: string; status: string; product: string; meterNumber: string }
interface Customer { customerNumber: string; firstName: string; lastName: string; business: boolean; email: string; phone: string; address: { street: string; zip: string; city: string }; contracts: Contract[] }

const CUSTOMERS: Customer[] = [
  { customerNumber: 'C-1001', firstName: 'Anna', lastName: 'Schmidt', business: false, email: 'anna.schmidt@example.org', phone: '+49 30 1234567', address: { street: 'Lindenallee 4', zip: '10115', city: 'Berlin' },
    contracts: [{ contractNumber: 'V-2001', status: 'active', product: 'Strom Basis', meterNumber: 'M-9001' }] },
  { customerNumber: 'C-1002', firstName: 'Jonas', lastName: 'Weber', business: false, email: 'jonas.weber@example.org', phone: '+49 89 7654321', address: { street: 'Isarweg 12', zip: '80331', city: 'München' },
    contracts: [{ contractNumber: 'V-2002', status: 'active', product: 'Gas Komfort', meterNumber: 'M-9002' }, { contractNumber: 'V-2003', status: 'cancelled', product: 'Strom Öko', meterNumber: 'M-9003' }] },
];

const TARIFFS = [
  { name: 'Strom Basis', basePricePerMonth: 9.9, pricePerKwh: 0.32 },
  { name: 'Strom Öko', basePricePerMonth: 11.5, pricePerKwh: 0.3 },
  { name: 'Strom Fix24', basePricePerMonth: 14.0, pricePerKwh: 0.28 },
];

function authorised(req: FastifyRequest, reply: FastifyReply): boolean {
  if (req.headers.authorization === `Bearer ${DEMO_ERP_TOKEN}`) return true;
  reply.code(401).send({ error: 'missing or wrong ERP token' });
  return false;
}

/** Registers the demo ERP under /demo/erp (its own bearer token; no Outrigger token needed). */
export async function demoPlugin(app: FastifyInstance): Promise<void> {
  const readings: Array<{ meterNumber: string; value: number; date: string }> = [];
  const cfg = { config: { public: true }, schema: { hide: true } };

  app.get('/demo/erp/contracts/:contractNumber', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const { contractNumber } = req.params as { contractNumber: string };
    const customer = CUSTOMERS.find((c) => c.contracts.some((k) => k.contractNumber === contractNumber));
    if (!customer) return reply.code(404).send({ error: `contract ${contractNumber} not found` });
    return { customers: [{ ...customer, name: `${customer.firstName} ${customer.lastName}` }] };
  });

  app.get('/demo/erp/customers', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const q = String((req.query as { q?: string }).q ?? '').toLowerCase();
    const found = CUSTOMERS.filter((c) => [c.customerNumber, c.firstName, c.lastName, c.email].some((f) => f.toLowerCase().includes(q)));
    return { customers: found.map((c) => ({ ...c, name: `${c.firstName} ${c.lastName}` })) };
  });

  app.get('/demo/erp/tariffs/offer', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const { zip, consumptionKwh } = req.query as { zip?: string; consumptionKwh?: string };
    const kwh = Number(consumptionKwh ?? 2500);
    if (!zip || !/^\d{5}$/.test(zip) || !Number.isFinite(kwh) || kwh <= 0) return reply.code(422).send({ error: 'zip (5 digits) and a positive consumptionKwh are required' });
    const offers = TARIFFS.map((t) => ({ tariff: t.name, yearlyCost: Math.round((t.basePricePerMonth * 12 + t.pricePerKwh * kwh) * 100) / 100 }))
      .sort((a, b) => a.yearlyCost - b.yearlyCost);
    return { zip, consumptionKwh: kwh, cheapest: offers[0], offers };
  });

  app.post('/demo/erp/meter-readings', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const b = (req.body ?? {}) as { meterNumber?: string; value?: number; date?: string };
    const known = CUSTOMERS.some((c) => c.contracts.some((k) => k.meterNumber === b.meterNumber));
    if (!known) return reply.code(404).send({ error: `meter ${b.meterNumber} not found` });
    const last = readings.filter((r) => r.meterNumber === b.meterNumber).at(-1);
    if (typeof b.value !== 'number' || (last && b.value < last.value)) return reply.code(422).send({ error: 'the reading must be a number not below the last one', last: last?.value ?? null });
    const entry = { meterNumber: b.meterNumber!, value: b.value, date: b.date ?? new Date().toISOString().slice(0, 10) };
    readings.push(entry);
    return reply.code(201).send({ recorded: entry });
  });
}
