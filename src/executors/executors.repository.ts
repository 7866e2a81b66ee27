// Executor and version rows: plain functions over the database (or a transaction).
import type { Db, Tx } from '../store/index.js';
import type { ExecutorsTable, ExecutorVersionsTable } from './executors.table.js';
import { withRowLock, type RowLock } from '../store/transaction.js';

type Q = Db | Tx;

export type ExecutorRow = ExecutorsTable;

export type VersionRow = ExecutorVersionsTable;

export function findExecutor(db: Q, workspaceId: string, name: string): Promise<ExecutorRow | undefined> {
  return db.selectFrom('executors').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
}

/** The executor row, locked for the rest of the transaction (PostgreSQL; SQLite transactions never interleave). */
export function lockExecutor(trx: Tx, workspaceId: string, name: string, mode: RowLock): Promise<ExecutorRow | undefined> {
  return withRowLock(trx, trx.selectFrom('executors').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name), mode).executeTakeFirst();
}

export function listExecutorRows(db: Q, workspaceId: string): Promise<ExecutorRow[]> {
  return db.selectFrom('executors').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
}

export function findVersion(db: Q, executorId: string, version: number): Promise<VersionRow | undefined> {
  return db.selectFrom('executor_versions').selectAll().where('executor_id', '=', executorId).where('version', '=', version).executeTakeFirst();
}

export function listVersionRows(db: Q, executorId: string): Promise<VersionRow[]> {
  return db.selectFrom('executor_versions').selectAll().where('executor_id', '=', executorId).orderBy('version', 'desc').execute();
}

/** The active version of an executor in one query: the invoke hot path. */
export function findActiveDefinition(db: Q, workspaceId: string, name: string) {
  return db.selectFrom('executors')
    .innerJoin('executor_versions', (j) => j.onRef('executor_versions.executor_id', '=', 'executors.id').onRef('executor_versions.version', '=', 'executors.active_version'))
    .select(['executors.id', 'executor_versions.version', 'executor_versions.definition', 'executor_versions.content_hash'])
    .where('executors.workspace_id', '=', workspaceId).where('executors.name', '=', name)
    .executeTakeFirst();
}

/** Inserts the executor unless its name is taken (then waits for a concurrent inserter to finish); true when inserted. */
export async function insertExecutorIfAbsent(db: Q, row: ExecutorRow): Promise<boolean> {
  const r = await db.insertInto('executors').values(row).onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing()).returning('id').executeTakeFirst();
  return r !== undefined;
}

export async function insertVersion(db: Q, row: VersionRow): Promise<void> {
  await db.insertInto('executor_versions').values(row).execute();
}

export async function updateExecutorPointers(db: Q, id: string, set: Partial<Pick<ExecutorRow, 'active_version' | 'latest_version' | 'type' | 'updated_at'>>): Promise<void> {
  await db.updateTable('executors').set(set).where('id', '=', id).execute();
}

export async function deleteExecutorRow(db: Q, id: string): Promise<void> {
  await db.deleteFrom('executor_versions').where('executor_id', '=', id).execute();
  await db.deleteFrom('executors').where('id', '=', id).execute();
}
