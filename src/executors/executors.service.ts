// Executors: create, change (each change an immutable version), roll back, delete (refused while bound).
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import { contentHash, normalizeDefinition, type ExecutorDefinition, type ExecutorInput } from './definition.js';
import * as repo from './executors.repository.js';
import { iso } from '../util/time.js';

export interface ExecutorSummary {
  name: string;
  type: 'code' | 'apiCall';
  description: string;
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
export type BindingLookup = (db: Db, workspaceId: string, executorName: string) => Promise<string[]>;

/** Called when the active version of an executor changes (warm workers of the old version are dropped). */
export type VersionListener = (workspaceId: string, name: string) => void | Promise<void>;


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

  async list(workspaceId: string): Promise<ExecutorSummary[]> {
    const rows = await repo.listExecutorRows(this.db, workspaceId);
    // Descriptions live in the versions; one query for all active versions keeps the list a single round trip.
    const defs = rows.length
      ? await this.db.selectFrom('executor_versions').innerJoin('executors', (j) => j.onRef('executors.id', '=', 'executor_versions.executor_id').onRef('executors.active_version', '=', 'executor_versions.version'))
        .select(['executors.id', 'executor_versions.definition']).where('executors.workspace_id', '=', workspaceId).execute()
      : [];
    const desc = new Map(defs.map((d) => [d.id, (JSON.parse(d.definition) as ExecutorDefinition).description]));
    return rows.map((r) => this.summary(r, desc.get(r.id) ?? ''));
  }

  private summary(row: repo.ExecutorRow, description: string): ExecutorSummary {
    return {
      name: row.name, type: row.type as 'code', description, activeVersion: row.active_version, latestVersion: row.latest_version,
      createdAt: iso(row.created_at), updatedAt: iso(row.updated_at),
    };
  }

  private async requireExecutor(workspaceId: string, name: string): Promise<repo.ExecutorRow> {
    const row = await repo.findExecutor(this.db, workspaceId, name);
    if (!row) throw new ProblemError('NOT_FOUND', `executor ${name} does not exist`);
    return row;
  }

  /** The executor with the definition of the given version (default: the active one). */
  async get(workspaceId: string, name: string, version?: number): Promise<ExecutorView> {
    const row = await this.requireExecutor(workspaceId, name);
    const v = await repo.findVersion(this.db, row.id, version ?? row.active_version);
    if (!v) throw new ProblemError('NOT_FOUND', `executor ${name} has no version ${version}`);
    const definition = JSON.parse(v.definition) as ExecutorDefinition;
    return { ...this.summary(row, definition.description), definition, version: versionInfo(v, row.active_version) };
  }

  async versions(workspaceId: string, name: string): Promise<VersionInfo[]> {
    const row = await this.requireExecutor(workspaceId, name);
    return (await repo.listVersionRows(this.db, row.id)).map((v) => versionInfo(v, row.active_version));
  }

  /**
   * Creates the executor or adds a version to it; the new version becomes active.
   * A definition identical to the latest version adds nothing (`changed: false`).
   */
  async apply(workspaceId: string, input: ExecutorInput, who: string, opts: { mustNotExist?: boolean; mustExist?: boolean } = {}): Promise<{ created: boolean; changed: boolean; executor: ExecutorView }> {
    const { message, ...rest } = input;
    const def = normalizeDefinition(rest);
    const hash = contentHash(def);
    const now = Date.now();
    const outcome = await this.db.transaction().execute(async (trx) => {
      const existing = await repo.findExecutor(trx, workspaceId, def.name);
      if (existing && opts.mustNotExist) throw new ProblemError('CONFLICT', `executor ${def.name} already exists; use PUT /api/executors/${def.name} to add a version`);
      if (!existing && opts.mustExist) throw new ProblemError('NOT_FOUND', `executor ${def.name} does not exist`);
      if (!existing) {
        const id = newId('exr');
        await repo.insertExecutor(trx, { id, workspace_id: workspaceId, name: def.name, type: def.type, active_version: 1, latest_version: 1, created_at: now, updated_at: now });
        await repo.insertVersion(trx, { executor_id: id, version: 1, definition: JSON.stringify(def), content_hash: hash, created_by: who, message: message ?? null, created_at: now });
        return { created: true, changed: true };
      }
      const latest = await repo.findVersion(trx, existing.id, existing.latest_version);
      if (latest?.content_hash === hash) {
        if (existing.active_version !== existing.latest_version) {
          await repo.updateExecutorPointers(trx, existing.id, { active_version: existing.latest_version, updated_at: now });
          return { created: false, changed: true };
        }
        return { created: false, changed: false };
      }
      const version = existing.latest_version + 1;
      await repo.insertVersion(trx, { executor_id: existing.id, version, definition: JSON.stringify(def), content_hash: hash, created_by: who, message: message ?? null, created_at: now });
      await repo.updateExecutorPointers(trx, existing.id, { active_version: version, latest_version: version, type: def.type, updated_at: now });
      return { created: false, changed: true };
    });
    if (outcome.changed) await this.notify(workspaceId, def.name);
    return { ...outcome, executor: await this.get(workspaceId, def.name) };
  }

  /** Makes an earlier (or later) version active again. */
  async rollback(workspaceId: string, name: string, version: number): Promise<ExecutorView> {
    const row = await this.requireExecutor(workspaceId, name);
    const v = await repo.findVersion(this.db, row.id, version);
    if (!v) throw new ProblemError('NOT_FOUND', `executor ${name} has no version ${version}`, { errors: [{ field: '/version', message: `no such version (latest is ${row.latest_version})` }] });
    const def = JSON.parse(v.definition) as ExecutorDefinition;
    await repo.updateExecutorPointers(this.db, row.id, { active_version: version, type: def.type, updated_at: Date.now() });
    await this.notify(workspaceId, name);
    return this.get(workspaceId, name);
  }

  /** Deletes an executor and its versions; refused while a binding references it. */
  async delete(workspaceId: string, name: string): Promise<void> {
    const row = await this.requireExecutor(workspaceId, name);
    const bindings = (await Promise.all(this.bindingLookups.map((l) => l(this.db, workspaceId, name)))).flat();
    if (bindings.length) {
      throw new ProblemError('CONFLICT', `executor ${name} is still referenced by ${bindings.join(', ')}; remove those bindings first`, { extra: { bindings } });
    }
    await this.db.transaction().execute((trx) => repo.deleteExecutorRow(trx, row.id));
    await this.notify(workspaceId, name);
  }
}
