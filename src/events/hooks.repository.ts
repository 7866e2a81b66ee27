// Event hook rows: plain queries over `event_hooks`, scoped by workspace.
import type { Db, Tx } from '../store/index.js';
import type { EventHooksTable } from './hooks.table.js';

export type HookRow = EventHooksTable;

export function listHookRows(db: Db, workspaceId: string) {
  return db.selectFrom('event_hooks').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
}

export function findHookRow(db: Db | Tx, workspaceId: string, name: string) {
  return db.selectFrom('event_hooks').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
}

export async function insertHookRow(db: Db | Tx, row: HookRow): Promise<void> {
  await db.insertInto('event_hooks').values(row).execute();
}

export async function updateHookRow(db: Db | Tx, id: string, values: Partial<HookRow>): Promise<void> {
  await db.updateTable('event_hooks').set(values).where('id', '=', id).execute();
}

/** Deletes a hook; its deliveries that have not finished are cancelled (kept for the trace). */
export async function deleteHookRow(trx: Tx, id: string, now: number): Promise<void> {
  await trx.deleteFrom('event_hooks').where('id', '=', id).execute();
  await trx.updateTable('deliveries').set({ status: 'cancelled', locked_by: null, locked_until: null, updated_at: now })
    .where('hook_id', '=', id).where('status', 'in', ['pending', 'running']).execute();
}

/** Names of the hooks that call an executor (for the executors' delete guard). */
export async function hookNamesUsingExecutor(db: Db | Tx, workspaceId: string, executor: string): Promise<string[]> {
  const rows = await db.selectFrom('event_hooks').select('name').where('workspace_id', '=', workspaceId).where('executor', '=', executor).orderBy('name').execute();
  return rows.map((r) => `event hook ${r.name}`);
}
