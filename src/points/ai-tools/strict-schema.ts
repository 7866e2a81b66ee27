// OpenAI strict-mode function schemas: every object closed and fully required (optional made nullable), or `strict: false`.
//
// The rules followed (OpenAI Structured Outputs, "Supported schemas"): the root is an object, not `anyOf`; every
// schema is typed (`type`, or `anyOf`/`$ref` whose branches are); every object lists all its properties in `required`
// and has `additionalProperties: false`; `$ref` stands alone (no sibling keywords) and points into `$defs`/`definitions`
// or at the root; only the supported keywords appear; at most 10 levels of nesting, 5,000 properties, 1,000 enum
// values and 120,000 characters of names, enum and const values. A schema that cannot be made to fit is exported
// unchanged with `strict: false` (the model then gets it as a hint, and the call validates the arguments anyway).

/** Keywords strict mode accepts (besides annotations, which are dropped). */
const SUPPORTED = new Set([
  'type', 'enum', 'const', 'anyOf', 'description', '$ref', '$defs', 'definitions',
  'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'items', 'minItems', 'maxItems', 'properties', 'required', 'additionalProperties',
]);
/** Keywords with no effect on validation: dropped from the strict form. */
const ANNOTATIONS = new Set(['title', 'examples', 'default', '$comment', '$schema', '$id', 'deprecated', 'readOnly', 'writeOnly']);
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** OpenAI's documented size limits of a strict schema. */
export const STRICT_LIMITS = { maxDepth: 10, maxProperties: 5000, maxEnumValues: 1000, maxChars: 120_000, largeEnum: 250, largeEnumChars: 15_000 } as const;

class NotStrict extends Error {}

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);

function typesOf(s: Schema): string[] {
  return Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
}

/** Follows a local `$ref` ("#", "#/$defs/x", any JSON pointer) inside `root`; undefined when it does not resolve. */
export function resolveLocalRef(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObj(cur) && !Array.isArray(cur)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Whether a schema accepts `null` (following local `$ref`s in `root` when given). */
export function allowsNull(s: unknown, root?: unknown, seen: Set<string> = new Set()): boolean {
  if (!isObj(s)) return s === true;
  if (typeof s.$ref === 'string' && root !== undefined && !seen.has(s.$ref)) {
    seen.add(s.$ref);
    if (allowsNull(resolveLocalRef(root, s.$ref), root, seen)) return true;
  }
  if (typesOf(s).includes('null')) return true;
  if (Array.isArray(s.enum) && s.enum.includes(null)) return true;
  if ('const' in s && s.const === null) return true;
  return Array.isArray(s.anyOf) && s.anyOf.some((b) => allowsNull(b, root, seen));
}

function nullable(s: Schema): Schema {
  if (allowsNull(s)) return s;
  if (s.$ref || 'const' in s) return { anyOf: [s, { type: 'null' }] };
  if (Array.isArray(s.anyOf)) return { ...s, anyOf: [...s.anyOf, { type: 'null' }] };
  const out: Schema = { ...s };
  if (s.type) out.type = [...typesOf(s), 'null'];
  if (Array.isArray(s.enum)) out.enum = [...s.enum, null];
  return out;
}

/** The JSON type of an enum/const value, for schemas that give values but no `type`. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** State of one conversion: the original root (for `$ref`s) and the running size counts. */
interface Walk {
  root: Schema;
  properties: number;
  enumValues: number;
  chars: number;
}

function countChars(w: Walk, n: number): void {
  w.chars += n;
  if (w.chars > STRICT_LIMITS.maxChars) throw new NotStrict(`more than ${STRICT_LIMITS.maxChars} characters of names and values`);
}

function checkEnum(w: Walk, values: unknown[]): void {
  w.enumValues += values.length;
  if (w.enumValues > STRICT_LIMITS.maxEnumValues) throw new NotStrict(`more than ${STRICT_LIMITS.maxEnumValues} enum values`);
  const chars = values.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : 0), 0);
  if (values.length > STRICT_LIMITS.largeEnum && chars > STRICT_LIMITS.largeEnumChars) throw new NotStrict(`an enum of more than ${STRICT_LIMITS.largeEnum} values with more than ${STRICT_LIMITS.largeEnumChars} characters`);
  countChars(w, chars);
}

