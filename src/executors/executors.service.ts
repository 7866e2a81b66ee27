// Executors: create, change (each change an immutable version), roll back, delete (refused while bound).
import type { Db, Tx } from '../store/index.js';
import { RetryTransaction, transact } from '../store/transaction.js';
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import { contentHash, normalizeDefinition, type ExecutorDefinition, type ExecutorInput } from './definition.js';
import * as repo from './executors.repository.js';
import { iso } from '../util/time.js';

export interface ExecutorSummary {
  name: string;
  type: 'code' | 'apiCall';
  description: string;
  /** Language of a code executor's active version; null for an API call. */
  language: string | null;
  activeVersion: number;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface VersionInfo {
  version: number;
  contentHash: string;
  createdBy: string;
  createdAt: string;
  message: string | null;
  active: boolean;
}

export interface ExecutorView extends ExecutorSummary {
  definition: ExecutorDefinition;
  version: VersionInfo;
}

/** Finds the bindings (hooks, tools, …) that reference an executor; integration points register one each. */
export type BindingLookup = (db: Db | Tx, workspaceId: string, executorName: string) => Promise<string[]>;

/** Called when the active version of an executor changes (warm workers of the old version are dropped). */
export type VersionListener = (workspaceId: string, name: string) => void | Promise<void>;


const notFound = (name: string) => new ProblemError('NOT_FOUND', `executor ${name} does not exist`);

function versionInfo(row: repo.VersionRow, activeVersion: number): VersionInfo {
  return { version: row.version, contentHash: row.content_hash, createdBy: row.created_by, createdAt: iso(row.created_at), message: row.message, active: row.version === activeVersion };
}

export class ExecutorsService {
  private readonly bindingLookups: BindingLookup[] = [];
  private readonly versionListeners: VersionListener[] = [];

  constructor(private readonly db: Db) {}

  registerBindingLookup(lookup: BindingLookup): void {
    this.bindingLookups.push(lookup);
  }

  onVersionChange(listener: VersionListener): void {
    this.versionListeners.push(listener);
  }

  private async notify(workspaceId: string, name: string): Promise<void> {
    for (const l of this.versionListeners) await l(workspaceId, name);
  }

  /** Tells the version listeners (warm workers, dependency builds) about a version another unit of work wrote and committed (an import). */
  async announce(workspaceId: string, name: string): Promise<void> {
    await this.notify(workspaceId, name);
  }

  async list(workspaceId: string): Promise<ExecutorSummary[]> {
    const rows = await repo.listExecutorRows(this.db, workspaceId);
    // Descriptions live in the versions; one query for all active versions keeps the list a single round trip.
    const defs = rows.length
      ? await this.db.selectFrom('executor_versions').innerJoin('executors', (j) => j.onRef('executors.id', '=', 'executor_versions.executor_id').onRef('executors.active_version', '=', 'executor_versions.version'))
        .select(['executors.id', 'executor_versions.definition']).where('executors.workspace_id', '=', workspaceId).execute()
      : [];
    const active = new Map(defs.map((d) => [d.id, JSON.parse(d.definition) as ExecutorDefinition]));
    return rows.map((r) => this.summary(r, active.get(r.id)));
  }

  private summary(row: repo.ExecutorRow, def: ExecutorDefinition | undefined): ExecutorSummary {
    return {
      name: row.name, type: row.type as 'code', description: def?.description ?? '', language: def?.code?.language ?? null, activeVersion: row.active_version, latestVersion: row.latest_version,
      createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
    };
  }

  private async requireExecutor(workspaceId: string, name: string): Promise<repo.ExecutorRow> {
    const row = await repo.findExecutor(this.db, workspaceId, name);
    if (!row) throw notFound(name);
    return row;
  }

  /** The executor with the definition of the given version (default: the active one). */
  async get(workspaceId: string, name: string, version?: number): Promise<ExecutorView> {
    const row = await this.requireExecutor(workspaceId, name);
    const v = await repo.findVersion(this.db, row.id, version ?? row.active_version);
    if (!v) throw new ProblemError('NOT_FOUND', `executor ${name} has no version ${version}`);
    return this.view(row, v);
  }

  async versions(workspaceId: string, name: string): Promise<VersionInfo[]> {
    const row = await this.requireExecutor(workspaceId, name);
    return (await repo.listVersionRows(this.db, row.id)).map((v) => versionInfo(v, row.active_version));
  }

