// REST routes of execution records: list with filters and a cursor, detail with the children of a UDF tree.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { IdParams } from '../api/common-schemas.js';
import { TRIGGERS } from './run-context.js';
import { findExecutionRow, listChildren, listExecutionRows, listTreeRows } from './executions.repository.js';
import { iso } from '../util/time.js';
import { nextCursor } from '../util/paging.js';
import { ExecutionDetail, ExecutionListItem, List } from '../api/schemas/responses.js';

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

/** Nests the rows of one root under `id`: the UDF call tree below that execution. */
function nestTree(rows: Awaited<ReturnType<typeof listTreeRows>>, id: string): TreeNode | undefined {
  const nodes = new Map<string, TreeNode>();
  for (const r of rows) {
    nodes.set(r.id, {
      id: r.id, executor: r.executor_name, version: r.executor_version, status: r.status, errorCode: r.error ? (JSON.parse(r.error) as { code?: string }).code ?? null : null,
      trigger: r.trigger, triggerRef: r.trigger_ref, durationMs: r.duration_ms, startedAt: new Date(r.started_at).toISOString(), children: [],
    });
  }
  for (const r of rows) if (r.parent_id) nodes.get(r.parent_id)?.children.push(nodes.get(r.id)!);
  return nodes.get(id);
}

const parse = (text: string | null) => (text === null ? undefined : JSON.parse(text));

export const executionsRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const tags = ['executions'];
  app.get('', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'List executions, newest first',
      querystring: Type.Object({
        executor: Type.Optional(Type.String({ maxLength: 63, pattern: '^[^\\u0000]*$' })),
        status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error')])),
        trigger: Type.Optional(Type.Union(TRIGGERS.map((t) => Type.Literal(t)))),
        rootId: Type.Optional(Type.String({ maxLength: 100, pattern: '^[^\\u0000]*$' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        cursor: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'nextCursor of the previous page' })),
      }, { additionalProperties: false }),
      response: { 200: List(ExecutionListItem, true) },
    },
  }, async (req) => {
    const q = req.query;
    const limit = q.limit ?? 50;
    const rows = await listExecutionRows(db, req.principal.workspaceId, { executor: q.executor, status: q.status, trigger: q.trigger, rootId: q.rootId, before: q.cursor, limit });
    return {
      items: rows.map((r) => ({
        id: r.id, executor: r.executor_name, version: r.executor_version, type: r.executor_type, trigger: r.trigger, triggerRef: r.trigger_ref,
        parentId: r.parent_id, rootId: r.root_id, status: r.status, errorCode: r.error ? (JSON.parse(r.error) as { code?: string }).code ?? null : null,
        durationMs: r.duration_ms, queueMs: r.queue_ms, coldStart: r.cold_start === 1, attempt: r.attempt, startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
      })),
      nextCursor: nextCursor(rows, limit),
    };
  });

  app.get('/:id', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'One execution with input, output or error, logs and children; `?tree=1` adds the nested UDF call tree below it', params: IdParams,
      querystring: Type.Object({ tree: Type.Optional(Type.Union([Type.Boolean(), Type.Literal(1), Type.Literal(0)])) }, { additionalProperties: false }),
      response: { 200: ExecutionDetail },
    },
  }, async (req) => {
    const r = await findExecutionRow(db, req.principal.workspaceId, req.params.id);
    if (!r) throw new ProblemError('NOT_FOUND', `execution ${req.params.id} does not exist`);
    const children = await listChildren(db, req.principal.workspaceId, r.id);
    return {
      id: r.id, executor: r.executor_name, version: r.executor_version, type: r.executor_type, trigger: r.trigger, triggerRef: r.trigger_ref,
      parentId: r.parent_id, rootId: r.root_id, status: r.status,
      input: parse(r.input), output: parse(r.output), error: parse(r.error), logs: parse(r.logs) ?? [],
      durationMs: r.duration_ms, queueMs: r.queue_ms, coldStart: r.cold_start === 1, attempt: r.attempt, startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
      children: children.map((c) => ({ id: c.id, executor: c.executor_name, status: c.status, trigger: c.trigger, durationMs: c.duration_ms, startedAt: iso(c.started_at) })),
      ...(req.query.tree === true || req.query.tree === 1 ? { tree: nestTree(await listTreeRows(db, req.principal.workspaceId, r.root_id, MAX_TREE_NODES), r.id) ?? null } : {}),
    };
  });
};
