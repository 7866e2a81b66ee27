// Unit checks of the bounding helpers: LRU cache, JSON scanner, limits from the environment, the schema expansion count.
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/util/bounded-map.js';
import { checkJsonText, jsonNestingDepth, JsonBodyRefusal } from '../../src/util/safe-json.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { schemaComplexityProblem } from '../../src/util/json-schema.js';
import { doublingSchema } from './helpers.js';

describe('BoundedMap', () => {
  it('drops the least recently used entry, not the oldest inserted', () => {
    const m = new BoundedMap<string, number>(2);
    m.getOrCreate('a', () => 1);
    m.getOrCreate('b', () => 2);
    expect(m.getOrCreate('a', () => 99)).toBe(1); // a is now the most recent
    m.getOrCreate('c', () => 3);
    expect([...m.keys()].sort()).toEqual(['a', 'c']);
  });
});

describe('checkJsonText', () => {
  const refusal = (text: string, depth = 64) => {
    try {
      checkJsonText(text, depth);
      return undefined;
    } catch (err) {
      return err instanceof JsonBodyRefusal ? { field: err.field, message: err.message } : String(err);
    }
  };
  it('points at the place of the problem', () => {
    expect(refusal('{"a":[1,{"b":1,"b":2}]}')).toEqual({ field: '/a/1/b', message: 'the key "b" appears more than once in one object' });
    expect(refusal('{"a/b":{"~":1e21}}')).toEqual({ field: '/a~1b/~0', message: expect.stringMatching(/1e21/) });
    expect(refusal('[[[]]]', 2)).toEqual({ field: '/0/0', message: 'the JSON is nested deeper than 2 levels' });
  });
  it('is not fooled by brackets, quotes and keys inside strings', () => {
    expect(refusal('{"a":"[[[[{\\"a\\":1,\\"a\\":2}","b":"\\\\"}', 2)).toBeUndefined();
    expect(refusal('{"a":1,"b":{"a":2}}')).toBeUndefined();
    expect(jsonNestingDepth('["[[[", {"x": ["]"]}]')).toBe(3);
  });
  it('leaves syntax errors to JSON.parse', () => {
    expect(refusal('{"a":')).toBeUndefined();
    expect(refusal('{"a" 1, "a": 2')).toBeDefined(); // still a duplicate, whatever follows
  });
});

describe('evaluation limits from the environment', () => {
  it('reads OUTRIGGER_LIMIT_* and refuses nonsense', () => {
    const c = loadConfig({ OUTRIGGER_LIMIT_JSON_DEPTH: '32', OUTRIGGER_LIMIT_LOGIC_OPERATIONS: '5000', OUTRIGGER_EVENT_LOOP_LAG_THRESHOLD_MS: '250' });
    expect(c.limits).toMatchObject({ jsonBodyMaxDepth: 32, logicMaxOperations: 5000, eventLoopLagThresholdMs: 250, schemaMaxRefExpansion: 20_000 });
    expect(() => loadConfig({ OUTRIGGER_LIMIT_JSON_DEPTH: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTRIGGER_LIMIT_TEMPLATE_ITERATIONS: 'many' })).toThrow(/OUTRIGGER_LIMIT_TEMPLATE_ITERATIONS/);
  });
});

describe('schema $ref expansion count', () => {
  it('grows with the doubling and is refused past the limit', () => {
    expect(schemaComplexityProblem(doublingSchema(10))).toBeUndefined();
    expect(schemaComplexityProblem(doublingSchema(1000))).toMatch(/expands to more than 20000 subschemas/);
  });
  it('accepts recursive schemas (a cycle is one call per data level)', () => {
    const tree = { $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' };
    expect(schemaComplexityProblem(tree)).toBeUndefined();
  });
});
