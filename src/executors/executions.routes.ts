// REST routes of execution records: list with filters and a cursor, detail with the children of a UDF tree.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { epochRange, IdParams, TimeRange } from '../api/common-schemas.js';
import { TRIGGERS } from './run-context.js';
import type { ExecutionsService } from './executions.service.js';
import { ExecutionDetail, ExecutionListItem, List } from '../api/schemas/responses.js';

export const executionsRoutes: FastifyPluginAsyncTypebox<{ executions: ExecutionsService }> = async (app, { executions }) => {
  const tags = ['executions'];
  app.get('', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'List executions, newest first; `from`/`to` bound the start time',
      querystring: Type.Object({
        executor: Type.Optional(Type.String({ maxLength: 63, pattern: '^[^\\u0000]*$' })),
        status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error')])),
        trigger: Type.Optional(Type.Union(TRIGGERS.map((t) => Type.Literal(t)))),
        rootId: Type.Optional(Type.String({ maxLength: 100, pattern: '^[^\\u0000]*$' })),
        ...TimeRange,
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        cursor: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'nextCursor of the previous page' })),
      }, { additionalProperties: false }),
      response: { 200: List(ExecutionListItem, true) },
    },
  }, async (req) => {
    const q = req.query;
    return executions.list(req.principal.workspaceId, { executor: q.executor, status: q.status, trigger: q.trigger, rootId: q.rootId, ...epochRange(q), before: q.cursor, limit: q.limit });
  });

  app.get('/:id', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'One execution with input, output or error, logs and children; `?tree=1` adds the nested UDF call tree below it', params: IdParams,
      querystring: Type.Object({ tree: Type.Optional(Type.Union([Type.Boolean(), Type.Literal(1), Type.Literal(0)])) }, { additionalProperties: false }),
      response: { 200: ExecutionDetail },
    },
  }, async (req) => executions.get(req.principal.workspaceId, req.params.id, { tree: req.query.tree === true || req.query.tree === 1 }));
};
