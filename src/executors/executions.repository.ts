// Execution records: written once when a run ends, listed newest first by a cursor on `seq`.
import type { Db } from '../store/index.js';
import type { ExecutionsTable } from './executions.table.js';

export type ExecutionRow = Omit<ExecutionsTable, 'seq'> & { seq?: number };

const MAX_BATCH = 50;

/**
 * Group commit of execution records: rows recorded in the same turn of the event loop are written by one
 * multi-row INSERT (one commit) instead of one transaction each. Each caller still waits for its own row
 * to be committed, so nothing is acknowledged before it is stored; an idle server adds no delay.
 */
export class ExecutionRecorder {
  private queue: Array<{ row: ExecutionRow; resolve(): void; reject(err: unknown): void }> = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

  record(row: ExecutionRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.db.insertInto('executions').values(batch.map(({ row: { seq: _seq, ...values } }) => values)).execute();
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }
}

export interface ExecutionFilter {
  executor?: string;
  status?: string;
  trigger?: string;
  rootId?: string;
  /** Started at or after / before these epoch ms. */
  from?: number;
  to?: number;
  /** Return rows with seq below this (the cursor of the previous page). */
  before?: number;
  limit: number;
}

export function listExecutionRows(db: Db, workspaceId: string, f: ExecutionFilter) {
  let q = db.selectFrom('executions').select(['seq', 'id', 'executor_name', 'executor_version', 'executor_type', 'trigger', 'trigger_ref', 'parent_id', 'root_id', 'status', 'error', 'duration_ms', 'queue_ms', 'cold_start', 'attempt', 'started_at', 'finished_at'])
    .where('workspace_id', '=', workspaceId);
  if (f.executor) q = q.where('executor_name', '=', f.executor);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.trigger) q = q.where('trigger', '=', f.trigger);
  if (f.rootId) q = q.where('root_id', '=', f.rootId);
  if (f.from !== undefined) q = q.where('started_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('started_at', '<', f.to);
  if (f.before !== undefined) q = q.where('seq', '<', f.before);
  return q.orderBy('seq', 'desc').limit(f.limit).execute();
}

export function findExecutionRow(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('executions').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export function listChildren(db: Db, workspaceId: string, parentId: string) {
  return db.selectFrom('executions').select(['id', 'executor_name', 'status', 'duration_ms', 'trigger', 'started_at'])
    .where('workspace_id', '=', workspaceId).where('parent_id', '=', parentId).orderBy('seq').execute();
}

/** Every execution of one call tree (same root), oldest first, capped (UDF tree view). */
export function listTreeRows(db: Db, workspaceId: string, rootId: string, limit: number) {
  return db.selectFrom('executions').select(['id', 'executor_name', 'executor_version', 'status', 'error', 'duration_ms', 'trigger', 'trigger_ref', 'parent_id', 'started_at'])
    .where('workspace_id', '=', workspaceId).where('root_id', '=', rootId).orderBy('seq').limit(limit).execute();
}

/** Deletes executions that finished before the cut-off (retention). */
export async function purgeExecutionsBefore(db: Db, cutoff: number): Promise<number> {
  const res = await db.deleteFrom('executions').where('finished_at', '<', cutoff).executeTakeFirst();
  return Number(res.numDeletedRows);
}
