// Recognition sources written for the reference platform: its input fields ({contractId}, {customerId}) and its answer
// (one contract or one customer object, or nothing) mapped onto our search input and customer list.
import type { Customer } from './customer-schema.js';

/** Kinds a source in the reference format can serve (the reference platform's two lookups by number). */
export const REFERENCE_FORMAT_KINDS = ['contractNumber', 'customerNumber'] as const;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => !!v && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** The input a reference recognition executor reads: `{contractId}` or `{customerId}`. */
export function referenceSourceInput(kind: 'contractNumber' | 'customerNumber', query: string): Record<string, unknown> {
  return kind === 'contractNumber' ? { contractId: query } : { customerId: query };
}

/** Thrown when a reference answer cannot be read; the message names the fields that were expected. */
export class ReferenceAnswerError extends Error {}

/**
 * A reference answer as our customer list. A contract is `{id, customerId, business, lastname | company, firstname?,
 * email?, …}`; a customer is `{id, business, lastname | company, contractIds: [...]}`. `null`, `{}` or `[]` mean nothing
 * found. Extra properties (meter numbers, tariffs) are kept on the contract (contract search) or the customer.
 */
export function fromReferenceAnswer(kind: 'contractNumber' | 'customerNumber', output: unknown): Customer[] {
  if (output === null || output === undefined || (Array.isArray(output) && output.length === 0) || (isObject(output) && Object.keys(output).length === 0)) return [];
  const list = Array.isArray(output) ? output : [output];
  return list.map((o, i) => {
    const at = list.length > 1 ? `[${i}]` : '';
    if (!isObject(o)) throw new ReferenceAnswerError(`the answer${at} is not a ${kind === 'contractNumber' ? 'contract' : 'customer'} object`);
    const { id, customerId, business, lastname, firstname, company, email, phone, deliveryAddress, billingAddress, contractIds, ...extra } = o;
    const isBusiness = business === true || business === 1 || business === '1';
    const name = isBusiness ? text(company) : [text(firstname), text(lastname)].filter(Boolean).join(' ') || null;
    if (!text(id)) throw new ReferenceAnswerError(`the answer${at} has no id (the ${kind === 'contractNumber' ? 'contract' : 'customer'} number)`);
    if (!name) throw new ReferenceAnswerError(`the answer${at} has no ${isBusiness ? 'company (business: true)' : 'lastname'}`);
    const person = {
      name, business: isBusiness, firstName: text(firstname), lastName: text(lastname), company: text(company), email: text(email), phone: text(phone),
      ...(deliveryAddress !== undefined ? { deliveryAddress } : {}), ...(billingAddress !== undefined ? { billingAddress } : {}),
    } as Record<string, unknown>;
    if (kind === 'contractNumber') {
      if (!text(customerId)) throw new ReferenceAnswerError(`the contract${at} has no customerId`);
      return { ...person, customerNumber: text(customerId)!, contracts: [{ ...extra, contractNumber: text(id)! }] } as Customer;
    }
    if (!Array.isArray(contractIds) || contractIds.length === 0 || !contractIds.every((c) => text(c))) throw new ReferenceAnswerError(`the customer${at} needs contractIds (a list of at least one contract number)`);
    return { ...extra, ...person, customerNumber: text(id)!, contracts: contractIds.map((c) => ({ contractNumber: text(c)! })) } as Customer;
  });
}
