// A typed store for one binding kind (sources, agents, tools, smart agents, webhooks, UDFs): CRUD with 404/409 problems and change listeners.
import type { Db } from '../../store/index.js';
import { ProblemError } from '../../errors.js';
import { findExecutor } from '../../executors/executors.repository.js';
import * as repo from './bindings.repository.js';

/** The binding kinds, with the words used in error messages. */
export const POINT_LABELS = {
  webhook: 'webhook',
  udf: 'udf',
  recognitionSource: 'customer recognition source',
  agent: 'agent',
  aiTool: 'AI tool',
  aiAgent: 'smart agent',
} as const;
export type PointKind = keyof typeof POINT_LABELS;

export interface Stored<T> {
  spec: T;
  createdAt: string;
  updatedAt: string;
}

type ChangeListener = (workspaceId: string, name: string) => Promise<void> | void;

/** CRUD over `point_bindings` for one kind; specs are stored as their API objects. */
export class BindingStore<T extends { name: string; executor?: string }> {
  private readonly listeners: ChangeListener[] = [];
  private readonly deleteGuards: Array<(workspaceId: string, name: string) => Promise<void>> = [];

  constructor(private readonly db: Db, readonly point: PointKind) {}

  get label(): string {
    return POINT_LABELS[this.point];
  }

  /** Called after every create, replace and delete (e.g. to invalidate a cache). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Runs before a delete; throws (e.g. 409) to refuse it while something else still references the binding. */
  guardDelete(guard: (workspaceId: string, name: string) => Promise<void>): void {
    this.deleteGuards.push(guard);
  }

  private async changed(workspaceId: string, name: string): Promise<void> {
    for (const l of this.listeners) await l(workspaceId, name);
  }

  private view(row: repo.BindingRow): Stored<T> {
    return { spec: JSON.parse(row.spec) as T, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
  }

  async list(workspaceId: string): Promise<Array<Stored<T>>> {
    return (await repo.listBindingRows(this.db, workspaceId, this.point)).map((r) => this.view(r));
  }

  async find(workspaceId: string, name: string): Promise<Stored<T> | undefined> {
    const row = await repo.findBindingRow(this.db, workspaceId, this.point, name);
    return row ? this.view(row) : undefined;
  }

  /** The binding, or a 404 problem naming it. */
  async get(workspaceId: string, name: string): Promise<Stored<T>> {
    const found = await this.find(workspaceId, name);
    if (!found) throw new ProblemError('NOT_FOUND', `${this.label} ${name} does not exist`);
    return found;
  }

  async create(workspaceId: string, spec: T, now = Date.now()): Promise<Stored<T>> {
    try {
      await repo.insertBindingRow(this.db, { workspace_id: workspaceId, point: this.point, name: spec.name, executor: spec.executor ?? null, spec: JSON.stringify(spec), created_at: now, updated_at: now });
    } catch (err) {
      if (await this.find(workspaceId, spec.name)) throw new ProblemError('CONFLICT', `${this.label} ${spec.name} already exists; use PUT to replace it`);
      throw err;
    }
    await this.changed(workspaceId, spec.name);
    return this.get(workspaceId, spec.name);
  }

  /** Creates or replaces; `created` tells which. */
  async replace(workspaceId: string, spec: T, now = Date.now()): Promise<{ created: boolean; stored: Stored<T> }> {
    const existing = await repo.findBindingRow(this.db, workspaceId, this.point, spec.name);
    if (!existing) return { created: true, stored: await this.create(workspaceId, spec, now) };
    await repo.updateBindingRow(this.db, { workspace_id: workspaceId, point: this.point, name: spec.name, executor: spec.executor ?? null, spec: JSON.stringify(spec), updated_at: now });
    await this.changed(workspaceId, spec.name);
    return { created: false, stored: await this.get(workspaceId, spec.name) };
  }

  async delete(workspaceId: string, name: string): Promise<void> {
    for (const g of this.deleteGuards) await g(workspaceId, name);
    if (!(await repo.deleteBindingRow(this.db, workspaceId, this.point, name))) throw new ProblemError('NOT_FOUND', `${this.label} ${name} does not exist`);
    await this.changed(workspaceId, name);
  }
}

/** Refuses a binding whose executor does not exist (400 on the `executor` field). */
export async function requireExecutorExists(db: Db, workspaceId: string, executor: string, field = '/executor'): Promise<void> {
  if (!(await findExecutor(db, workspaceId, executor))) {
    throw new ProblemError('VALIDATION_FAILED', `executor ${executor} does not exist`, { errors: [{ field, message: `executor ${executor} does not exist` }] });
  }
}

// Webhooks and UDFs are named first, as when they had their own lookups; the sort is stable, so the rest keep the
// repository's order (point, then name).
const lookupRank = (point: string): number => (point === 'webhook' ? 0 : point === 'udf' ? 1 : 2);

/** The binding lookup for ExecutorsService: names every binding (of any kind) that references an executor. */
export function pointBindingLookup() {
  return async (db: Db, workspaceId: string, executor: string): Promise<string[]> =>
    (await repo.bindingsOfExecutor(db, workspaceId, executor))
      .sort((a, b) => lookupRank(a.point) - lookupRank(b.point))
      .map((b) => `${POINT_LABELS[b.point as PointKind] ?? b.point} ${b.name}`);
}