/** A local `$ref` strict mode can follow: the root or a definition. */
function checkRef(w: Walk, ref: unknown): string {
  if (typeof ref !== 'string') throw new NotStrict('$ref is not a string');
  if (ref !== '#' && !/^#\/(\$defs|definitions)\/[^/]+$/.test(ref)) throw new NotStrict(`$ref ${ref} (only "#" and "#/$defs/…" are supported)`);
  if (!isObj(resolveLocalRef(w.root, ref))) throw new NotStrict(`$ref ${ref} does not resolve`);
  return ref;
}

function convert(s: unknown, depth: number, w: Walk): Schema {
  if (!isObj(s)) throw new NotStrict('boolean or non-object schema');
  if (depth > STRICT_LIMITS.maxDepth) throw new NotStrict(`nested more than ${STRICT_LIMITS.maxDepth} levels deep`);
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (ANNOTATIONS.has(k)) continue;
    if (!SUPPORTED.has(k)) throw new NotStrict(`keyword ${k}`);
    out[k] = v;
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    if (out[defs] === undefined) continue;
    if (!isObj(out[defs])) throw new NotStrict(`${defs} is not an object`);
    out[defs] = Object.fromEntries(Object.entries(out[defs] as Schema).map(([k, v]) => {
      countChars(w, k.length);
      return [k, convert(v, depth + 1, w)];
    }));
  }

  if (out.$ref !== undefined) {
    const ref = checkRef(w, out.$ref);
    const siblings = Object.keys(out).filter((k) => k !== '$ref' && k !== '$defs' && k !== 'definitions');
    // A description beside $ref is the one sibling worth keeping: inline the definition one level (the same schema,
    // as annotations do not validate), unless it is the root or itself a bare $ref; any other sibling is a constraint.
    if (siblings.some((k) => k !== 'description')) throw new NotStrict(`keywords beside $ref: ${siblings.join(', ')}`);
    if (siblings.length === 0 || ref === '#') return { $ref: ref, ...pick(out, ['$defs', 'definitions']) };
    // One level deeper per inlining, so that definitions describing each other through $ref end at the depth limit.
    const target = convert(resolveLocalRef(w.root, ref), depth + 1, w);
    if (target.$ref !== undefined) return { $ref: ref, ...pick(out, ['$defs', 'definitions']) };
    const { $defs: _d, definitions: _l, ...inlined } = target;
    return { ...inlined, description: out.description, ...pick(out, ['$defs', 'definitions']) };
  }

  if (out.anyOf !== undefined) {
    if (!Array.isArray(out.anyOf) || out.anyOf.length === 0) throw new NotStrict('anyOf is not a non-empty array');
    const siblings = Object.keys(out).filter((k) => k !== 'anyOf' && k !== 'description' && k !== '$defs' && k !== 'definitions');
    // Keywords next to anyOf would apply to every branch: strict mode's grammar does not express that intersection.
    if (siblings.length) throw new NotStrict(`keywords beside anyOf: ${siblings.join(', ')}`);
    out.anyOf = out.anyOf.map((x) => convert(x, depth + 1, w));
    return out;
  }

  // Every schema is typed: a bare enum or const gets the type of its values; anything else untyped is "any value".
  if (out.type === undefined) {
    const values = Array.isArray(out.enum) ? out.enum : 'const' in out ? [out.const] : undefined;
    if (!values || values.length === 0) throw new NotStrict('a schema without type');
    const types = [...new Set(values.map(jsonType))];
    out.type = types.length === 1 ? types[0] : types;
  }
  const types = typesOf(out);
  if (types.length === 0 || types.some((t) => !TYPES.has(t))) throw new NotStrict(`type ${JSON.stringify(out.type)}`);
  if (new Set(types).size !== types.length) throw new NotStrict('repeated type');
  // Strict mode takes one type, optionally with null; a union of several types is written as anyOf.
  if (types.filter((t) => t !== 'null').length > 1) throw new NotStrict(`several types ${types.join(', ')}`);
  if (Array.isArray(out.type) && types.length === 1) out.type = types[0];
  if (Array.isArray(out.enum)) checkEnum(w, out.enum);
  if ('const' in out) checkEnum(w, [out.const]);
  if (typeof out.format === 'string' && !FORMATS.has(out.format)) throw new NotStrict(`format ${out.format}`);

  if (types.includes('array')) {
    if (!isObj(out.items)) throw new NotStrict('array without a single items schema');
    out.items = convert(out.items, depth + 1, w);
  } else if (out.items !== undefined || out.minItems !== undefined || out.maxItems !== undefined) {
    throw new NotStrict('array keywords on a schema that is not an array');
  }
  if (types.includes('object')) {
    if (out.additionalProperties !== undefined && out.additionalProperties !== false) throw new NotStrict('open object');
    if (!isObj(out.properties) && out.additionalProperties !== false) throw new NotStrict('free-form object');
    const props = (out.properties ?? {}) as Schema;
    const declared = Array.isArray(out.required) ? (out.required as unknown[]) : [];
    if (out.required !== undefined && !Array.isArray(out.required)) throw new NotStrict('required is not an array');
    const undeclared = declared.filter((k) => typeof k !== 'string' || !(k in props));
    if (undeclared.length) throw new NotStrict(`required but not declared: ${undeclared.join(', ')}`);
    const required = new Set(declared as string[]);
    w.properties += Object.keys(props).length;
    if (w.properties > STRICT_LIMITS.maxProperties) throw new NotStrict(`more than ${STRICT_LIMITS.maxProperties} properties`);
    out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => {
      countChars(w, k.length);
      const c = convert(v, depth + 1, w);
      return [k, required.has(k) ? c : nullable(c)];
    }));
    out.required = Object.keys(props);
    out.additionalProperties = false;
  } else if (out.properties !== undefined || out.required !== undefined || out.additionalProperties !== undefined) {
    throw new NotStrict('object keywords on a schema that is not an object');
  }
  return out;
}

