// The executor definition (SPEC 1): its JSON Schema, defaults, cross-field checks and content hash.
import { createHash } from 'node:crypto';
import { NAME_PATTERN, ResourceName } from '../names.js';
import { Type, type Static } from '@sinclair/typebox';
import { invalid, type FieldError } from '../errors.js';
import { schemaProblem } from '../util/json-schema.js';
import { unknownPlaceholders } from './api-call/template.js';
import type { CodeLanguage } from './sandbox/contract.js';
import { LANGUAGES, RUNTIMES } from './sandbox/runtimes/index.js';

/** Executors are named like every resource of a workspace. */
export const EXECUTOR_NAME_PATTERN = NAME_PATTERN;
export const MAX_TIMEOUT_MS = 300_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_SOURCE_BYTES = 1024 * 1024;

const JsonSchemaObject = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'JSON Schema 2020-12' });

export const CodeSpec = Type.Object({
  // The languages are the runtimes' folders (sandbox/runtimes/<language>/).
  language: Type.Union(LANGUAGES.map((l) => Type.Literal(l))),
  mode: Type.Optional(Type.Union([Type.Literal('handler'), Type.Literal('script')])),
  source: Type.String({ maxLength: MAX_SOURCE_BYTES }),
  dependencies: Type.Optional(Type.String({ maxLength: 64 * 1024, description: `the dependency file's text (${LANGUAGES.map((l) => RUNTIMES[l].dependencyFile).join(' / ')})` })),
  memoryMb: Type.Optional(Type.Integer({ minimum: 16, maximum: 4096 })),
  egress: Type.Optional(Type.Array(Type.String({ pattern: '^(\\*\\.)?[A-Za-z0-9.-]{1,253}$' }), { maxItems: 100 })),
  allowInstallScripts: Type.Optional(Type.Boolean({ description: 'let the dependency build run package code at install time: npm lifecycle scripts and pip builds from source distributions (off: npm --ignore-scripts, pip wheels only); Composer scripts and plugins always stay off' })),
}, { additionalProperties: false });

export const ApiCallSpec = Type.Object({
  method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m))),
  url: Type.String({ minLength: 1, maxLength: 4096 }),
  headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,256}$' }), Type.String({ maxLength: 8192 }))),
  signingSecret: Type.Optional(Type.String({ description: 'name of a secret holding a Standard Webhooks key (whsec_…); requests are then signed' })),
}, { additionalProperties: false });

const definitionFields = {
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  type: Type.Union([Type.Literal('code'), Type.Literal('apiCall')]),
  inputSchema: Type.Optional(JsonSchemaObject),
  outputSchema: Type.Optional(JsonSchemaObject),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_MS })),
  code: Type.Optional(CodeSpec),
  apiCall: Type.Optional(ApiCallSpec),
};

/** `type` decides which of `code`/`apiCall` is required and which must be absent (in the schema, so the OpenAPI document says it too). */
const specByType = {
  allOf: (['code', 'apiCall'] as const).map((t) => ({
    if: { properties: { type: { const: t } }, required: ['type'] },
    then: { required: [t], properties: { [t === 'code' ? 'apiCall' : 'code']: false } },
  })),
};

/** The body of create/replace/apply: a definition plus an optional version message. */
export const ExecutorInput = Type.Object({
  name: ResourceName,
  ...definitionFields,
  message: Type.Optional(Type.String({ maxLength: 1000, description: 'version message' })),
}, { additionalProperties: false, ...specByType });
export type ExecutorInput = Static<typeof ExecutorInput>;

/** A draft for `test`: the name is optional. */
export const ExecutorDraft = Type.Object({
  name: Type.Optional(ResourceName),
  ...definitionFields,
}, { additionalProperties: false });
export type ExecutorDraft = Static<typeof ExecutorDraft>;

/** A definition with every default applied: what a version stores. */
export interface ExecutorDefinition {
  name: string;
  description: string;
  type: 'code' | 'apiCall';
  inputSchema: Record<string, unknown> | null;
  outputSchema: Record<string, unknown> | null;
  timeoutMs: number;
  code?: { language: CodeLanguage; mode: 'handler' | 'script'; source: string; dependencies: string; memoryMb: number; egress: string[]; allowInstallScripts?: true };
  apiCall?: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; headers: Record<string, string>; signingSecret?: string };
}

