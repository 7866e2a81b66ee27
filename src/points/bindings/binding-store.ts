// A typed store for one binding kind (sources, agents, tools, smart agents, webhooks, UDFs): CRUD with 404/409 problems and change listeners.
import type { Db, Tx } from '../../store/index.js';
import { ProblemError } from '../../errors.js';
import { holdExecutor } from '../../executors/executor-references.js';
import { lockKey, RetryTransaction, transact } from '../../store/transaction.js';
import * as repo from './bindings.repository.js';
import { iso } from '../../util/time.js';

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
  private readonly uniques: Array<{ field: keyof T & string; clash: (other: T) => ProblemError }> = [];

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

  /**
   * Keeps a field's value unique among this kind's bindings of a workspace (e.g. one agent per intent). Checked
   * inside the write's transaction under a lock on the value, so two concurrent writers cannot both pass.
   */
  uniqueField(field: keyof T & string, clash: (other: T) => ProblemError): void {
    this.uniques.push({ field, clash });
  }

  private async changed(workspaceId: string, name: string): Promise<void> {
    for (const l of this.listeners) await l(workspaceId, name);
  }

  private view(row: repo.BindingRow): Stored<T> {
    return { spec: JSON.parse(row.spec) as T, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
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

  /** Creates a binding; 409 when the name is taken. */
  async create(workspaceId: string, spec: T, now = Date.now()): Promise<Stored<T>> {
    await this.write(workspaceId, spec, 'create', now);
    await this.changed(workspaceId, spec.name);
    return this.get(workspaceId, spec.name);
  }

  /** Creates or replaces; `created` tells which. */
  async replace(workspaceId: string, spec: T, now = Date.now()): Promise<{ created: boolean; stored: Stored<T> }> {
    const created = await this.write(workspaceId, spec, 'replace', now);
    await this.changed(workspaceId, spec.name);
    return { created, stored: await this.get(workspaceId, spec.name) };
  }

  /**
   * One transaction per write: the executor it names is held against deletion, unique fields are checked under a
   * lock, then the row is inserted (or, for a replace, updated when the name exists). True when inserted.
   */
  private write(workspaceId: string, spec: T, mode: 'create' | 'replace', now: number): Promise<boolean> {
    const row = { workspace_id: workspaceId, point: this.point, name: spec.name, executor: spec.executor ?? null, spec: JSON.stringify(spec), created_at: now, updated_at: now };
    return transact(this.db, async (trx) => {
      if (spec.executor) await holdExecutor(trx, workspaceId, spec.executor);
      for (const u of this.uniques) await this.checkUnique(trx, workspaceId, spec, u);
      if (await repo.insertBindingRowIfAbsent(trx, row)) return true;
      if (mode === 'create') throw new ProblemError('CONFLICT', `${this.label} ${spec.name} already exists; use PUT to replace it`);
      // Deleted by someone else since the insert found it: start over (this time the insert wins).
      if (!(await repo.updateBindingRow(trx, row))) throw new RetryTransaction(`${this.label} ${spec.name} vanished while being replaced`);
      return false;
    });
  }

  private async checkUnique(trx: Tx, workspaceId: string, spec: T, u: (typeof this.uniques)[number]): Promise<void> {
    const value = spec[u.field];
    if (value === undefined || value === null) return;
    await lockKey(trx, `point_bindings:${workspaceId}:${this.point}:${u.field}:${String(value)}`);
    const other = (await repo.listBindingRows(trx, workspaceId, this.point)).map((r) => JSON.parse(r.spec) as T)
      .find((o) => o[u.field] === value && o.name !== spec.name);
    if (other) throw u.clash(other);
  }

  async delete(workspaceId: string, name: string): Promise<void> {
    for (const g of this.deleteGuards) await g(workspaceId, name);
    if (!(await repo.deleteBindingRow(this.db, workspaceId, this.point, name))) throw new ProblemError('NOT_FOUND', `${this.label} ${name} does not exist`);
    await this.changed(workspaceId, name);
  }
}

// Webhooks and UDFs are named first, as when they had their own lookups; the sort is stable, so the rest keep the
// repository's order (point, then name).
const lookupRank = (point: string): number => (point === 'webhook' ? 0 : point === 'udf' ? 1 : 2);

/** The binding lookup for ExecutorsService: names every binding (of any kind) that references an executor. */
export function pointBindingLookup() {
  return async (db: Db | Tx, workspaceId: string, executor: string): Promise<string[]> =>
    (await repo.bindingsOfExecutor(db, workspaceId, executor))
      .sort((a, b) => lookupRank(a.point) - lookupRank(b.point))
      .map((b) => `${POINT_LABELS[b.point as PointKind] ?? b.point} ${b.name}`);
}