  /**
   * Creates the executor or adds a version to it; the new version becomes active.
   * A definition identical to the latest version adds nothing (`changed: false`).
   * Concurrent calls for one name serialise on the executor row, so versions stay contiguous and exactly one is active;
   * the answer shows the version this call wrote (or found identical).
   */
  async apply(workspaceId: string, input: ExecutorInput, who: string, opts: { mustNotExist?: boolean; mustExist?: boolean } = {}): Promise<{ created: boolean; changed: boolean; executor: ExecutorView }> {
    const { message, ...rest } = input;
    const def = normalizeDefinition(rest);
    const hash = contentHash(def);
    const definition = JSON.stringify(def);
    const exists = () => new ProblemError('CONFLICT', `executor ${def.name} already exists; use PUT /api/executors/${def.name} to add a version`);
    const outcome = await transact(this.db, async (trx) => {
      const now = Date.now();
      let existing = await repo.lockExecutor(trx, workspaceId, def.name, 'noKeyUpdate');
      if (existing && opts.mustNotExist) throw exists();
      if (!existing) {
        if (opts.mustExist) throw new ProblemError('NOT_FOUND', `executor ${def.name} does not exist`);
        const id = newId('exr');
        // ON CONFLICT DO NOTHING: a concurrent creator's row wins without an error; this call then adds a version to it.
        const row: repo.ExecutorRow = { id, workspace_id: workspaceId, name: def.name, type: def.type, active_version: 1, latest_version: 1, created_at: now, updated_at: now };
        if (await repo.insertExecutorIfAbsent(trx, row)) {
          const v: repo.VersionRow = { executor_id: id, version: 1, definition, content_hash: hash, created_by: who, message: message ?? null, created_at: now };
          await repo.insertVersion(trx, v);
          return { created: true, changed: true, view: this.view(row, v) };
        }
        if (opts.mustNotExist) throw exists();
        existing = await repo.lockExecutor(trx, workspaceId, def.name, 'noKeyUpdate');
        // Created and deleted again by others between our two statements: start over.
        if (!existing) throw new RetryTransaction(`executor ${def.name} vanished while being changed`);
      }
      // The row is locked: the views below are built from what this transaction read and wrote, without reading again.
      const latest = await repo.findVersion(trx, existing.id, existing.latest_version);
      if (latest?.content_hash === hash) {
        if (existing.active_version !== existing.latest_version) {
          await repo.updateExecutorPointers(trx, existing.id, { active_version: existing.latest_version, updated_at: now });
          return { created: false, changed: true, view: this.view({ ...existing, active_version: existing.latest_version, updated_at: now }, latest) };
        }
        return { created: false, changed: false, view: this.view(existing, latest) };
      }
      const version = existing.latest_version + 1;
      const v: repo.VersionRow = { executor_id: existing.id, version, definition, content_hash: hash, created_by: who, message: message ?? null, created_at: now };
      await repo.insertVersion(trx, v);
      const pointers = { active_version: version, latest_version: version, type: def.type, updated_at: now };
      await repo.updateExecutorPointers(trx, existing.id, pointers);
      return { created: false, changed: true, view: this.view({ ...existing, ...pointers }, v) };
    });
    if (outcome.changed) await this.notify(workspaceId, def.name);
    return { created: outcome.created, changed: outcome.changed, executor: outcome.view };
  }

  /** The view of one version as the transaction sees it (the executor row is locked by the caller). */
  private async viewIn(trx: Tx, workspaceId: string, name: string, version: number): Promise<ExecutorView> {
    const row = await repo.findExecutor(trx, workspaceId, name);
    const v = row && await repo.findVersion(trx, row.id, version);
    if (!row || !v) throw new Error(`executor ${name} version ${version} missing inside its own transaction`);
    return this.view(row, v);
  }

  private view(row: repo.ExecutorRow, v: repo.VersionRow): ExecutorView {
    const definition = JSON.parse(v.definition) as ExecutorDefinition;
    return { ...this.summary(row, definition), definition, version: versionInfo(v, row.active_version) };
  }

  /** Makes an earlier (or later) version active again. */
  async rollback(workspaceId: string, name: string, version: number): Promise<ExecutorView> {
    const view = await transact(this.db, async (trx) => {
      const row = await repo.lockExecutor(trx, workspaceId, name, 'noKeyUpdate');
      if (!row) throw notFound(name);
      const v = await repo.findVersion(trx, row.id, version);
      if (!v) throw new ProblemError('NOT_FOUND', `executor ${name} has no version ${version}`, { errors: [{ field: '/version', message: `no such version (latest is ${row.latest_version})` }] });
      const def = JSON.parse(v.definition) as ExecutorDefinition;
      await repo.updateExecutorPointers(trx, row.id, { active_version: version, type: def.type, updated_at: Date.now() });
      return this.viewIn(trx, workspaceId, name, version);
    });
    await this.notify(workspaceId, name);
    return view;
  }

  /**
   * Deletes an executor and its versions; refused while a binding references it. The executor row is locked before
   * the bindings are looked up and binding writers lock it too, so a binding created concurrently either is seen
   * here (409) or finds the executor gone (400): never both succeed.
   */
  async delete(workspaceId: string, name: string): Promise<void> {
    await transact(this.db, async (trx) => {
      const row = await repo.lockExecutor(trx, workspaceId, name, 'update');
      if (!row) throw notFound(name);
      const bindings: string[] = [];
      // One after the other: they share the transaction's single connection.
      for (const lookup of this.bindingLookups) bindings.push(...await lookup(trx, workspaceId, name));
      if (bindings.length) {
        throw new ProblemError('CONFLICT', `executor ${name} is still referenced by ${bindings.join(', ')}; remove those bindings first`, { extra: { bindings } });
      }
      await repo.deleteExecutorRow(trx, row.id);
    });
    await this.notify(workspaceId, name);
  }
}
