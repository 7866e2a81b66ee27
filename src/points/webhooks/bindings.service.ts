// A simple named binding {name, executor, description} of an integration point (webhooks, UDFs): CRUD with the
// executor checked to exist, the lookup that keeps a bound executor from being deleted, and the call itself.
import type { Db } from '../../store/index.js';
import type { BindingsTable } from '../../store/schema.js';
import { ProblemError } from '../../errors.js';
import { findExecutor } from '../../executors/executors.repository.js';
import type { BindingLookup } from '../../executors/executors.service.js';
import type { InvokeService, InvocationResult } from '../../executors/invoke.service.js';
import type { Trigger } from '../../executors/run-context.js';

export interface Binding {
  name: string;
  executor: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface BindingInput {
  name: string;
  executor: string;
  description?: string;
}

/** Something outside the point that refers to a binding (e.g. the ticket settings naming the reply webhook). */
export type BindingReferenceCheck = (workspaceId: string, bindingName: string) => Promise<string[]>;

const iso = (ms: number) => new Date(ms).toISOString();
const toBinding = (r: BindingsTable): Binding => ({ name: r.name, executor: r.executor, description: r.description, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) });

export class BindingsService {
  private readonly referenceChecks: BindingReferenceCheck[] = [];

  constructor(
    private readonly db: Db,
    private readonly invoker: InvokeService,
    /** The table and what one binding is called in messages and in the executor delete refusal. */
    readonly spec: { table: 'webhooks' | 'udfs'; kind: 'webhook' | 'udf'; trigger: Trigger },
  ) {}

  /** Names the bindings that use an executor (register with ExecutorsService.registerBindingLookup). */
  readonly lookup: BindingLookup = async (db, workspaceId, executorName) => {
    const rows = await db.selectFrom(this.spec.table).select('name').where('workspace_id', '=', workspaceId).where('executor', '=', executorName).orderBy('name').execute();
    return rows.map((r) => `${this.spec.kind} ${r.name}`);
  };

  /** Refuse deleting a binding while something else refers to it. */
  addReferenceCheck(check: BindingReferenceCheck): void {
    this.referenceChecks.push(check);
  }

  async list(workspaceId: string): Promise<Binding[]> {
    const rows = await this.db.selectFrom(this.spec.table).selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
    return rows.map(toBinding);
  }

  async find(workspaceId: string, name: string): Promise<Binding | undefined> {
    const row = await this.db.selectFrom(this.spec.table).selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
    return row && toBinding(row);
  }

  async get(workspaceId: string, name: string): Promise<Binding> {
    const b = await this.find(workspaceId, name);
    if (!b) throw new ProblemError('NOT_FOUND', `${this.spec.kind} ${name} does not exist`);
    return b;
  }

  private async requireExecutor(workspaceId: string, executor: string): Promise<void> {
    if (!(await findExecutor(this.db, workspaceId, executor))) {
      throw new ProblemError('VALIDATION_FAILED', `executor ${executor} does not exist`, { errors: [{ field: '/executor', message: `no executor named "${executor}" in this workspace` }] });
    }
  }

  /** Creates a binding; 409 when the name is taken. */
  async create(workspaceId: string, input: BindingInput, now = Date.now()): Promise<Binding> {
    await this.requireExecutor(workspaceId, input.executor);
    if (await this.find(workspaceId, input.name)) throw new ProblemError('CONFLICT', `${this.spec.kind} ${input.name} already exists; use PUT to replace it`);
    try {
      await this.db.insertInto(this.spec.table).values({ workspace_id: workspaceId, name: input.name, executor: input.executor, description: input.description ?? '', created_at: now, updated_at: now }).execute();
    } catch (err) {
      // Two concurrent creates: the primary key decides, the loser gets the same answer as above.
      if (await this.find(workspaceId, input.name)) throw new ProblemError('CONFLICT', `${this.spec.kind} ${input.name} already exists`, { cause: err });
      throw err;
    }
    return this.get(workspaceId, input.name);
  }

  /** Creates or replaces a binding. */
  async replace(workspaceId: string, input: BindingInput, now = Date.now()): Promise<{ created: boolean; binding: Binding }> {
    await this.requireExecutor(workspaceId, input.executor);
    const res = await this.db.updateTable(this.spec.table).set({ executor: input.executor, description: input.description ?? '', updated_at: now })
      .where('workspace_id', '=', workspaceId).where('name', '=', input.name).executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) return { created: false, binding: await this.get(workspaceId, input.name) };
    return { created: true, binding: await this.create(workspaceId, input, now) };
  }

  /** Deletes a binding; refused while something refers to it. */
  async delete(workspaceId: string, name: string): Promise<void> {
    await this.get(workspaceId, name);
    const refs = (await Promise.all(this.referenceChecks.map((c) => c(workspaceId, name)))).flat();
    if (refs.length) throw new ProblemError('CONFLICT', `${this.spec.kind} ${name} is still referenced by ${refs.join(', ')}`, { extra: { references: refs } });
    await this.db.deleteFrom(this.spec.table).where('workspace_id', '=', workspaceId).where('name', '=', name).execute();
  }

  /** The executor a binding names, or undefined (e.g. the UDF resolver of the SDK). */
  async executorOf(workspaceId: string, name: string): Promise<string | undefined> {
    return (await this.find(workspaceId, name))?.executor;
  }

  /** Runs the bound executor and waits for it; 404 for an unknown binding. */
  async call(workspaceId: string, name: string, input: unknown, opts: { triggerRef?: string } = {}): Promise<InvocationResult> {
    const b = await this.get(workspaceId, name);
    return this.invoker.invoke({ workspaceId, executorName: b.executor, input, trigger: this.spec.trigger, triggerRef: opts.triggerRef ?? name });
  }
}
