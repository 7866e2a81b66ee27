// OpenAI strict-mode function schemas: every object closed and fully required (optional made nullable), or `strict: false`.

/** Keywords strict mode accepts (OpenAI Structured Outputs, "supported schemas"); annotations are dropped. */
const SUPPORTED = new Set([
  'type', 'enum', 'const', 'anyOf', 'description', '$ref', '$defs', 'definitions',
  'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'items', 'minItems', 'maxItems', 'properties', 'required', 'additionalProperties',
]);
const ANNOTATIONS = new Set(['title', 'examples', 'default', '$comment', '$schema', '$id', 'deprecated', 'readOnly', 'writeOnly']);
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
const MAX_DEPTH = 10;

class NotStrict extends Error {}

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);

function typesOf(s: Schema): string[] {
  return Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
}

/** Whether a schema accepts `null`. */
export function allowsNull(s: unknown): boolean {
  if (!isObj(s)) return s === true;
  if (typesOf(s).includes('null')) return true;
  if (Array.isArray(s.enum) && s.enum.includes(null)) return true;
  if ('const' in s && s.const === null) return true;
  return Array.isArray(s.anyOf) && s.anyOf.some(allowsNull);
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

function convert(s: unknown, depth: number): Schema {
  if (!isObj(s)) throw new NotStrict('boolean or non-object schema');
  if (depth > MAX_DEPTH) throw new NotStrict('nested too deeply');
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (ANNOTATIONS.has(k)) continue;
    if (!SUPPORTED.has(k)) throw new NotStrict(`keyword ${k}`);
    out[k] = v;
  }
  if (typeof out.format === 'string' && !FORMATS.has(out.format)) throw new NotStrict(`format ${out.format}`);
  if (typeof out.$ref === 'string' && !out.$ref.startsWith('#/')) throw new NotStrict('external $ref');
  for (const defs of ['$defs', 'definitions'] as const) {
    if (isObj(out[defs])) out[defs] = Object.fromEntries(Object.entries(out[defs] as Schema).map(([k, v]) => [k, convert(v, depth + 1)]));
  }
  if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.map((x) => convert(x, depth + 1));
  const types = typesOf(out);
  if (types.includes('array') || out.items !== undefined) {
    if (!isObj(out.items)) throw new NotStrict('array without a single items schema');
    out.items = convert(out.items, depth + 1);
  }
  if (types.includes('object') || out.properties !== undefined) {
    if (out.additionalProperties !== undefined && out.additionalProperties !== false) throw new NotStrict('open object');
    if (!isObj(out.properties) && out.additionalProperties !== false) throw new NotStrict('free-form object');
    const props = (out.properties ?? {}) as Schema;
    const required = new Set(Array.isArray(out.required) ? (out.required as string[]) : []);
    out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => {
      const c = convert(v, depth + 1);
      return [k, required.has(k) ? c : nullable(c)];
    }));
    out.required = Object.keys(props);
    out.additionalProperties = false;
  }
  return out;
}

/** The strict form of a parameter schema, or the schema unchanged with `strict: false` when it cannot be made strict. */
export function toStrictParameters(schema: Schema): { parameters: Schema; strict: boolean; reason?: string } {
  try {
    if (!typesOf(schema).includes('object') || schema.anyOf) throw new NotStrict('the root is not a plain object schema');
    return { parameters: convert(schema, 0), strict: true };
  } catch (err) {
    if (err instanceof NotStrict) return { parameters: schema, strict: false, reason: err.message };
    throw err;
  }
}

/**
 * Removes `null` values that strict mode sends for optional properties the original schema does not allow to be null,
 * so that arguments from a strict-mode model validate against the original schema.
 */
export function dropStrictNulls(schema: unknown, value: unknown): unknown {
  if (!isObj(schema)) return value;
  if (Array.isArray(value)) return isObj(schema.items) ? value.map((v) => dropStrictNulls(schema.items, v)) : value;
  if (!isObj(value) || !isObj(schema.properties)) return value;
  const props = schema.properties as Schema;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Schema = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null && !required.has(k) && k in props && !allowsNull(props[k])) continue;
    out[k] = k in props ? dropStrictNulls(props[k], v) : v;
  }
  return out;
}
