// Bindings kept in Git: <dir>/bindings/<kind>.json, one JSON array per kind (sorted by name, sorted keys), read and
// checked as the server would check them, so that an invalid folder is refused before anything is sent.
import fs from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ProblemError } from '../../errors.js';
import { HookInput } from '../../events/hooks.service.js';
import { AgentBody, normalizeAgent } from '../../points/agents/agent-definition.js';
import { CallableBindingBody } from '../../points/bindings/callable-bindings.routes.js';
import { ToolBody } from '../../points/ai-tools/tools.routes.js';
import { SourceBody } from '../../points/customer-recognition/recognition.routes.js';
import { SmartAgentBody } from '../../points/smart-agents/smart-agents.routes.js';
import { jsonPointerLines, lineOf } from '../../executors-folder/json-lines.js';
import { parseJsonText, readTextIfExists, stableJson } from '../../executors-folder/json-file.js';
import type { FolderProblem } from '../../executors-folder/layout.js';

export const BINDINGS_DIR = 'bindings';

type Spec = Record<string, unknown>;

/** One binding kind as it travels between the folder and the server. */
export interface BindingKind {
  /** The file name without .json, e.g. `event-hooks`. */
  file: string;
  /** What one binding is called in messages. */
  label: string;
  /** The collection in the API (list, PUT /{name}, DELETE /{name}). */
  path: string;
  /** The request body the server validates (imported from the route, so the two cannot drift). */
  schema: TSchema;
  /** The spec the server stores for a valid body (its defaults applied), so that a hand-written file compares equal. */
  normalize(body: Spec): Spec;
  /** The spec from the API object the server lists (without timestamps and derived fields). */
  fromView(view: Spec): Spec;
  /** The binding kind whose names its `tools` field lists (smart agents name AI tools), if any. */
  toolsField?: boolean;
}

const withoutStamps = ({ createdAt: _c, updatedAt: _u, ...spec }: Spec): Spec => spec;
const or = <T>(v: unknown, d: T): T => (v === undefined ? d : (v as T));

/**
 * In the order push applies them: what a kind references is applied before it (executors first, AI tools before the
 * smart agents naming them); deletions (push --prune) go the other way.
 */
export const BINDING_KINDS: BindingKind[] = [
  {
    file: 'udfs', label: 'udf', path: '/api/udfs', schema: CallableBindingBody,
    // Mirrors callable-bindings.service toSpec.
    normalize: (b) => ({ name: b.name, executor: b.executor, description: or(b.description, '') }),
    fromView: (v) => ({ name: v.name, executor: v.executor, description: v.description }),
  },
  {
    file: 'webhooks', label: 'webhook', path: '/api/webhooks', schema: CallableBindingBody,
    normalize: (b) => ({ name: b.name, executor: b.executor, description: or(b.description, '') }),
    fromView: (v) => ({ name: v.name, executor: v.executor, description: v.description }),
  },
  {
    file: 'recognition-sources', label: 'customer recognition source', path: '/api/customer-recognition/sources', schema: SourceBody,
    // Mirrors RecognitionService.prepareSource (DEFAULT_SOURCE_PRIORITY, DEFAULT_SOURCE_TIMEOUT_MS).
    normalize: (b) => ({ name: b.name, kind: b.kind, executor: b.executor, priority: or(b.priority, 100), timeoutMs: or(b.timeoutMs, 5000) }),
    fromView: withoutStamps,
  },
  {
    file: 'ai-tools', label: 'AI tool', path: '/api/ai/tools', schema: ToolBody,
    // Mirrors ToolsService.prepare.
    normalize: (b) => ({ name: b.name, executor: b.executor, description: or(b.description, null), parameters: or(b.parameters, null), annotations: or(b.annotations, null), enabled: or(b.enabled, true) }),
    fromView: withoutStamps,
  },
  {
    file: 'agents', label: 'agent', path: '/api/agents', schema: AgentBody,
    normalize: (b) => normalizeAgent(b) as unknown as Spec,
    fromView: withoutStamps,
  },
  {
    file: 'event-hooks', label: 'event hook', path: '/api/event-hooks', schema: HookInput,
    // Mirrors the hook view: an absent retry is the default policy, kept as null so that the default can change.
    normalize: (b) => ({
      name: b.name, description: or(b.description, ''), eventTypes: b.eventTypes, filter: or(b.filter, null), executor: b.executor,
      retry: or(b.retry, null), concurrency: or(b.concurrency, null), enabled: or(b.enabled, true),
    }),
    fromView: (v) => ({
      name: v.name, description: v.description, eventTypes: v.eventTypes, filter: v.filter, executor: v.executor,
      retry: v.retryIsDefault ? null : v.retry, concurrency: v.concurrency, enabled: v.enabled,
    }),
  },
  {
    file: 'smart-agents', label: 'smart agent', path: '/api/ai/agents', schema: SmartAgentBody, toolsField: true,
    // Mirrors SmartAgentsService.prepare (DEFAULT_MAX_STEPS).
    normalize: (b) => ({
      name: b.name, systemPrompt: b.systemPrompt, model: b.model, tools: or(b.tools, []), maxSteps: or(b.maxSteps, 8),
      baseUrl: or(b.baseUrl, null), apiKeySecret: or(b.apiKeySecret, null), temperature: or(b.temperature, null),
    }),
    fromView: withoutStamps,
  },
];

