// The quick-start demo, seeded at start with --demo from examples/ (kept when they already exist): the ERP secret,
// the executors (code ones only where the sandbox runs) and the bindings of examples/bindings/*.json.
import type { Outrigger } from '../server.js';
import type { HookInput } from '../events/hooks.service.js';
import { DEMO_ERP_TOKEN } from './erp.routes.js';
import { readExamples } from './examples-folder.js';

/** Seeds the demo secret, executors and bindings into the default workspace; returns what it created. */
export async function seedDemo(o: Outrigger, baseUrl: string): Promise<string[]> {
  const ws = o.defaultWorkspaceId;
  const examples = readExamples(baseUrl);
  if (!(await o.secrets.list(ws)).some((s) => s.name === 'ERP_TOKEN')) await o.secrets.put(ws, 'ERP_TOKEN', DEMO_ERP_TOKEN);
  const existing = new Set((await o.executors.list(ws)).map((e) => e.name));
  const created: string[] = [];
  const codeRuns = Boolean(o.code.sandbox);
  for (const def of [...examples.apiCalls, ...(codeRuns ? examples.code : [])]) {
    if (existing.has(def.name)) continue;
    await o.executors.apply(ws, { ...def, message: 'demo seed' }, 'demo');
    created.push(def.name);
  }
  const present = new Set([...existing, ...created]);
  // A binding of a code executor the sandbox cannot run here is left out with its executor.
  const usable = (kind: string) => (examples.bindings[kind] ?? []).filter((b) => typeof b.executor !== 'string' || present.has(b.executor)) as never[];
  const p = o.points;
  const kinds = [
    { kind: 'udfs', label: 'udf', find: (n: string) => o.udfs.find(ws, n), create: async (b: never) => { await o.udfs.create(ws, b); } },
    { kind: 'recognition-sources', label: 'source', find: (n: string) => p.recognition.sources.find(ws, n), create: async (b: never) => { await p.recognition.sources.create(ws, await p.recognition.prepareSource(ws, b)); } },
    { kind: 'agents', label: 'agent', find: (n: string) => p.agents.store.find(ws, n), create: async (b: never) => { await p.agents.store.create(ws, await p.agents.prepare(ws, b)); } },
    { kind: 'ai-tools', label: 'tool', find: (n: string) => p.tools.store.find(ws, n), create: async (b: never) => { await p.tools.store.create(ws, await p.tools.prepare(ws, b)); } },
    { kind: 'smart-agents', label: 'smart agent', find: (n: string) => p.smartAgents.store.find(ws, n), create: async (b: never) => { await p.smartAgents.store.create(ws, await p.smartAgents.prepare(ws, b)); } },
    { kind: 'event-hooks', label: 'hook', find: async (n: string) => (await o.events.hooks.list(ws)).find((h) => h.name === n), create: async (b: never) => { await o.events.hooks.put(ws, b as HookInput); } },
  ];
  for (const k of kinds) {
    for (const b of usable(k.kind)) {
      const name = (b as { name: string }).name;
      if (await k.find(name)) continue;
      await k.create(b);
      created.push(`${k.label} ${name}`);
    }
  }
  return created;
}