function pick(s: Schema, keys: string[]): Schema {
  return Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
}

/** The strict form of a parameter schema, or the schema unchanged with `strict: false` when it cannot be made strict. */
export function toStrictParameters(schema: Schema): { parameters: Schema; strict: boolean; reason?: string } {
  try {
    if (typesOf(schema).join() !== 'object' || schema.anyOf !== undefined || schema.$ref !== undefined) throw new NotStrict('the root is not a plain object schema');
    return { parameters: convert(schema, 0, { root: schema, properties: 0, enumValues: 0, chars: 0 }), strict: true };
  } catch (err) {
    if (err instanceof NotStrict) return { parameters: schema, strict: false, reason: err.message };
    throw err;
  }
}

/** The schema a value is checked against at this point: `$ref`s followed (at most a few hops, against cycles). */
function deref(schema: unknown, root: unknown): Schema | undefined {
  let cur = schema;
  for (let hops = 0; hops < 16 && isObj(cur) && typeof cur.$ref === 'string'; hops++) cur = resolveLocalRef(root, cur.$ref);
  return isObj(cur) && typeof cur.$ref !== 'string' ? cur : undefined;
}

/** The object branch of an anyOf that an object value was generated for: strict output carries exactly its keys. */
function objectBranch(branches: unknown[], value: Schema, root: unknown): Schema | undefined {
  const keys = Object.keys(value);
  const candidates = branches.map((b) => deref(b, root)).filter((b): b is Schema => !!b && (isObj(b.properties) || Array.isArray(b.anyOf)));
  const exact = candidates.find((b) => isObj(b.properties) && keys.length === Object.keys(b.properties).length && keys.every((k) => k in (b.properties as Schema)));
  return exact ?? candidates.find((b) => isObj(b.properties) && keys.every((k) => k in (b.properties as Schema)));
}

function strip(schema: unknown, value: unknown, root: unknown, depth: number): unknown {
  const s = deref(schema, root);
  if (!s || depth > 64) return value;
  if (Array.isArray(s.anyOf) && value !== null && typeof value === 'object') {
    const branch = Array.isArray(value)
      ? s.anyOf.map((b) => deref(b, root)).find((b) => b && isObj(b.items))
      : objectBranch(s.anyOf, value as Schema, root);
    return branch ? strip(branch, value, root, depth + 1) : value;
  }
  if (Array.isArray(value)) return isObj(s.items) ? value.map((v) => strip(s.items, v, root, depth + 1)) : value;
  if (!isObj(value) || !isObj(s.properties)) return value;
  const props = s.properties as Schema;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const out: Schema = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null && !required.has(k) && k in props && !allowsNull(props[k], root)) continue;
    out[k] = k in props ? strip(props[k], v, root, depth + 1) : v;
  }
  return out;
}

/**
 * Removes the `null` values strict mode sends for optional properties that the original schema does not allow to be
 * null — at any depth, through `$ref`s into `$defs` and inside `anyOf` branches — so that arguments from a strict-mode
 * model validate against the original schema. Everything else is left as it is for the validator to judge.
 */
export function dropStrictNulls(schema: unknown, value: unknown): unknown {
  return strip(schema, value, schema, 0);
}
