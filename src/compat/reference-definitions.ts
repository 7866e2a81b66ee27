// Exported definitions of the reference platform (executors, UDFs, tools, agents, hooks) mapped onto ours, with a
// report of what was mapped and what was not. Pure: no store access; every problem is collected with its field.
import type { FieldError } from '../errors.js';
import { MAX_TIMEOUT_MS } from '../executors/definition.js';
import { NAME_PATTERN } from '../names.js';
import type { CodeLanguage } from '../executors/sandbox/contract.js';
import { LANGUAGES, RUNTIMES } from '../executors/sandbox/runtimes/index.js';

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => !!v && typeof v === 'object' && !Array.isArray(v);

/** Our language names and the reference platform's (`php82`, `python311`, `node20`), which the runtimes declare. */
export const REFERENCE_LANGUAGES: Record<string, CodeLanguage> = Object.fromEntries(LANGUAGES.flatMap((l) => [[l, l], ...RUNTIMES[l].importAliases.map((a) => [a, l])]));
const KINDS = ['executors', 'udfs', 'tools', 'agents', 'hooks'] as const;
type Kind = (typeof KINDS)[number];

export interface MappedExecutor {
  name: string;
  description?: string;
  type: 'code' | 'apiCall';
  inputSchema?: Record<string, unknown>;
  timeoutMs?: number;
  code?: { language: CodeLanguage; mode: 'script'; source: string; dependencies?: string; egress?: string[] };
  apiCall?: { method: string; url: string; headers?: Record<string, string> };
}

export interface ImportPlan {
  executors: MappedExecutor[];
  udfs: Array<{ name: string; executor: string; description?: string }>;
  tools: Array<{ name: string; executor: string; description?: string; parameters?: Record<string, unknown> }>;
  agents: Array<{ name: string; intent: string; description?: string; executor: string; dataSchema: Record<string, unknown> }>;
  hooks: Array<{ name: string; eventTypes: string[]; executor: string; description?: string }>;
}

export interface ImportReport {
  /** One line per mapping that happened, e.g. `/executors/0/language: php82 → php`. */
  mapped: string[];
  /** What was left behind and why, e.g. `/agents/0/parameters/0/source: message is not mapped (…)`. */
  notMapped: string[];
}

