// Import of the reference platform's exported definitions: maps them (reference-definitions.ts) and creates executors,
// UDFs, tools, agents and hooks in ONE transaction, so an import either lands whole or leaves nothing behind.
import type { Db } from '../store/index.js';
import { transact } from '../store/transaction.js';
import { invalid, type FieldError } from '../errors.js';
import { validateAgainst } from '../util/json-schema.js';
import { ExecutorInput } from '../executors/definition.js';
import { ExecutorsService } from '../executors/executors.service.js';
import type { InvokeService } from '../executors/invoke.service.js';
import { HookInput, HooksService } from '../events/hooks.service.js';
import { outboxSignal } from '../events/outbox.js';
import { createUdfsService } from '../points/udfs/udfs.plugin.js';
import { ToolsService } from '../points/ai-tools/tools.service.js';
import { AgentsService } from '../points/agents/agents.service.js';
import { AgentBody } from '../points/agents/agent-definition.js';
import { ImportProblems, mapReferenceExport, type ImportPlan, type ImportReport } from './reference-definitions.js';

export interface ImportResult {
  created: { [K in keyof ImportPlan]: string[] };
  report: ImportReport;
}

export class ImportService {
  constructor(private readonly deps: { db: Db; invoker: InvokeService; executors: ExecutorsService }) {}

  /** Maps and creates everything, or nothing: any refusal (a taken name, a bad schema) rolls the whole import back. */
  async import(workspaceId: string, doc: unknown, who: string): Promise<ImportResult> {
    let mapped;
    try {
      mapped = mapReferenceExport(doc);
    } catch (err) {
      if (err instanceof ImportProblems) throw invalid(err.errors);
      throw err;
    }
    const { plan, report } = mapped;
    checkShapes(plan);
    const { invoker } = this.deps;
    await transact(this.deps.db, async (trx) => {
      // Services bound to this transaction: their own transact() calls join it (store/transaction.ts).
      const tx = trx as unknown as Db;
      const executors = new ExecutorsService(tx);
      for (const e of plan.executors) await executors.apply(workspaceId, { ...e, message: 'imported from the reference platform' } as ExecutorInput, who, { mustNotExist: true });
      const udfs = createUdfsService(tx, invoker);
      for (const u of plan.udfs) await udfs.create(workspaceId, u);
      const tools = new ToolsService(tx, invoker);
      for (const t of plan.tools) await tools.store.create(workspaceId, await tools.prepare(workspaceId, t));
      const agents = new AgentsService(tx, invoker);
      for (const a of plan.agents) await agents.store.create(workspaceId, await agents.prepare(workspaceId, a));
      const hooks = new HooksService(tx);
      for (const h of plan.hooks) await hooks.put(workspaceId, h, { mustNotExist: true });
    });
    // Committed: now the warm pool and dependency builds may look at the new versions, and the dispatcher at the hooks.
    for (const e of plan.executors) await this.deps.executors.announce(workspaceId, e.name);
    if (plan.hooks.length) {
      outboxSignal.emit('hooks');
      outboxSignal.emit('deliveries');
    }
    return {
      created: { executors: plan.executors.map((x) => x.name), udfs: plan.udfs.map((x) => x.name), tools: plan.tools.map((x) => x.name), agents: plan.agents.map((x) => x.name), hooks: plan.hooks.map((x) => x.name) },
      report,
    };
  }
}

/** The mapped definitions against the same schemas the API checks, with the paths of the import. */
function checkShapes(plan: ImportPlan): void {
  const errors: FieldError[] = [];
  const check = (schema: object, value: unknown, at: string) => {
    for (const e of validateAgainst(schema, value) ?? []) errors.push({ field: `${at}${e.field === '/' ? '' : e.field}`, message: e.message });
  };
  plan.executors.forEach((e, i) => check(ExecutorInput, e, `/executors/${i}`));
  plan.agents.forEach((a, i) => check(AgentBody, a, `/agents/${i}`));
  plan.hooks.forEach((h, i) => check(HookInput, h, `/hooks/${i}`));
  if (errors.length) throw invalid(errors);
}
