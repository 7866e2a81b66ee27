// Execution records as API objects: the filtered list with its cursor, one record with its children and UDF tree,
// and the retention purge.
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { findExecutionRow, listChildren, listExecutionRows, listTreeRows, purgeExecutionsBefore, type ExecutionFilter } from './executions.repository.js';
import { iso } from '../util/time.js';
import { nextCursor } from '../util/paging.js';

/** At most this many executions are shown in one `?tree=1` answer (a UDF tree is normally small). */
const MAX_TREE_NODES = 2000;

interface TreeNode {
  id: string;
  executor: string;
  version: number | null;
  status: string;
  errorCode: string | null;
  trigger: string;
  triggerRef: string | null;
  durationMs: number;
  startedAt: string;
  children: TreeNode[];
}

const parse = (text: string | null) => (text === null ? undefined : JSON.parse(text));
const errorCode = (error: string | null): string | null => (error ? (JSON.parse(error) as { code?: string }).code ?? null : null);

/** Nests the rows of one root under `id`: the UDF call tree below that execution. */
function nestTree(rows: Awaited<ReturnType<typeof listTreeRows>>, id: string): TreeNode | undefined {
  const nodes = new Map<string, TreeNode>();
  for (const r of rows) {
    nodes.set(r.id, {
      id: r.id, executor: r.executor_name, version: r.executor_version, status: r.status, errorCode: errorCode(r.error),
      trigger: r.trigger, triggerRef: r.trigger_ref, durationMs: r.duration_ms, startedAt: iso(r.started_at), children: [],
    });
  }
  for (const r of rows) if (r.parent_id) nodes.get(r.parent_id)?.children.push(nodes.get(r.id)!);
  return nodes.get(id);
}

/** Reads the executions log of a workspace; rows never leave this service. */
export class ExecutionsService {
  constructor(private readonly db: Db) {}

  /** Newest first, `limit` per page; `before` is the previous page's nextCursor. */
  async list(workspaceId: string, filter: Omit<ExecutionFilter, 'limit'> & { limit?: number }) {
    const limit = filter.limit ?? 50;
    const rows = await listExecutionRows(this.db, workspaceId, { ...filter, limit });
    return {
      items: rows.map((r) => ({
        id: r.id, executor: r.executor_name, version: r.executor_version, type: r.executor_type, trigger: r.trigger, triggerRef: r.trigger_ref,
        parentId: r.parent_id, rootId: r.root_id, status: r.status, errorCode: errorCode(r.error),
        durationMs: r.duration_ms, queueMs: r.queue_ms, coldStart: r.cold_start === 1, attempt: r.attempt, startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
      })),
      nextCursor: nextCursor(rows, limit),
    };
  }

  /** One execution with input, output, error, logs and children; `tree` adds the nested UDF call tree below it. 404 when unknown. */
  async get(workspaceId: string, id: string, opts: { tree?: boolean } = {}) {
    const r = await findExecutionRow(this.db, workspaceId, id);
    if (!r) throw new ProblemError('NOT_FOUND', `execution ${id} does not exist`);
    const children = await listChildren(this.db, workspaceId, r.id);
    return {
      id: r.id, executor: r.executor_name, version: r.executor_version, type: r.executor_type, trigger: r.trigger, triggerRef: r.trigger_ref,
      parentId: r.parent_id, rootId: r.root_id, status: r.status,
      input: parse(r.input), output: parse(r.output), error: parse(r.error), logs: parse(r.logs) ?? [],
      durationMs: r.duration_ms, queueMs: r.queue_ms, coldStart: r.cold_start === 1, attempt: r.attempt, startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
      node: r.node_id ?? null,
      children: children.map((c) => ({ id: c.id, executor: c.executor_name, status: c.status, trigger: c.trigger, durationMs: c.duration_ms, startedAt: iso(c.started_at) })),
      ...(opts.tree ? { tree: nestTree(await listTreeRows(this.db, workspaceId, r.root_id, MAX_TREE_NODES), r.id) ?? null } : {}),
    };
  }

  /** Deletes the records that ended before `cutoff` (epoch ms): the retention of `OUTRIGGER_EXECUTION_RETENTION_DAYS`. */
  purgeBefore(cutoff: number): Promise<number> {
    return purgeExecutionsBefore(this.db, cutoff);
  }
}
