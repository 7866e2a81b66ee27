// JSON Schema 2020-12 validation of executor input and output: bounded schemas, linear-time patterns, validators cached per workspace.
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import type { FieldError } from '../errors.js';
import { BoundedMap } from './bounded-map.js';
import { evaluationLimits, LimitExceededError } from './evaluation-limits.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * `pattern` and `patternProperties` run on RE2 (linear time in the input), never on the backtracking JS engine, so
 * `^(a+)+$` cannot stall the server. Patterns RE2 cannot express (back-references, look-around) are refused.
 */
function re2RegExp(pattern: string): { test(s: string): boolean; toString(): string } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new Error(`the pattern ${JSON.stringify(pattern)} is not supported (only linear-time regular expressions, no back-references or look-around): ${(err as Error).message}`, { cause: err });
  }
  // Ajv deduplicates patterns by `toString()`: it must differ per pattern, or every pattern would share the first one.
  return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
}
// Ajv names the engine in generated code only for standalone output, which we do not use.
re2RegExp.code = 'RE2JS.compile';

/** Checks schemas against the 2020-12 meta-schema; it never compiles (or registers) a user schema. */
const metaValidator = new Ajv2020({ allErrors: true, strict: false });

/**
 * A fresh, light Ajv per compiled schema: its `$id` registry holds only this schema, so a schema cannot resolve
 * another workspace's `$id`, results never depend on what the process compiled before, and a schema with an `$id`
 * can get a new version. Without meta-schemas and formats-on-demand it costs well under a millisecond.
 */
function freshAjv(): Ajv2020 {
  return addFormats(new Ajv2020({ allErrors: true, strict: false, meta: false, validateSchema: false, code: { regExp: re2RegExp } }));
}

/** Keywords whose value is a subschema, an array of subschemas or a map of subschemas. */
const SCHEMA_VALUED = new Set(['not', 'if', 'then', 'else', 'items', 'contains', 'additionalProperties', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'additionalItems']);
const SCHEMA_ARRAYS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
/** Above this many items, `uniqueItems` over non-scalar items (a pairwise deep comparison) is refused without `maxItems`. */
const UNIQUE_ITEMS_MAX = 2_000;

type Node = Record<string, unknown>;