/** Applies defaults and checks what JSON Schema cannot express; throws a 400 problem listing every field error. */
export function normalizeDefinition(input: ExecutorDraft & { name: string }): ExecutorDefinition {
  const errors: FieldError[] = [];
  if (input.type === 'code' && !input.code) errors.push({ field: '/code', message: 'is required when type is "code"' });
  if (input.type === 'apiCall' && !input.apiCall) errors.push({ field: '/apiCall', message: 'is required when type is "apiCall"' });
  if (input.type === 'code' && input.apiCall) errors.push({ field: '/apiCall', message: 'must be absent when type is "code"' });
  if (input.type === 'apiCall' && input.code) errors.push({ field: '/code', message: 'must be absent when type is "apiCall"' });
  for (const key of ['inputSchema', 'outputSchema'] as const) {
    const schema = input[key];
    if (schema) {
      // Size, nesting and $ref expansion are checked before Ajv compiles anything (see json-schema.ts).
      const problem = schemaProblem(schema);
      if (problem) errors.push({ field: `/${key}`, message: problem });
    }
  }
  if (input.apiCall) {
    const url = input.apiCall.url;
    // Templates may stand anywhere, so check the URL with placeholders replaced by a harmless value.
    const probe = url.replace(/\{\{[^}]*\}\}/g, 'x');
    let parsed: URL | undefined;
    try {
      parsed = new URL(probe);
    } catch {
      errors.push({ field: '/apiCall/url', message: 'is not an absolute URL' });
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') errors.push({ field: '/apiCall/url', message: 'must use http or https' });
    const templates: Array<[string, string]> = [['/apiCall/url', url], ...Object.entries(input.apiCall.headers ?? {}).map(([k, v]): [string, string] => [`/apiCall/headers/${k}`, v])];
    for (const [field, t] of templates) {
      const bad = unknownPlaceholders(t);
      if (bad.length) errors.push({ field, message: `unknown placeholder ${bad.join(', ')} (use {{secret:NAME}}, {{input.path}} or {{execution.id}})` });
    }
    // Standard Webhooks signs `id.timestamp.body` and its verifiers check the body only, so the query string of a
    // GET or DELETE (where the input travels) could be changed without breaking the signature.
    if (input.apiCall.signingSecret && (input.apiCall.method === 'GET' || input.apiCall.method === 'DELETE')) {
      errors.push({ field: '/apiCall/signingSecret', message: `cannot be used with method ${input.apiCall.method}: Standard Webhooks signatures cover the body only, and ${input.apiCall.method} sends the input in the query string, which would go unauthenticated; use POST, PUT or PATCH to sign` });
    }
  }
  if (errors.length) throw invalid(errors);
  const def: ExecutorDefinition = {
    name: input.name,
    description: input.description ?? '',
    type: input.type,
    inputSchema: input.inputSchema ?? null,
    outputSchema: input.outputSchema ?? null,
    timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  if (input.code) {
    def.code = {
      language: input.code.language,
      mode: input.code.mode ?? 'handler',
      source: input.code.source,
      dependencies: input.code.dependencies ?? '',
      memoryMb: input.code.memoryMb ?? 256,
      egress: input.code.egress ?? [],
      // Only present when set, so that existing definitions (and their hashes) stay as they were.
      ...(input.code.allowInstallScripts ? { allowInstallScripts: true as const } : {}),
    };
  }
  if (input.apiCall) {
    def.apiCall = {
      method: input.apiCall.method as 'GET',
      url: input.apiCall.url,
      headers: input.apiCall.headers ?? {},
      ...(input.apiCall.signingSecret ? { signingSecret: input.apiCall.signingSecret } : {}),
    };
  }
  return def;
}

/** JSON with object keys sorted, so equal definitions hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 of the canonical definition: identical content is the same version. */
export function contentHash(def: ExecutorDefinition): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(def)).digest('hex');
}
