// The reference platform's API paths (`/api/mind/ticket/{id}`, …) mapped onto our REST API, with field mapping both ways.
// Used by the compatibility SDK (`ApiEnneo`) through the `reference.request` SDK call; everything else of that API
// has no counterpart and is refused with a message listing what is mapped.

/** One request to our own REST API, and how its answer is turned into the reference shape. */
export interface MappedRequest {
  method: string;
  path: string;
  body?: unknown;
  /** Turns our answer into the reference platform's shape. */
  mapAnswer: (body: unknown) => unknown;
}

export class ReferenceMappingError extends Error {
  constructor(readonly code: 'REFERENCE_PATH_UNMAPPED' | 'INVALID_ARGUMENTS', message: string) {
    super(message);
    this.name = 'ReferenceMappingError';
  }
}

type Fields = Record<string, unknown>;

const asObject = (v: unknown): Fields => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Fields) : {});

/** Our ticket as the reference platform shows it: `sender` for `from`, `contractId`/`customerId` from the linked customer. */
export function toReferenceTicket(t: unknown): unknown {
  const o = asObject(t);
  if (!('id' in o)) return t;
  const customer = asObject(o.customer);
  return {
    ...o,
    sender: o.from ?? null,
    contractId: customer.contractNumber ?? null,
    customerId: customer.customerNumber ?? null,
  };
}

/** The fields a reference ticket change may carry, and what they become here. */
const TICKET_PATCH_FIELDS = ['status', 'tags', 'intent', 'queue', 'assignee', 'subject', 'contractId', 'customerId'] as const;

/** A reference ticket change (`{contractId, status, …}`) as our PATCH body; unknown or read-only fields are refused. */
export function fromReferenceTicketPatch(body: unknown, current: { customerNumber?: unknown; contractNumber?: unknown } = {}): Fields {
  const b = asObject(body);
  const out: Fields = {};
  for (const [k, v] of Object.entries(b)) {
    if (k === 'sender' || k === 'from') throw new ReferenceMappingError('INVALID_ARGUMENTS', `ticket field ${k} cannot be changed here (the sender is fixed when a ticket is created)`);
    if (!(TICKET_PATCH_FIELDS as readonly string[]).includes(k)) {
      throw new ReferenceMappingError('INVALID_ARGUMENTS', `ticket field ${k} has no counterpart; a ticket change may set ${TICKET_PATCH_FIELDS.join(', ')}`);
    }
    if (k !== 'contractId' && k !== 'customerId') out[k] = v;
  }
  if ('contractId' in b || 'customerId' in b) {
    const customerNumber = 'customerId' in b ? b.customerId : current.customerNumber;
    const contractNumber = 'contractId' in b ? b.contractId : current.contractNumber ?? null;
    if (customerNumber === null || customerNumber === undefined || customerNumber === '') {
      throw new ReferenceMappingError('INVALID_ARGUMENTS', 'a ticket linked to a contract needs its customerId too (or a ticket already linked to a customer)');
    }
    out.customer = { customerNumber: String(customerNumber), contractNumber: contractNumber === null ? null : String(contractNumber) };
  }
  return out;
}

/** A new reference ticket (`{subject, body, channel, sender, …}`) as our create body. */
function fromReferenceTicketCreate(body: unknown): Fields {
  const { sender, contractId, customerId, ...rest } = asObject(body);
  const out: Fields = { channel: 'email', ...rest };
  if (sender !== undefined) out.from = sender;
  if (customerId !== undefined && customerId !== null) out.customer = { customerNumber: String(customerId), contractNumber: contractId === undefined || contractId === null ? null : String(contractId) };
  return out;
}

/** A customer of our recognition search as the reference platform's contract (`{id, customerId, business, lastname, …}`). */
function toReferenceContract(contractNumber: string, search: unknown): unknown {
  const customers = asObject(search).customers;
  const list = Array.isArray(customers) ? customers.map(asObject) : [];
  const customer = list.find((c) => Array.isArray(c.contracts) && c.contracts.some((k) => asObject(k).contractNumber === contractNumber)) ?? list[0];
  if (!customer) return null;
  const contract = asObject((customer.contracts as unknown[] | undefined)?.map(asObject).find((k) => k.contractNumber === contractNumber));
  return toReferenceCustomerFields(customer, { ...contract, id: contractNumber, customerId: customer.customerNumber });
}

function toReferenceCustomerFields(c: Fields, base: Fields): Fields {
  const { customerNumber: _n, contracts: _c, firstName, lastName, name, matchedBy: _m, score: _s, ...rest } = c;
  return {
    ...rest,
    ...base,
    business: c.business === true,
    firstname: firstName ?? null,
    lastname: lastName ?? (c.business === true ? null : name ?? null),
    ...(c.business === true ? { company: c.company ?? name ?? null } : {}),
  };
}

