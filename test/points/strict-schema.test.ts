// Conversion of parameter schemas to OpenAI strict mode, and dropping the nulls strict mode sends for optional fields.
import { describe, expect, it } from 'vitest';
import { dropStrictNulls, toStrictParameters } from '../../src/points/ai-tools/strict-schema.js';

describe('strict parameter schemas', () => {
  it('closes nested objects, requires every property and makes optional ones nullable', () => {
    const schema = {
      type: 'object', title: 'dropped annotation',
      properties: {
        address: { type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string' } }, required: ['street'] },
        kind: { enum: ['a', 'b'] },
        ref: { $ref: '#/$defs/x' },
      },
      $defs: { x: { type: 'integer', default: 1 } },
    };
    expect(toStrictParameters(schema)).toEqual({
      strict: true,
      parameters: {
        type: 'object',
        properties: {
          address: { type: ['object', 'null'], properties: { street: { type: 'string' }, zip: { type: ['string', 'null'] } }, required: ['street', 'zip'], additionalProperties: false },
          kind: { type: ['string', 'null'], enum: ['a', 'b', null] }, // every schema is typed: the type of its values
          ref: { anyOf: [{ $ref: '#/$defs/x' }, { type: 'null' }] },
        },
        required: ['address', 'kind', 'ref'],
        additionalProperties: false,
        $defs: { x: { type: 'integer' } },
      },
    });
  });

  it('falls back to strict: false for what strict mode cannot express', () => {
    for (const schema of [
      { type: 'object', properties: { a: { type: 'string', minLength: 1 } } },
      { type: 'object', properties: { a: { type: 'object' } } },
      { type: 'object', additionalProperties: { type: 'string' } },
      { type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } },
      { type: 'object', properties: { a: { type: 'string', format: 'iban' } } },
      { anyOf: [{ type: 'object' }] },
    ]) {
      const r = toStrictParameters(schema);
      expect(r.strict).toBe(false);
      expect(r.parameters).toBe(schema);
    }
  });

  it('drops nulls of optional properties that do not allow null, recursively', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: ['string', 'null'] }, c: { type: 'object', properties: { d: { type: 'number' } } }, r: { type: 'string' } }, required: ['r'] };
    expect(dropStrictNulls(schema, { a: null, b: null, c: { d: null }, r: null, x: null })).toEqual({ b: null, c: {}, r: null, x: null });
  });
});
