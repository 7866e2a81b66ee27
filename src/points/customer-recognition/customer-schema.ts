// The customer list every recognition source must answer (SPEC 3), as JSON Schema; extra fields are allowed and kept.

const text = { type: ['string', 'null'] };
const address = { type: ['object', 'string', 'null'] };

/** `{customers: [{customerNumber, name, …, contracts: [{contractNumber, status?, product?}], score?}]}`; `null` counts as absent. */
export const CUSTOMER_LIST_SCHEMA = {
  type: 'object',
  required: ['customers'],
  properties: {
    customers: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['customerNumber', 'name', 'contracts'],
        properties: {
          customerNumber: { type: 'string', minLength: 1, maxLength: 200 },
          name: { type: 'string' },
          firstName: text, lastName: text, company: text, email: text, phone: text,
          business: { type: ['boolean', 'null'] },
          address, deliveryAddress: address, billingAddress: address,
          contracts: {
            type: 'array',
            items: {
              type: 'object',
              required: ['contractNumber'],
              properties: { contractNumber: { type: 'string', minLength: 1, maxLength: 200 }, status: text, product: text },
            },
          },
          score: { type: ['number', 'null'] },
        },
      },
    },
  },
} as const;

export interface Contract {
  contractNumber: string;
  status?: string | null;
  product?: string | null;
  [field: string]: unknown;
}

export interface Customer {
  customerNumber: string;
  name: string;
  contracts: Contract[];
  score?: number | null;
  [field: string]: unknown;
}

/** A customer of the merged answer: fields merged by source priority, contracts unioned, and the sources that found it. */
export interface MergedCustomer extends Customer {
  matchedBy: string[];
}