function decodePointer(p: string): string[] {
  return p.split('/').slice(1).map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Refuses a schema whose size, nesting, number of subschemas or `$ref` expansion exceeds the limits, before Ajv sees it.
 * The expansion count is what validation may walk per value: an `allOf` of two `$ref`s to the previous level doubles
 * per level (34 levels were 17 billion visits), and is counted in linear time with memoisation.
 */
export function schemaComplexityProblem(schema: unknown): string | undefined {
  return analyseSchema(schema).problem;
}

/** The complexity problem of a schema (if any) and its `$ref` expansion (subschema visits per value). */
function analyseSchema(schema: unknown): { problem?: string; expansion: number } {
  const found = complexity(schema);
  return typeof found === 'string' ? { problem: found, expansion: Infinity } : { expansion: found };
}

function complexity(schema: unknown): string | number {
  const limits = evaluationLimits();
  const text = JSON.stringify(schema) ?? '';
  if (Buffer.byteLength(text) > limits.schemaMaxBytes) return `is larger than ${limits.schemaMaxBytes} bytes`;
  if (schema === null || typeof schema !== 'object') return 1;

  // One pass: depth, subschema count, `$id`/`$anchor` index, `uniqueItems` without a bound.
  const ids = new Map<string, Node>();
  const anchors = new Map<string, Node>();
  let subschemas = 0;
  let problem: string | undefined;
  const walk = (v: unknown, depth: number): void => {
    if (problem || v === null || typeof v !== 'object') return;
    if (depth > limits.schemaMaxDepth) {
      problem = `is nested deeper than ${limits.schemaMaxDepth} levels`;
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const node = v as Node;
    subschemas++;
    if (subschemas > limits.schemaMaxSubschemas) {
      problem = `has more than ${limits.schemaMaxSubschemas} subschemas`;
      return;
    }
    if (typeof node.$id === 'string') ids.set(node.$id.replace(/#$/, ''), node);
    if (typeof node.$anchor === 'string') anchors.set(node.$anchor, node);
    if (typeof node.$dynamicAnchor === 'string') anchors.set(node.$dynamicAnchor, node);
    if (node.uniqueItems === true) {
      const items = node.items as Node | undefined;
      const scalar = !!items && typeof items === 'object' && (typeof items.type === 'string' ? SCALAR_TYPES.has(items.type) : Array.isArray(items.type) && items.type.every((t) => SCALAR_TYPES.has(t as string)));
      if (!scalar && !(typeof node.maxItems === 'number' && node.maxItems <= UNIQUE_ITEMS_MAX)) {
        problem = `uses uniqueItems on items that are not of a scalar type without maxItems ≤ ${UNIQUE_ITEMS_MAX} (the check compares every pair)`;
        return;
      }
    }
    for (const x of Object.values(node)) walk(x, depth + 1);
  };
  walk(schema, 0);
  if (problem) return problem;

  const root = schema as Node;
  const resolve = (ref: string): unknown => {
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    let target: unknown = root;
    if (base) {
      target = ids.get(base) ?? [...ids.entries()].find(([id]) => id.endsWith(`/${base}`) || base.endsWith(id))?.[1];
      if (!target) return undefined;
    }
    if (!fragment) return target;
    if (!fragment.startsWith('/')) return anchors.get(fragment);
    for (const part of decodePointer(fragment)) {
      if (target === null || typeof target !== 'object') return undefined;
      target = (target as Record<string, unknown>)[part];
    }
    return target;
  };

  const cost = new Map<object, number>();
  const visiting = new Set<object>();
  const limit = limits.schemaMaxRefExpansion;
  const expanded = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 0;
    const known = cost.get(v);
    if (known !== undefined) return known;
    // A cycle is a recursive schema: Ajv compiles it as a function call, so it costs one visit per data level.
    if (visiting.has(v)) return 1;
    visiting.add(v);
    let total = 0;
    if (Array.isArray(v)) {
      for (const x of v) total += expanded(x);
    } else {
      const node = v as Node;
      total = 1;
      for (const [k, x] of Object.entries(node)) {
        if ((k === '$ref' || k === '$dynamicRef') && typeof x === 'string') total += expanded(resolve(x));
        else if (SCHEMA_VALUED.has(k) || SCHEMA_ARRAYS.has(k)) total += expanded(x);
        else if (SCHEMA_MAPS.has(k) && x && typeof x === 'object') for (const y of Object.values(x)) total += expanded(y);
        // Other keywords hold data (enum, const, examples), not subschemas.
        if (total > limit) break;
      }
    }
    visiting.delete(v);
    cost.set(v, total);
    return total;
  };
  // `$defs` entries count once directly and again through every `$ref` that uses them.
  const expansion = expanded(root);
  if (expansion > limit) return `expands to more than ${limit} subschemas once every $ref is followed (e.g. an allOf/$ref chain that doubles per level)`;
  return Math.max(1, expansion);
}

interface Compiled {
  validate: ValidateFunction;
  expansion: number;
}

let cache = new BoundedMap<string, Compiled>(evaluationLimits().schemaCacheSize);

/**
 * Compiles (or fetches) a validator for one scope (a workspace id; the built-in schemas use none). Throws when the
 * schema is invalid or too complex (LimitExceededError for the latter).
 */
export function compileJsonSchema(schema: object, scope = ''): ValidateFunction {
  return compiled(schema, scope).validate;
}

function compiled(schema: object, scope: string): Compiled {
  const limits = evaluationLimits();
  if (cache.limit !== limits.schemaCacheSize) cache = new BoundedMap(limits.schemaCacheSize);
  const text = JSON.stringify(schema);
  return cache.getOrCreate(`${scope}\u0000${text}`, () => {
    const { problem, expansion } = analyseSchema(schema);
    if (problem) throw new LimitExceededError(problem);
    if (!metaValidator.validateSchema(schema)) throw new Error(`schema is invalid: ${metaValidator.errorsText(metaValidator.errors)}`);
    return { validate: freshAjv().compile(schema), expansion };
  });
}

/** Whether a value has more than `max` nodes (values of any kind), counted without recursion. */
function moreNodesThan(value: unknown, max: number): boolean {
  const stack: unknown[] = [value];
  let n = 0;
  while (stack.length) {
    const v = stack.pop();
    if (++n > max) return true;
    if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  return false;
}

/** Why a schema cannot be saved (invalid or over a limit), as the message of a field error, or undefined. */
export function schemaProblem(schema: object, scope = ''): string | undefined {
  try {
    compileJsonSchema(schema, scope);
    return undefined;
  } catch (err) {
    if (err instanceof LimitExceededError) return `exceeds a limit: ${err.message}`;
    return `is not a valid JSON Schema: ${(err as Error).message}`;
  }
}

/** Turns Ajv errors into field errors (`/path` plus message). */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, base = ''): FieldError[] {
  return (errors ?? []).map((e) => {
    let field = base + e.instancePath;
    if (e.keyword === 'required') field += `/${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') field += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    return { field: field || '/', message: e.message ?? 'is invalid' };
  });
}

/**
 * Validates a value; returns field errors or null when valid. Validation walks up to (nodes of the value) × (the
 * schema's expansion) subschemas: a schema just under the expansion limit under `items`, given a few megabytes of
 * array, would still run for minutes, so that product is bounded too (LimitExceededError).
 */
export function validateAgainst(schema: object, value: unknown, scope = ''): FieldError[] | null {
  const { validate, expansion } = compiled(schema, scope);
  const budget = evaluationLimits().schemaMaxValidationCost;
  const maxNodes = Math.floor(budget / expansion);
  if (moreNodesThan(value, maxNodes)) {
    throw new LimitExceededError(`the value has more than ${maxNodes} parts, too many to validate against a schema that expands to ${expansion} subschemas (at most ${budget} checks)`);
  }
  return validate(value) ? null : toFieldErrors(validate.errors);
}
