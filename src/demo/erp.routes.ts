// A small built-in demo ERP (customers, contracts, tariffs, meter readings) so that demo executors have a real HTTP peer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isoDate } from '../util/time.js';

export const DEMO_ERP_TOKEN = 'demo-erp-token-7f3a9c';

interface Contract { contractNumber: string; status: string; product: string; meterNumber: string }
interface Customer { customerNumber: string; firstName: string; lastName: string; business: boolean; email: string; phone: string; address: { street: string; zip: string; city: string }; contracts: Contract[] }

const INITIAL_CUSTOMERS: Customer[] = [
  { customerNumber: 'C-1001', firstName: 'Anna', lastName: 'Schmidt', business: false, email: 'anna.schmidt@example.org', phone: '+49 30 1234567', address: { street: 'Lindenallee 4', zip: '10115', city: 'Berlin' },
    contracts: [{ contractNumber: 'V-2001', status: 'active', product: 'Strom Basis', meterNumber: 'M-9001' }] },
  { customerNumber: 'C-1002', firstName: 'Jonas', lastName: 'Weber', business: false, email: 'jonas.weber@example.org', phone: '+49 89 7654321', address: { street: 'Isarweg 12', zip: '80331', city: 'München' },
    contracts: [{ contractNumber: 'V-2002', status: 'active', product: 'Gas Komfort', meterNumber: 'M-9002' }, { contractNumber: 'V-2003', status: 'cancelled', product: 'Strom Öko', meterNumber: 'M-9003' }] },
  { customerNumber: 'C-1003', firstName: 'Petra', lastName: 'Muster', business: true, email: 'einkauf@muster-gmbh.example.org', phone: '+49 40 5550100', address: { street: 'Hafenstraße 1', zip: '20457', city: 'Hamburg' },
    contracts: [{ contractNumber: 'V-2004', status: 'active', product: 'Strom Fix24', meterNumber: 'M-9004' }] },
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
  // Each instance changes its own copy (address changes, cancellations), so servers in one process do not share state.
  const CUSTOMERS: Customer[] = structuredClone(INITIAL_CUSTOMERS);

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
    const b = (req.body ?? {}) as { meterNumber?: string; value?: number; date?: string; _action?: string | null };
    const known = CUSTOMERS.some((c) => c.contracts.some((k) => k.meterNumber === b.meterNumber));
    if (!known) return reply.code(404).send({ error: `meter ${b.meterNumber} not found` });
    const last = readings.filter((r) => r.meterNumber === b.meterNumber).at(-1);
    if (typeof b.value !== 'number') return reply.code(422).send({ error: 'the reading must be a number' });
    // A reading below the last one needs a human decision (agent interaction): a replaced meter, or a typo.
    if (last && b.value < last.value) {
      if (b._action === 'discard') return { discarded: true, meterNumber: b.meterNumber };
      if (b._action !== 'meter_replaced') {
        return {
          infos: [{ type: 'warning', message: `The reading ${b.value} is below the last reading ${last.value} of meter ${b.meterNumber}.` }],
          options: [{ action: 'meter_replaced', label: 'The meter was replaced: record it as the first reading of the new meter' }, { action: 'discard', label: 'Discard the reading' }],
          data: { meterNumber: b.meterNumber, value: b.value, last: last.value },
        };
      }
    }
    const entry = { meterNumber: b.meterNumber!, value: b.value, date: b.date ?? isoDate(Date.now()) };
    readings.push(entry);
    return reply.code(201).send({ recorded: entry });
  });

  // --- agent and AI tool demo endpoints (points branch) ---
  const findContract = (contractNumber: string) => {
    for (const c of CUSTOMERS) {
      const k = c.contracts.find((x) => x.contractNumber === contractNumber);
      if (k) return { customer: c, contract: k };
    }
    return undefined;
  };

  app.post('/demo/erp/customers/:customerNumber/address', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const { customerNumber } = req.params as { customerNumber: string };
    const b = (req.body ?? {}) as { street?: string; zip?: string; city?: string; _action?: string | null };
    const customer = CUSTOMERS.find((c) => c.customerNumber === customerNumber);
    if (!customer) return reply.code(404).send({ error: `customer ${customerNumber} not found` });
    if (!b.street || !b.zip || !b.city) return reply.code(422).send({ error: 'street, zip and city are required' });
    const address = { street: b.street, zip: b.zip, city: b.city };
    if (!b._action) {
      // Business customers often bill elsewhere: no recommendation, so a human decides.
      return {
        infos: [{ type: 'neutral', message: `New address for ${customer.firstName} ${customer.lastName}: ${address.street}, ${address.zip} ${address.city}.` }],
        options: [
          { action: 'both', label: 'Change delivery and billing address', recommended: !customer.business },
          { action: 'delivery_only', label: 'Change only the delivery address' },
        ],
        data: { customerNumber, address },
      };
    }
    if (b._action !== 'both' && b._action !== 'delivery_only') return reply.code(422).send({ error: `unknown action ${b._action}` });
    customer.address = address;
    return { changed: true, customerNumber, address, appliesTo: b._action === 'both' ? 'delivery and billing' : 'delivery only' };
  });

  app.post('/demo/erp/contracts/:contractNumber/cancel', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const { contractNumber } = req.params as { contractNumber: string };
    const b = (req.body ?? {}) as { customerNumber?: string; _action?: string | null };
    const found = findContract(contractNumber);
    if (!found) return reply.code(404).send({ error: `contract ${contractNumber} not found` });
    if (b.customerNumber && b.customerNumber !== found.customer.customerNumber) return reply.code(403).send({ error: `contract ${contractNumber} does not belong to customer ${b.customerNumber}` });
    if (found.contract.status === 'cancelled') return reply.code(409).send({ error: `contract ${contractNumber} is already cancelled` });
    const endOfTerm = '2026-12-31';
    if (!b._action) {
      return {
        infos: [{ type: 'warning', message: `Contract ${contractNumber} (${found.contract.product}) runs until ${endOfTerm}. Cancelling earlier costs a fee of 49 EUR.` }],
        options: [
          { action: 'cancel_regular', label: `Cancel at the end of the term (${endOfTerm})`, recommended: true },
          { action: 'cancel_immediately', label: 'Cancel immediately (fee 49 EUR)' },
        ],
        data: { contractNumber, endOfTerm },
      };
    }
    if (b._action !== 'cancel_regular' && b._action !== 'cancel_immediately') return reply.code(422).send({ error: `unknown action ${b._action}` });
    found.contract.status = 'cancelled';
    const immediately = b._action === 'cancel_immediately';
    return { cancelled: true, contractNumber, effectiveDate: immediately ? isoDate(Date.now()) : endOfTerm, fee: immediately ? 49 : 0 };
  });

  const sentMails: Array<{ to: string; subject: string }> = [];
  app.post('/demo/erp/offers/email', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const b = (req.body ?? {}) as { email?: string; zip?: string; consumptionKwh?: number; tariff?: string };
    if (!b.email || !/^[^@\s]+@[^@\s]+$/.test(b.email)) return reply.code(422).send({ error: 'a valid email is required' });
    const tariff = TARIFFS.find((t) => t.name === b.tariff) ?? TARIFFS[0]!;
    const subject = `Your offer: ${tariff.name} for ${b.zip ?? 'your postcode'}`;
    sentMails.push({ to: b.email, subject });
    return reply.code(202).send({ sent: true, to: b.email, subject, messageId: `msg-${sentMails.length}` });
  });

  app.post('/demo/erp/contracts/:contractNumber/tariff', cfg, async (req, reply) => {
    if (!authorised(req, reply)) return reply;
    const { contractNumber } = req.params as { contractNumber: string };
    const b = (req.body ?? {}) as { tariff?: string };
    const found = findContract(contractNumber);
    if (!found) return reply.code(404).send({ error: `contract ${contractNumber} not found` });
    if (found.contract.status === 'cancelled') return reply.code(409).send({ error: `contract ${contractNumber} is cancelled` });
    if (!TARIFFS.some((t) => t.name === b.tariff)) return reply.code(422).send({ error: `unknown tariff ${b.tariff}`, tariffs: TARIFFS.map((t) => t.name) });
    const previous = found.contract.product;
    found.contract.product = b.tariff!;
    return { changed: true, contractNumber, previousTariff: previous, tariff: b.tariff, effectiveDate: isoDate(Date.now() + 14 * 86_400_000) };
  });
}