export class ImportProblems extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`the import was refused: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
}

/** Reference parameter types and their JSON Schema. */
const PARAM_TYPES: Record<string, Fields> = {
  string: { type: 'string' }, text: { type: 'string' }, int: { type: 'integer' }, integer: { type: 'integer' }, float: { type: 'number' }, number: { type: 'number' },
  bool: { type: 'boolean' }, boolean: { type: 'boolean' }, date: { type: 'string', format: 'date' }, enum: { type: 'string' }, list: { type: 'array' }, array: { type: 'array' },
  object: { type: 'object' },
};
const PARAM_TYPE_NAMES = 'string, int, float, bool, date, enum, list, object';

class Mapper {
  readonly errors: FieldError[] = [];
  readonly report: ImportReport = { mapped: [], notMapped: [] };
  private readonly names = new Map<string, string>();

  err(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  str(o: Fields, key: string, at: string, required = true): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.err(`${at}/${key}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v === '') {
      this.err(`${at}/${key}`, 'must be a non-empty string');
      return undefined;
    }
    return v;
  }

  /** Our name for a reference name: lower case, spaces and dots as `_`; renames are reported. */
  name(raw: string | undefined, at: string): string | undefined {
    if (raw === undefined) return undefined;
    const ours = raw.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 63);
    if (!new RegExp(NAME_PATTERN).test(ours)) {
      this.err(at, `"${raw}" cannot be made a name (lower-case letter first, then letters, digits, _ or -, at most 63)`);
      return undefined;
    }
    if (ours !== raw) this.report.mapped.push(`${at}: "${raw}" → ${ours}`);
    return ours;
  }

  unknownFields(o: Fields, known: string[], at: string, why: Record<string, string> = {}): void {
    for (const k of Object.keys(o)) {
      if (known.includes(k)) continue;
      this.report.notMapped.push(`${at}/${k}: ${why[k] ?? 'has no counterpart here and was left out'}`);
    }
  }

  /** Reference parameters (JSON Schema, a list of `{name, type, required}` or a map by name) as a JSON Schema. */
  parameters(v: unknown, at: string): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (isObject(v) && v.type === 'object') return v;
    const list: Array<[string, unknown, string]> = Array.isArray(v)
      ? v.map((p, i) => [isObject(p) && typeof p.name === 'string' ? p.name : '', p, `${at}/${i}`])
      : isObject(v) ? Object.entries(v).map(([k, p]) => [k, p, `${at}/${k}`]) : [];
    if (!Array.isArray(v) && !isObject(v)) {
      this.err(at, 'must be a JSON Schema object, a list of {name, type, required?} or an object of parameters by name');
      return undefined;
    }
    const properties: Fields = {};
    const required: string[] = [];
    for (const [name, p, pat] of list) {
      if (!isObject(p)) { this.err(pat, 'must be an object {type, required?, description?}'); continue; }
      if (!name) { this.err(`${pat}/name`, 'is required'); continue; }
      const type = typeof p.type === 'string' ? p.type : 'string';
      const base = PARAM_TYPES[type];
      if (!base) { this.err(`${pat}/type`, `must be one of ${PARAM_TYPE_NAMES}`); continue; }
      const schema: Fields = { ...base };
      if (typeof p.description === 'string') schema.description = p.description;
      if (type === 'enum') {
        const values = p.options ?? p.values ?? p.enum;
        if (!Array.isArray(values) || values.length === 0) { this.err(`${pat}/options`, 'an enum parameter needs its values (options: [..])'); continue; }
        schema.enum = values.map((x) => (isObject(x) ? x.value ?? x.name : x));
      }
      if (p.required === true) required.push(name);
      if (p.source !== undefined) this.report.notMapped.push(`${pat}/source: ${JSON.stringify(p.source)} is not mapped (here the caller passes the data; there is no extraction from message, contract or ticket)`);
      properties[name] = schema;
      this.report.mapped.push(`${pat}: ${type} → ${JSON.stringify(schema)}`);
    }
    return { type: 'object', properties, ...(required.length ? { required } : {}) };
  }

  /** Comma-separated packages as the dependency file of the language. */
  packages(v: unknown, language: CodeLanguage, at: string): string | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : null;
    if (!list || !list.every((x) => typeof x === 'string')) { this.err(at, 'must be a comma-separated list of package names'); return undefined; }
    const names = list.map((x) => x.trim()).filter(Boolean);
    this.report.mapped.push(`${at}: ${names.join(', ')} → ${RUNTIMES[language].dependencyFile} (no version given means any)`);
    return RUNTIMES[language].manifestOf(names);
  }

  executor(o: unknown, at: string, fallbackName?: string): MappedExecutor | undefined {
    if (!isObject(o)) { this.err(at, 'must be an object (an executor definition)'); return undefined; }
    const rawName = typeof o.name === 'string' ? o.name : fallbackName;
    if (!rawName) this.err(`${at}/name`, 'is required');
    const name = this.name(rawName, `${at}/name`);
    const type = o.type ?? 'sourceCode';
    const description = typeof o.description === 'string' ? o.description : undefined;
    const common = { ...(description ? { description } : {}) };
    let timeoutMs: number | undefined;
    const limit = o.timeoutMs ?? (typeof o.timeout === 'number' ? o.timeout * 1000 : o.timeout);
    if (limit !== undefined) {
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) this.err(`${at}/${o.timeoutMs !== undefined ? 'timeoutMs' : 'timeout'}`, 'must be a positive whole number (timeout in seconds, timeoutMs in milliseconds)');
      else {
        timeoutMs = Math.min(limit, MAX_TIMEOUT_MS);
        this.report.mapped.push(`${at}/${o.timeoutMs !== undefined ? 'timeoutMs' : 'timeout'}: ${o.timeoutMs ?? o.timeout} → timeoutMs ${timeoutMs}${limit > MAX_TIMEOUT_MS ? ` (our maximum)` : ''}`);
      }
    } else {
      this.report.notMapped.push(`${at}: no run limit given; ours applies (10 s by default, the reference platform allows about 50 s: set timeout if the code needs longer)`);
    }
    const inputSchema = this.parameters(o.parameters, `${at}/parameters`);
    if (type === 'apiCall') {
      const method = typeof o.method === 'string' ? o.method.toUpperCase() : undefined;
      if (!method || !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) this.err(`${at}/method`, 'must be one of GET, POST, PUT, PATCH, DELETE');
      const url = this.str(o, 'url', at);
      let headers: Record<string, string> | undefined;
      if (o.headers !== undefined) {
        if (isObject(o.headers) && Object.values(o.headers).every((x) => typeof x === 'string')) headers = o.headers as Record<string, string>;
        else if (Array.isArray(o.headers) && o.headers.every((x) => typeof x === 'string' && x.includes(':'))) {
          headers = Object.fromEntries((o.headers as string[]).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
          this.report.mapped.push(`${at}/headers: header strings → an object`);
        } else this.err(`${at}/headers`, "must be an object of strings or a list of 'Name: value' strings");
      }
      this.unknownFields(o, ['name', 'type', 'description', 'method', 'url', 'headers', 'parameters', 'timeout', 'timeoutMs'], at);
      if (!name || !method || !url) return undefined;
      return { name, ...common, type: 'apiCall', ...(inputSchema ? { inputSchema } : {}), ...(timeoutMs ? { timeoutMs } : {}), apiCall: { method, url, ...(headers ? { headers } : {}) } };
    }
    if (type !== 'sourceCode' && type !== 'code') { this.err(`${at}/type`, 'must be one of sourceCode, apiCall (the visual editor has no export here)'); return undefined; }
    const rawLang = o.language ?? 'php82';
    const language = typeof rawLang === 'string' ? REFERENCE_LANGUAGES[rawLang] : undefined;
    if (!language) this.err(`${at}/language`, 'must be one of php82, python311, node20 (or python, node, php)');
    else if (rawLang !== language) this.report.mapped.push(`${at}/language: ${String(rawLang)} → ${language}${o.language === undefined ? ' (the reference default)' : ''}`);
    const source = typeof o.code === 'string' ? o.code : typeof o.sourceCode === 'string' ? o.sourceCode : undefined;
    if (source === undefined) this.err(`${at}/code`, 'is required: the source as a string');
    else this.report.mapped.push(`${at}/${typeof o.code === 'string' ? 'code' : 'sourceCode'}: → code.source with mode script (runs unchanged)`);
    const dependencies = language ? this.packages(o.packages, language, `${at}/packages`) : undefined;
    let egress: string[] | undefined;
    if (o.egress !== undefined) {
      if (Array.isArray(o.egress) && o.egress.every((h) => typeof h === 'string')) egress = o.egress as string[];
      else this.err(`${at}/egress`, 'must be a list of host names');
    } else {
      this.report.notMapped.push(`${at}: no network by default here (the reference platform does not restrict it); add egress: ["host", …] for Api::call targets`);
    }
    this.unknownFields(o, ['name', 'type', 'description', 'language', 'code', 'sourceCode', 'packages', 'parameters', 'timeout', 'timeoutMs', 'egress'], at);
    if (!name || !language || source === undefined) return undefined;
    return {
      name, ...common, type: 'code', ...(inputSchema ? { inputSchema } : {}), ...(timeoutMs ? { timeoutMs } : {}),
      code: { language, mode: 'script', source, ...(dependencies ? { dependencies } : {}), ...(egress ? { egress } : {}) },
    };
  }

  /** A binding's executor: a name of an executor of the import (or one that exists already), or an inline definition. */
  executorRef(o: Fields, at: string, plan: ImportPlan, ownName: string | undefined): string | undefined {
    const ref = o.executor ?? o.executorId;
    if (typeof ref === 'string') {
      const known = this.names.get(ref);
      if (known === undefined) return this.name(ref, `${at}/executor`);
      if (known !== ref) this.report.mapped.push(`${at}/executor: "${ref}" → ${known}`);
      return known;
    }
    if (isObject(ref)) {
      const def = this.executor(ref, `${at}/executor`, ownName);
      if (!def) return undefined;
      plan.executors.push(def);
      return def.name;
    }
    this.err(`${at}/executor`, 'is required: an executor name or an inline executor definition');
    return undefined;
  }

  remember(raw: unknown, ours: string | undefined): void {
    if (typeof raw === 'string' && ours) this.names.set(raw, ours);
  }
}

