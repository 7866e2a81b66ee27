// OpenAI strict tools over a corpus of schemas: every export marked strict obeys the documented rules (our checker) and
// is accepted unchanged by the official `openai` package's strict transform; what strict-mode models send (nulls for
// optional properties, inside $ref and anyOf objects too) validates against the original schema once the nulls go.
import { describe, expect, it } from 'vitest';
import { toStrictJsonSchema } from 'openai/lib/transform';
import { dropStrictNulls, toStrictParameters } from '../../src/points/ai-tools/strict-schema.js';
import { validateAgainst } from '../../src/util/json-schema.js';
import { strictViolations } from './openai-strict-rules.js';
import { NON_STRICT_CORPUS, STRICT_CORPUS } from './strict-corpus.js';

type Schema = Record<string, any>;

const isObj = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);
const resolve = (root: Schema, ref: string): Schema => (ref === '#' ? root : ref.slice(2).split('/').reduce((c: any, p) => c[p], root));

/**
 * An instance a strict-mode model could send for a strict schema: null wherever null is allowed (so every optional
 * property arrives as null), otherwise a small valid value; `branch` picks which anyOf branch objects use.
 */
function strictInstance(s: Schema, root: Schema, branch: number, depth = 0): unknown {
  if (s.$ref) return depth > 6 ? undefined : strictInstance(resolve(root, s.$ref), root, branch, depth + 1);
  if (s.anyOf) {
    if (s.anyOf.some((b: Schema) => b.type === 'null')) return null;
    const real = s.anyOf.filter((b: Schema) => b.type !== 'null');
    return strictInstance(real[Math.min(branch, real.length - 1)], root, branch, depth + 1);
  }
  const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('null')) return null;
  if (s.enum) return s.enum[0];
  if ('const' in s) return s.const;
  switch (types[0]) {
    case 'object': return Object.fromEntries(Object.entries(s.properties as Schema).map(([k, v]) => [k, strictInstance(v, root, branch, depth + 1)]));
    case 'array': return depth > 6 ? [] : Array.from({ length: s.minItems ?? 1 }, () => strictInstance(s.items, root, branch, depth + 1));
    case 'string': return s.pattern ? '12345' : s.format === 'email' ? 'a@example.com' : s.format === 'date' ? '2026-12-01' : 'text';
    case 'integer': return s.minimum ?? 1;
    case 'number': return s.minimum ?? 1.5;
    default: return true;
  }
}

/** Whether a value holds a null anywhere. */
const hasNull = (v: unknown): boolean => v === null || (Array.isArray(v) ? v.some(hasNull) : isObj(v) && Object.values(v).some(hasNull));

describe('OpenAI strict export over a corpus of schemas', () => {
  for (const [name, schema] of Object.entries(STRICT_CORPUS)) {
    it(`${name}: strict, obeys the documented rules, accepted unchanged by the official openai transform`, () => {
      const original = structuredClone(schema);
      const r = toStrictParameters(schema);
      expect(r.reason).toBeUndefined();
      expect(r.strict).toBe(true);
      expect(strictViolations(r.parameters)).toEqual([]);
      // Already strict: the official SDK's own strict transform has nothing left to change (nor to refuse).
      expect(toStrictJsonSchema(structuredClone(r.parameters) as never)).toEqual(r.parameters);
      expect(schema).toEqual(original); // the stored schema is not mutated
    });

    it(`${name}: what a strict-mode model sends (nulls for optional properties) is accepted once the nulls go`, () => {
      const { parameters } = toStrictParameters(schema);
      for (const branch of [0, 1, 2]) {
        const sent = strictInstance(parameters, parameters, branch);
        // The instance obeys the strict schema itself (it is what the model is constrained to).
        expect(validateAgainst(parameters, sent)).toBeNull();
        expect(validateAgainst(schema, dropStrictNulls(schema, sent))).toBeNull();
      }
    });
  }

  it('the null stripping is needed: the raw strict-mode arguments fail the original schemas', () => {
    let failedRaw = 0;
    for (const schema of Object.values(STRICT_CORPUS)) {
      const sent = strictInstance(toStrictParameters(schema).parameters, toStrictParameters(schema).parameters, 0);
      if (hasNull(sent) && validateAgainst(schema, sent)) failedRaw++;
    }
    expect(failedRaw).toBeGreaterThanOrEqual(5);
  });

  it('drops nulls inside $ref and anyOf objects, keeps nulls the original allows and values that are not null', () => {
    const schema = STRICT_CORPUS.any_of_objects!;
    expect(dropStrictNulls(schema, { target: { phone: '123', ext: null }, priority: null })).toEqual({ target: { phone: '123' } });
    expect(dropStrictNulls(schema, { target: { street: 'Main 1', box: null }, priority: 3 })).toEqual({ target: { street: 'Main 1' }, priority: 3 });
    const refs = STRICT_CORPUS.refs_and_defs!;
    expect(dropStrictNulls(refs, { billing: { street: 'A', zip: null, country: null }, shipping: null, contact: { email: null, phone: '1' } }))
      .toEqual({ billing: { street: 'A' }, contact: { phone: '1' } });
    const tree = STRICT_CORPUS.recursive_tree!;
    expect(dropStrictNulls(tree, { root: { label: 'a', children: [{ label: 'b', children: null }] } })).toEqual({ root: { label: 'a', children: [{ label: 'b' }] } });
    // A null for a required property or one the original allows to be null stays: the validator judges it.
    const flat = STRICT_CORPUS.enums_consts_nullable!;
    expect(dropStrictNulls(flat, { unit: null, comment: null, version: null })).toEqual({ unit: null, comment: null });
  });

  for (const [name, schema] of Object.entries(NON_STRICT_CORPUS)) {
    it(`${name}: exported unchanged with strict false`, () => {
      const r = toStrictParameters(schema);
      expect(r.strict).toBe(false);
      expect(r.parameters).toBe(schema);
      expect(r.reason).toBeTruthy();
      // The checker agrees that these could not be sent as they are with strict: true.
      expect(strictViolations(schema).length).toBeGreaterThan(0);
    });
  }

  it('the rule checker catches each documented rule', () => {
    const ok = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(strictViolations(ok)).toEqual([]);
    const cases: Array<[Schema, string]> = [
      [{ ...ok, required: [] }, 'must be required'],
      [{ ...ok, additionalProperties: undefined }, 'additionalProperties must be false'],
      [{ ...ok, properties: { a: {} } }, 'state its type'],
      [{ ...ok, properties: { a: { $ref: '#/$defs/x', description: 'd' } }, $defs: { x: { type: 'string' } } }, 'stand alone'],
      [{ ...ok, properties: { a: { type: 'string', minLength: 2 } } }, 'minLength is not supported'],
      [{ ...ok, properties: { a: { type: 'string', format: 'uri' } } }, 'format uri'],
      [{ anyOf: [ok] }, 'must not be anyOf'],
      [{ ...ok, properties: { a: { type: 'array' } } }, 'one items schema'],
    ];
    for (const [schema, rule] of cases) expect(strictViolations(schema).join('; ')).toContain(rule);
  });
});
