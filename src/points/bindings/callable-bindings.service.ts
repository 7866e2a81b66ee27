// A simple named binding {name, executor, description} of an integration point (webhooks, UDFs): CRUD with the
// executor checked to exist, reference checks that refuse deleting a binding still in use, and the call itself.
import type { Db } from '../../store/index.js';
import { ProblemError } from '../../errors.js';
import type { InvokeService, InvocationResult } from '../../executors/invoke.service.js';
import type { Trigger } from '../../executors/run-context.js';
import { BindingStore, type Stored } from './binding-store.js';

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

/** What `point_bindings.spec` holds for a webhook or UDF. */
interface BindingSpec {
  name: string;
  executor: string;
  description: string;
}

const toBinding = (s: Stored<BindingSpec>): Binding => ({ name: s.spec.name, executor: s.spec.executor, description: s.spec.description, createdAt: s.createdAt, updatedAt: s.updatedAt });
const toSpec = (input: BindingInput): BindingSpec => ({ name: input.name, executor: input.executor, description: input.description ?? '' });

/** A webhook or UDF point over `point_bindings` (kind = point); the executors lookup is `pointBindingLookup`. */
export class BindingsService {
  private readonly referenceChecks: BindingReferenceCheck[] = [];
  private readonly store: BindingStore<BindingSpec>;

  constructor(
    private readonly db: Db,
    private readonly invoker: InvokeService,
    /** The point kind (also what one binding is called in messages) and the trigger of its calls. */
    readonly spec: { kind: 'webhook' | 'udf'; trigger: Trigger },
  ) {
    this.store = new BindingStore<BindingSpec>(db, spec.kind);
  }

  /** Refuse deleting a binding while something else refers to it. */
  addReferenceCheck(check: BindingReferenceCheck): void {
    this.referenceChecks.push(check);
  }

  async list(workspaceId: string): Promise<Binding[]> {
    return (await this.store.list(workspaceId)).map(toBinding);
  }

  async find(workspaceId: string, name: string): Promise<Binding | undefined> {
    const s = await this.store.find(workspaceId, name);
    return s && toBinding(s);
  }

  async get(workspaceId: string, name: string): Promise<Binding> {
    return toBinding(await this.store.get(workspaceId, name));
  }

  /** Creates a binding; 409 when the name is taken. */
  async create(workspaceId: string, input: BindingInput, now = Date.now()): Promise<Binding> {
    return toBinding(await this.store.create(workspaceId, toSpec(input), now));
  }

  /** Creates or replaces a binding. */
  async replace(workspaceId: string, input: BindingInput, now = Date.now()): Promise<{ created: boolean; binding: Binding }> {
    const r = await this.store.replace(workspaceId, toSpec(input), now);
    return { created: r.created, binding: toBinding(r.stored) };
  }

  /** Deletes a binding; refused while something refers to it. */
  async delete(workspaceId: string, name: string): Promise<void> {
    await this.store.get(workspaceId, name);
    const refs = (await Promise.all(this.referenceChecks.map((c) => c(workspaceId, name)))).flat();
    if (refs.length) throw new ProblemError('CONFLICT', `${this.spec.kind} ${name} is still referenced by ${refs.join(', ')}`, { extra: { references: refs } });
    await this.store.delete(workspaceId, name);
  }

  /** The executor a binding names, or undefined (e.g. the UDF resolver of the SDK). */
  async executorOf(workspaceId: string, name: string): Promise<string | undefined> {
    return (await this.store.find(workspaceId, name))?.spec.executor;
  }

  /** Runs the bound executor and waits for it; 404 for an unknown binding. */
  async call(workspaceId: string, name: string, input: unknown, opts: { triggerRef?: string; idempotencyKey?: string } = {}): Promise<InvocationResult> {
    const b = await this.get(workspaceId, name);
    return this.invoker.invoke({ workspaceId, executorName: b.executor, input, trigger: this.spec.trigger, triggerRef: opts.triggerRef ?? name, idempotencyKey: opts.idempotencyKey });
  }
}