/** One binding read from its kind's file. */
export interface LocalBinding {
  kind: BindingKind;
  name: string;
  /** The normalized spec (what the server would store). */
  spec: Spec;
  /** The entry as written in the file (what push sends). */
  body: Spec;
  file: string;
  /** The JSON pointer of the entry in its file (`/2`). */
  pointer: string;
  /** Where the entry starts, and the line of any of its fields. */
  line: number;
  lineOf(field: string): number | undefined;
}

/** The bindings of a folder; `managed` is false when the folder has no bindings/ directory (then push leaves them alone). */
export interface LocalBindings {
  managed: boolean;
  items: LocalBinding[];
  problems: FolderProblem[];
}

const isObject = (v: unknown): v is Spec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks every bindings file; problems are collected (file, line, field), not thrown. */
export function readBindingsFolder(dir: string): LocalBindings {
  const bdir = path.join(dir, BINDINGS_DIR);
  if (!fs.existsSync(bdir)) return { managed: false, items: [], problems: [] };
  const items: LocalBinding[] = [];
  const problems: FolderProblem[] = [];
  const known = new Map(BINDING_KINDS.map((k) => [`${k.file}.json`, k]));
  for (const entry of fs.readdirSync(bdir).sort()) {
    if (!known.has(entry)) {
      problems.push({ file: path.join(dir, BINDINGS_DIR, entry), message: `is not a bindings file (expected one of ${[...known.keys()].join(', ')})` });
      continue;
    }
    readKindFile(dir, known.get(entry)!, items, problems);
  }
  return { managed: true, items, problems };
}

function readKindFile(dir: string, kind: BindingKind, items: LocalBinding[], problems: FolderProblem[]): void {
  const file = path.join(dir, BINDINGS_DIR, `${kind.file}.json`);
  const text = readTextIfExists(file);
  if (text === undefined) return;
  let json: unknown;
  try {
    json = parseJsonText(text, file);
  } catch (err) {
    const m = /line (\d+)/.exec((err as Error).message);
    problems.push({ file, ...(m ? { line: Number(m[1]) } : {}), message: (err as Error).message.replace(`${file}: `, '') });
    return;
  }
  const lines = jsonPointerLines(text);
  const at = (pointer: string) => lineOf(lines, pointer);
  if (!Array.isArray(json)) {
    problems.push({ file, line: 1, message: `must hold a JSON array of ${kind.label}s` });
    return;
  }
  const seen = new Set<string>();
  json.forEach((entry, i) => {
    const base = `/${i}`;
    const fail = (field: string, message: string) => problems.push({ file, line: at(base + field), field: base + field, message });
    if (!isObject(entry)) return fail('', `must be an object (a ${kind.label})`);
    const before = problems.length;
    const reported = new Set<string>();
    for (const e of Value.Errors(kind.schema, entry)) {
      const field = e.path || '';
      if (reported.has(field)) continue;
      reported.add(field);
      const alternatives = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
      fail(field, alternatives?.every((a) => a.const !== undefined) ? `must be one of ${alternatives.map((a) => JSON.stringify(a.const)).join(', ')}` : e.message.toLowerCase());
    }
    if (problems.length > before) return;
    let spec: Spec;
    try {
      spec = kind.normalize(entry);
    } catch (err) {
      if (err instanceof ProblemError && err.errors) {
        for (const fe of err.errors) fail(fe.field, fe.message);
        return;
      }
      throw err;
    }
    const name = String(entry.name);
    if (seen.has(name)) return fail('/name', `${kind.label} ${name} appears twice`);
    seen.add(name);
    items.push({ kind, name, spec, body: entry, file, pointer: base, line: at(base) ?? 1, lineOf: (field) => at(base + field) });
  });
}

/** The text of a kind's file for these specs: sorted by name, sorted keys. */
export function bindingsFileText(specs: Spec[]): string {
  return stableJson([...specs].sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1)));
}

/**
 * Writes every kind's file from the server's bindings (a kind without any has no file); returns the files that
 * changed, a removed one as `-file`.
 */
export function writeBindingsFolder(dir: string, remote: Map<BindingKind, Spec[]>): string[] {
  const bdir = path.join(dir, BINDINGS_DIR);
  fs.mkdirSync(bdir, { recursive: true });
  const changed: string[] = [];
  for (const kind of BINDING_KINDS) {
    const file = path.join(bdir, `${kind.file}.json`);
    const specs = remote.get(kind) ?? [];
    if (!specs.length) {
      if (fs.existsSync(file)) {
        fs.rmSync(file);
        changed.push(`-${BINDINGS_DIR}/${kind.file}.json`);
      }
      continue;
    }
    const text = bindingsFileText(specs);
    if (readTextIfExists(file) === text) continue;
    fs.writeFileSync(file, text);
    changed.push(`${BINDINGS_DIR}/${kind.file}.json`);
  }
  return changed;
}
