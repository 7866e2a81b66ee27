// The transactional outbox: appendEvent writes an event inside the caller's transaction, so the event
// exists exactly when the change that caused it was committed.
import type { Db, Tx } from '../store/index.js';
import { newId } from '../ids.js';

export interface NewEvent {
  type: string;
  subject?: string | null;
  data: unknown;
  source?: string;
  occurredAt?: number;
}

export interface StoredEvent {
  id: string;
  seq: number;
  workspaceId: string;
  type: string;
  subject: string | null;
  data: unknown;
  source: string | null;
  occurredAt: string;
}

/** Writes an event in the given transaction (or connection); returns its id. */
export async function appendEvent(q: Db | Tx, workspaceId: string, e: NewEvent): Promise<string> {
  const id = newId('evt');
  await q.insertInto('events').values({
    id, workspace_id: workspaceId, type: e.type, subject: e.subject ?? null, data: JSON.stringify(e.data ?? null),
    source: e.source ?? null, occurred_at: e.occurredAt ?? Date.now(),
  }).execute();
  return id;
}
