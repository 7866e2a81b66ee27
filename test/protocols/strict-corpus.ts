// A corpus of parameter schemas for the OpenAI strict-mode tests: ones strict mode can express and ones it cannot.

export type Schema = Record<string, any>;

/** Schemas that can be made strict. */
export const STRICT_CORPUS: Record<string, Schema> = {
  flat_optional: { type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' }, kwh: { type: 'number', minimum: 1 }, note: { type: 'string' } }, required: ['zip'] },
  nested_objects: {
    type: 'object',
    properties: {
      customer: { type: 'object', title: 'dropped', properties: { name: { type: 'string' }, address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } }, required: ['city'] } }, required: ['name'] },
      tags: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, value: { type: 'string' } }, required: ['key'] }, maxItems: 5 },
    },
    required: ['customer'],
  },
  refs_and_defs: {
    type: 'object',
    properties: {
      billing: { $ref: '#/$defs/address' },
      shipping: { $ref: '#/$defs/address', description: 'where the parcel goes' },
      contact: { $ref: '#/definitions/contact' },
    },
    required: ['billing'],
    $defs: { address: { type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string' }, country: { type: 'string', default: 'DE' } }, required: ['street'] } },
    definitions: { contact: { type: 'object', properties: { email: { type: 'string', format: 'email' }, phone: { type: 'string' } } } },
  },
  any_of_objects: {
    type: 'object',
    properties: {
      target: {
        anyOf: [
          { type: 'object', properties: { email: { type: 'string', format: 'email' }, cc: { type: 'string' } }, required: ['email'] },
          { type: 'object', properties: { phone: { type: 'string' }, ext: { type: 'integer' } }, required: ['phone'] },
          { $ref: '#/$defs/postal' },
        ],
        description: 'how to reach the customer',
      },
      priority: { anyOf: [{ type: 'integer', minimum: 1, maximum: 5 }, { type: 'string', enum: ['low', 'high'] }] },
    },
    required: ['target'],
    $defs: { postal: { type: 'object', properties: { street: { type: 'string' }, box: { type: 'string' } }, required: ['street'] } },
  },
  recursive_tree: {
    type: 'object',
    properties: { root: { $ref: '#/$defs/node' } },
    required: ['root'],
    $defs: { node: { type: 'object', properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['label'] } },
  },
  enums_consts_nullable: {
    type: 'object',
    properties: {
      unit: { enum: ['kWh', 'MWh'] },
      version: { const: 2 },
      comment: { type: ['string', 'null'] },
      when: { type: 'string', format: 'date' },
      flags: { type: 'array', items: { type: 'boolean' }, minItems: 1 },
    },
    required: ['unit'],
  },
  empty_closed_object: { type: 'object', properties: { options: { type: 'object', additionalProperties: false } } },
};

/** Schemas strict mode cannot express: exported unchanged with strict false. */
export const NON_STRICT_CORPUS: Record<string, Schema> = {
  min_length: { type: 'object', properties: { a: { type: 'string', minLength: 1 } } },
  free_form_object: { type: 'object', properties: { a: { type: 'object' } } },
  open_object: { type: 'object', additionalProperties: { type: 'string' } },
  one_of: { type: 'object', properties: { a: { oneOf: [{ type: 'string' }, { type: 'number' }] } } },
  all_of: { type: 'object', properties: { a: { allOf: [{ type: 'string' }] } } },
  unsupported_format: { type: 'object', properties: { a: { type: 'string', format: 'iban' } } },
  untyped_property: { type: 'object', properties: { a: { description: 'anything' } } },
  ref_with_constraint: { type: 'object', properties: { a: { $ref: '#/$defs/s', maxLength: 3 } }, $defs: { s: { type: 'string' } } },
  external_ref: { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } },
  any_of_with_siblings: { type: 'object', properties: { a: { type: 'object', properties: { x: { type: 'string' } }, anyOf: [{ required: ['x'] }] } } },
  several_types: { type: 'object', properties: { a: { type: ['string', 'number'] } } },
  required_undeclared: { type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'b'] },
  root_any_of: { anyOf: [{ type: 'object', properties: {} }] },
  tuple_items: { type: 'object', properties: { a: { type: 'array', prefixItems: [{ type: 'string' }] } } },
  too_deep: (() => {
    let s: Schema = { type: 'string' };
    for (let i = 0; i < 12; i++) s = { type: 'object', properties: { n: s }, required: ['n'] };
    return s;
  })(),
  described_ref_cycle: {
    type: 'object', properties: { a: { $ref: '#/$defs/a', description: 'A' } },
    $defs: { a: { $ref: '#/$defs/b', description: 'to b' }, b: { $ref: '#/$defs/a', description: 'to a' } },
  },
  too_many_enum_values: { type: 'object', properties: { a: { type: 'integer', enum: Array.from({ length: 1001 }, (_, i) => i) } } },
};

