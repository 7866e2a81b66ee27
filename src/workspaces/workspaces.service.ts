// Workspaces: the tenant boundary; every row of every feature belongs to one.
import type { Db } from '../store/index.js';
import { newId } from '../ids.js';
import { ProblemError } from '../errors.js';
import { iso } from '../util/time.js';

export interface Workspace {
  id: string;
  name: string;
  timeZone: string;
  createdAt: string;
}

export const DEFAULT_WORKSPACE = 'default';

function toWorkspace(row: { id: string; name: string; time_zone: string; created_at: number }): Workspace {
  return { id: row.id, name: row.name, timeZone: row.time_zone, createdAt: iso(row.created_at) };
}

export async function findWorkspaceByName(db: Db, name: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toWorkspace(row);
}

export async function getWorkspace(db: Db, id: string): Promise<Workspace> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ProblemError('NOT_FOUND', `workspace ${id} does not exist`);
  return toWorkspace(row);
}

/** Creates a workspace; a name already taken is a conflict. */
export async function createWorkspace(db: Db, name: string, timeZone: string): Promise<Workspace> {
  if (await findWorkspaceByName(db, name)) throw new ProblemError('CONFLICT', `workspace "${name}" already exists`);
  const row = { id: newId('ws'), name, time_zone: timeZone, created_at: Date.now() };
  await db.insertInto('workspaces').values(row).execute();
  return toWorkspace(row);
}

/** The default workspace, created on first start. */
export async function ensureDefaultWorkspace(db: Db, timeZone: string): Promise<Workspace> {
  const existing = await findWorkspaceByName(db, DEFAULT_WORKSPACE);
  if (existing) return existing;
  try {
    return await createWorkspace(db, DEFAULT_WORKSPACE, timeZone);
  } catch (err) {
    // Two nodes starting at once: the other one won the race.
    const again = await findWorkspaceByName(db, DEFAULT_WORKSPACE);
    if (again) return again;
    throw err;
  }
}