function toReferenceCustomer(customerNumber: string, search: unknown): unknown {
  const customers = asObject(search).customers;
  const c = (Array.isArray(customers) ? customers.map(asObject) : []).find((x) => x.customerNumber === customerNumber);
  if (!c) return null;
  const contractIds = Array.isArray(c.contracts) ? c.contracts.map((k) => asObject(k).contractNumber) : [];
  return toReferenceCustomerFields(c, { id: customerNumber, contractIds });
}

interface Route {
  method: string;
  /** The path as the reference platform documents it, shown in messages. */
  shape: string;
  pattern: RegExp;
  map: (m: string[], body: unknown, api: OwnApi) => MappedRequest | Promise<MappedRequest>;
}

/** Our own REST API as the execution (answers the body of a 2xx, throws otherwise). */
export type OwnApi = (method: string, path: string, body?: unknown) => Promise<unknown>;

const enc = encodeURIComponent;

const ROUTES: Route[] = [
  { method: 'GET', shape: '/api/mind/ticket/{id}', pattern: /^\/api\/mind\/ticket\/([^/]+)$/,
    map: (m) => ({ method: 'GET', path: `/api/tickets/${enc(m[1]!)}`, mapAnswer: toReferenceTicket }) },
  { method: 'PATCH', shape: '/api/mind/ticket/{id}', pattern: /^\/api\/mind\/ticket\/([^/]+)$/,
    map: async (m, body, api) => {
      const b = asObject(body);
      let current: { customerNumber?: unknown; contractNumber?: unknown } = {};
      // A contract alone: its customer is the ticket's linked one, else the one our recognition finds for it.
      if ('contractId' in b && !('customerId' in b) && b.contractId !== null) {
        const ticket = await api('GET', `/api/tickets/${enc(m[1]!)}`);
        current = asObject(asObject(ticket).customer);
        if (!current.customerNumber) {
          const found = asObject(asObject(await api('POST', '/api/customer-recognition/search', { kind: 'contractNumber', query: String(b.contractId) })));
          const first = Array.isArray(found.customers) ? asObject(found.customers[0]) : {};
          current = { customerNumber: first.customerNumber };
        }
      }
      return { method: 'PATCH', path: `/api/tickets/${enc(m[1]!)}`, body: fromReferenceTicketPatch(body, current), mapAnswer: toReferenceTicket };
    } },
  { method: 'POST', shape: '/api/mind/ticket', pattern: /^\/api\/mind\/ticket$/,
    map: (_m, body) => ({ method: 'POST', path: '/api/tickets', body: fromReferenceTicketCreate(body), mapAnswer: toReferenceTicket }) },
  { method: 'GET', shape: '/api/mind/contract/{id}', pattern: /^\/api\/mind\/contract\/([^/]+)$/,
    map: (m) => ({ method: 'POST', path: '/api/customer-recognition/search', body: { kind: 'contractNumber', query: m[1]! }, mapAnswer: (b) => toReferenceContract(m[1]!, b) }) },
  { method: 'GET', shape: '/api/mind/customer/{id}', pattern: /^\/api\/mind\/customer\/([^/]+)$/,
    map: (m) => ({ method: 'POST', path: '/api/customer-recognition/search', body: { kind: 'customerNumber', query: m[1]! }, mapAnswer: (b) => toReferenceCustomer(m[1]!, b) }) },
];

/** The mapped reference paths, for messages and the README. */
export const MAPPED_REFERENCE_PATHS = ROUTES.map((r) => `${r.method} ${r.shape}`);

const PLATFORM_ONLY = /^\/api\/(mind|cortex|frontend|admin|v\d)\b/;

/**
 * Maps one reference API request onto ours. Paths of the reference platform (`/api/mind/…`) must be in the table;
 * other paths go to our API unchanged (code may mix both). `params` become the query string of a GET.
 */
export async function mapReferenceRequest(api: OwnApi, method: string, rawPath: string, params: unknown, body: unknown): Promise<MappedRequest> {
  const m = method.toUpperCase();
  const [pathOnly, query = ''] = rawPath.split('?', 2) as [string, string?];
  const path = pathOnly.replace(/\/+$/, '') || '/';
  for (const r of ROUTES) {
    const match = r.method === m ? r.pattern.exec(path) : null;
    if (match) return r.map([...match].map((x) => (x === undefined ? '' : decodeURIComponent(x))), body, api);
  }
  if (PLATFORM_ONLY.test(path)) {
    throw new ReferenceMappingError('REFERENCE_PATH_UNMAPPED', `${m} ${pathOnly} is a path of the reference platform without a counterpart in Outrigger; mapped are: ${MAPPED_REFERENCE_PATHS.join(', ')} (other Outrigger paths such as /api/tickets work as they are)`);
  }
  const qs = new URLSearchParams(query);
  for (const [k, v] of Object.entries(asObject(params))) {
    if (v === undefined || v === null) continue;
    qs.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const q = qs.toString();
  return { method: m, path: q ? `${pathOnly}?${q}` : pathOnly, ...(body !== undefined && body !== null ? { body } : {}), mapAnswer: (b) => b };
}
