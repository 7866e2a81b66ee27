// An independent checker of OpenAI's documented strict-mode rules for function parameters (Structured Outputs,
// "Supported schemas"), written from the documentation rather than from our converter, to judge what we export.

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);

/** Supported types. */
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** Keywords the documentation lists as supported, per kind of schema, plus structure and `description`. */
const COMMON = new Set(['type', 'description', 'enum', 'const', 'anyOf', '$ref', '$defs', 'definitions']);
const BY_TYPE: Record<string, Set<string>> = {
  string: new Set(['pattern', 'format']),
  number: new Set(['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']),
  integer: new Set(['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']),
  array: new Set(['items', 'minItems', 'maxItems']),
  object: new Set(['properties', 'required', 'additionalProperties']),
  boolean: new Set(),
  null: new Set(),
};
/** The documented string formats. */
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

/**
 * Every violation of the strict-mode rules in a function's parameter schema, as `path: rule`; empty when it conforms.
 * Rules: the root is an object and not anyOf; every schema states its type (or is anyOf/$ref); `$ref` has no sibling
 * keywords and resolves locally; every object has `additionalProperties: false` and lists all properties in
 * `required`; arrays have one `items` schema; only supported keywords and formats; at most 10 levels of object
 * nesting, 5,000 properties, 1,000 enum values, 120,000 characters of property names, definition names, enum and
 * const values, and an enum of more than 250 strings at most 15,000 characters.
 */
export function strictViolations(root: Schema): string[] {
  const out: string[] = [];
  const counts = { properties: 0, enumValues: 0, chars: 0 };
  if (root.type !== 'object') out.push('<root>: must be type "object"');
  if (root.anyOf !== undefined) out.push('<root>: must not be anyOf');
  if (root.$ref !== undefined) out.push('<root>: must not be a $ref');

  const visit = (s: unknown, path: string, objectDepth: number): void => {
    if (!isObj(s)) {
      out.push(`${path}: a schema must be an object (no boolean schemas)`);
      return;
    }
    for (const defs of ['$defs', 'definitions']) {
      if (s[defs] === undefined) continue;
      if (!isObj(s[defs])) out.push(`${path}/${defs}: must be an object`);
      else for (const [k, v] of Object.entries(s[defs] as Schema)) {
        counts.chars += k.length;
        visit(v, `${path}/${defs}/${k}`, objectDepth);
      }
    }
    if (s.$ref !== undefined) {
      const siblings = Object.keys(s).filter((k) => k !== '$ref');
      if (siblings.length) out.push(`${path}: $ref must stand alone, found ${siblings.join(', ')}`);
      if (typeof s.$ref !== 'string' || !(s.$ref === '#' || resolve(root, s.$ref) !== undefined)) out.push(`${path}: $ref ${String(s.$ref)} does not resolve locally`);
      return;
    }
    if (s.anyOf !== undefined) {
      if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) out.push(`${path}: anyOf must be a non-empty array`);
      const siblings = Object.keys(s).filter((k) => !['anyOf', 'description', '$defs', 'definitions'].includes(k));
      if (siblings.length) out.push(`${path}: anyOf with sibling keywords ${siblings.join(', ')}`);
      if (Array.isArray(s.anyOf)) s.anyOf.forEach((b, i) => visit(b, `${path}/anyOf/${i}`, objectDepth));
      return;
    }
    const types = Array.isArray(s.type) ? (s.type as unknown[]) : s.type === undefined ? [] : [s.type];
    if (types.length === 0) {
      out.push(`${path}: every schema must state its type`);
      return;
    }
    for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) out.push(`${path}: unsupported type ${JSON.stringify(t)}`);
    const allowed = new Set([...COMMON, ...types.flatMap((t) => [...(BY_TYPE[t as string] ?? [])])]);
    for (const k of Object.keys(s)) if (!allowed.has(k)) out.push(`${path}: keyword ${k} is not supported for type ${types.join('|')}`);
    if (typeof s.format === 'string' && !FORMATS.has(s.format)) out.push(`${path}: format ${s.format} is not supported`);
    for (const values of [Array.isArray(s.enum) ? s.enum : null, 'const' in s ? [s.const] : null]) {
      if (!values) continue;
      counts.enumValues += values.length;
      const chars = values.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : 0), 0);
      counts.chars += chars;
      if (values.length > 250 && chars > 15_000) out.push(`${path}: an enum of more than 250 values may have at most 15,000 characters`);
    }
    if (types.includes('array')) {
      if (!isObj(s.items)) out.push(`${path}: an array needs one items schema`);
      else visit(s.items, `${path}/items`, objectDepth);
    }
    if (types.includes('object')) {
      if (objectDepth + 1 > 10) out.push(`${path}: more than 10 levels of object nesting`);
      if (s.additionalProperties !== false) out.push(`${path}: additionalProperties must be false`);
      const props = isObj(s.properties) ? s.properties : {};
      if (!isObj(s.properties)) out.push(`${path}: an object must declare properties`);
      const required = Array.isArray(s.required) ? s.required : [];
      for (const k of Object.keys(props)) if (!required.includes(k)) out.push(`${path}: property ${k} must be required`);
      for (const k of required) if (!(k in props)) out.push(`${path}: required ${String(k)} is not a property`);
      counts.properties += Object.keys(props).length;
      for (const [k, v] of Object.entries(props)) {
        counts.chars += k.length;
        visit(v, `${path}/properties/${k}`, objectDepth + 1);
      }
    }
  };
  visit(root, '#', 0);
  if (counts.properties > 5000) out.push(`<root>: ${counts.properties} properties (at most 5,000)`);
  if (counts.enumValues > 1000) out.push(`<root>: ${counts.enumValues} enum values (at most 1,000)`);
  if (counts.chars > 120_000) out.push(`<root>: ${counts.chars} characters of names and values (at most 120,000)`);
  return out;
}

function resolve(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!isObj(cur) || !(part in cur)) return undefined;
    cur = cur[part];
  }
  return isObj(cur) ? cur : undefined;
}
