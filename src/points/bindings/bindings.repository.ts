// Rows of `point_bindings`: plain functions over the database, one binding kind (`point`) at a time.
import type { Db, Tx } from '../../store/index.js';
import type { PointBindingsTable } from './bindings.table.js';

export type BindingRow = PointBindingsTable;

export function listBindingRows(db: Db | Tx, workspaceId: string, point: string): Promise<BindingRow[]> {
  return db.selectFrom('point_bindings').selectAll().where('workspace_id', '=', workspaceId).where('point', '=', point).orderBy('name').execute();
}

export function findBindingRow(db: Db | Tx, workspaceId: string, point: string, name: string): Promise<BindingRow | undefined> {
  return db.selectFrom('point_bindings').selectAll().where('workspace_id', '=', workspaceId).where('point', '=', point).where('name', '=', name).executeTakeFirst();
}

/** Inserts the binding unless its name is taken (no error, no aborted transaction); true when inserted. */
export async function insertBindingRowIfAbsent(db: Db | Tx, row: BindingRow): Promise<boolean> {
  const r = await db.insertInto('point_bindings').values(row).onConflict((oc) => oc.columns(['workspace_id', 'point', 'name']).doNothing()).returning('name').executeTakeFirst();
  return r !== undefined;
}

/** Updates the binding; false when there is no such row. */
export async function updateBindingRow(db: Db | Tx, row: Pick<BindingRow, 'workspace_id' | 'point' | 'name' | 'executor' | 'spec' | 'updated_at'>): Promise<boolean> {
  const r = await db.updateTable('point_bindings').set({ executor: row.executor, spec: row.spec, updated_at: row.updated_at })
    .where('workspace_id', '=', row.workspace_id).where('point', '=', row.point).where('name', '=', row.name).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteBindingRow(db: Db | Tx, workspaceId: string, point: string, name: string): Promise<boolean> {
  const r = await db.deleteFrom('point_bindings').where('workspace_id', '=', workspaceId).where('point', '=', point).where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Bindings of any kind that reference an executor. */
export function bindingsOfExecutor(db: Db | Tx, workspaceId: string, executor: string): Promise<Array<{ point: string; name: string }>> {
  return db.selectFrom('point_bindings').select(['point', 'name']).where('workspace_id', '=', workspaceId).where('executor', '=', executor).orderBy('point').orderBy('name').execute();
}