/**
 * Maps an export document `{executors?, udfs?, tools?, agents?, hooks?}` (each a list in the reference shape) onto our
 * definitions. Throws ImportProblems with every problem at once.
 */
export function mapReferenceExport(doc: unknown): { plan: ImportPlan; report: ImportReport } {
  const m = new Mapper();
  const plan: ImportPlan = { executors: [], udfs: [], tools: [], agents: [], hooks: [] };
  if (!isObject(doc)) throw new ImportProblems([{ field: '/', message: `must be an object with ${KINDS.join(', ')} (each a list)` }]);
  for (const k of Object.keys(doc)) if (!(KINDS as readonly string[]).includes(k)) m.err(`/${k}`, `is not a part of an export; the parts are ${KINDS.join(', ')}`);
  const list = (k: Kind): unknown[] => {
    const v = doc[k];
    if (v === undefined) return [];
    if (!Array.isArray(v)) { m.err(`/${k}`, 'must be a list'); return []; }
    return v;
  };
  list('executors').forEach((e, i) => {
    const def = m.executor(e, `/executors/${i}`);
    if (def) { plan.executors.push(def); m.remember(isObject(e) ? e.name : undefined, def.name); }
  });
  list('udfs').forEach((u, i) => {
    const at = `/udfs/${i}`;
    if (!isObject(u)) return m.err(at, 'must be an object {name, executor, description?}');
    const name = m.name(m.str(u, 'name', at), `${at}/name`);
    const executor = m.executorRef(u, at, plan, name);
    m.unknownFields(u, ['name', 'executor', 'executorId', 'description', 'isTool'], at);
    if (name && executor) plan.udfs.push({ name, executor, ...(typeof u.description === 'string' ? { description: u.description } : {}) });
  });
  list('tools').forEach((t, i) => {
    const at = `/tools/${i}`;
    if (!isObject(t)) return m.err(at, 'must be an object {name, slug?, description?, parameters?, executor}');
    // The slug is what the model calls; it is the tool's name here.
    const rawName = typeof t.slug === 'string' ? t.slug : m.str(t, 'name', at);
    if (typeof t.slug === 'string') m.report.mapped.push(`${at}/slug: → name (what the model calls)`);
    const name = m.name(rawName, `${at}/${typeof t.slug === 'string' ? 'slug' : 'name'}`);
    const executor = m.executorRef(t, at, plan, name);
    const parameters = m.parameters(t.parameters, `${at}/parameters`);
    m.unknownFields(t, ['name', 'slug', 'description', 'parameters', 'executor', 'executorId', 'isTool'], at, {
      private: 'is not mapped: a tool\'s privacy flag has no counterpart (every tool is listed to callers with read permission)',
      isPrivate: 'is not mapped: a tool\'s privacy flag has no counterpart (every tool is listed to callers with read permission)',
    });
    if (name && executor) plan.tools.push({ name, executor, ...(typeof t.description === 'string' ? { description: t.description } : {}), ...(parameters ? { parameters } : {}) });
  });
  list('agents').forEach((a, i) => {
    const at = `/agents/${i}`;
    if (!isObject(a)) return m.err(at, 'must be an object {name, intent?, parameters?, executor, responseCases?}');
    const name = m.name(m.str(a, 'name', at), `${at}/name`);
    const executor = m.executorRef(a, at, plan, name);
    const dataSchema = m.parameters(a.parameters, `${at}/parameters`) ?? { type: 'object' };
    const intent = typeof a.intent === 'string' && a.intent ? a.intent : name;
    if (a.intent === undefined && name) m.report.mapped.push(`${at}: no intent given → intent ${name}`);
    m.unknownFields(a, ['name', 'intent', 'description', 'parameters', 'executor', 'executorId'], at, {
      responseCases: 'is not mapped: response cases (conditions → text, LLM answer, close) become rules and templates by hand here (rules: reject/handoff/execute, templates.success/failure)',
    });
    if (name && executor && intent) plan.agents.push({ name, intent, executor, dataSchema, ...(typeof a.description === 'string' ? { description: a.description } : {}) });
  });
  list('hooks').forEach((h, i) => {
    const at = `/hooks/${i}`;
    if (!isObject(h)) return m.err(at, 'must be an object {name?, eventType | eventTypes, executor}');
    const types = Array.isArray(h.eventTypes) ? h.eventTypes : typeof h.eventType === 'string' ? [h.eventType] : undefined;
    if (!types || types.length === 0 || !types.every((x) => typeof x === 'string' && x)) { m.err(`${at}/eventType`, 'is required: an event type name (or eventTypes: a list)'); return; }
    const name = m.name(typeof h.name === 'string' ? h.name : `${(types[0] as string)}_${i}`, `${at}/name`);
    const executor = m.executorRef(h, at, plan, name);
    m.unknownFields(h, ['name', 'eventType', 'eventTypes', 'executor', 'executorId', 'description'], at);
    if (name && executor) plan.hooks.push({ name, eventTypes: types as string[], executor, ...(typeof h.description === 'string' ? { description: h.description } : {}) });
  });
  const seen = new Set<string>();
  plan.executors.forEach((e, i) => {
    if (seen.has(e.name)) m.err(`/executors/${i}/name`, `${e.name} appears twice in the import`);
    seen.add(e.name);
  });
  if (m.errors.length) throw new ImportProblems(m.errors);
  return { plan, report: m.report };
}
