// REST routes of executors: CRUD, versions, rollback, invoke and test (SPEC 1, 2).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireNameMatchesPath } from '../errors.js';
import { NameParams, InvocationInput } from '../api/common-schemas.js';
import { ExecutorDraft, ExecutorInput } from './definition.js';
import type { ExecutorsService } from './executors.service.js';
import type { InvokeService } from './invoke.service.js';
import { ExecutorApplied, ExecutorSummaryView, ExecutorView, InvocationResultView, List, NoContent, VersionView } from '../api/schemas/responses.js';

export interface ExecutorsRoutesOptions {
  executors: ExecutorsService;
  invoker: InvokeService;
}

export const executorsRoutes: FastifyPluginAsyncTypebox<ExecutorsRoutesOptions> = async (app, { executors, invoker }) => {
  const tags = ['executors'];

  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'List executors', response: { 200: List(ExecutorSummaryView) } } }, async (req) => ({
    items: await executors.list(req.principal.workspaceId),
  }));

  app.post('', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Create an executor (version 1)', body: ExecutorInput, response: { 201: ExecutorView } },
  }, async (req, reply) => {
    const r = await executors.apply(req.principal.workspaceId, req.body, req.principal.name, { mustNotExist: true });
    reply.code(201).header('location', `/api/executors/${r.executor.name}`);
    return r.executor;
  });

  app.get('/:name', { config: { permission: 'read' }, schema: { tags, summary: 'Get an executor with its active definition', params: NameParams, response: { 200: ExecutorView } } },
    async (req) => executors.get(req.principal.workspaceId, req.params.name));

  app.put('/:name', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Create or change an executor; a change adds a version and activates it', params: NameParams, body: ExecutorInput, response: { 200: ExecutorApplied, 201: ExecutorApplied } },
  }, async (req, reply) => {
    requireNameMatchesPath(req.body.name, req.params.name);
    const r = await executors.apply(req.principal.workspaceId, req.body, req.principal.name);
    reply.code(r.created ? 201 : 200);
    return { ...r.executor, changed: r.changed };
  });

  app.delete('/:name', { config: { permission: 'executors:write' }, schema: { tags, summary: 'Delete an executor (refused while bound)', params: NameParams, response: { 204: NoContent } } },
    async (req, reply) => {
      await executors.delete(req.principal.workspaceId, req.params.name);
      reply.code(204).send();
    });

  app.get('/:name/versions', { config: { permission: 'read' }, schema: { tags, summary: 'List versions, newest first', params: NameParams, response: { 200: List(VersionView) } } },
    async (req) => ({ items: await executors.versions(req.principal.workspaceId, req.params.name) }));

  app.get('/:name/versions/:version', {
    config: { permission: 'read' },
    schema: { tags, summary: 'Get one version', params: Type.Object({ name: NameParams.properties.name, version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }), response: { 200: ExecutorView } },
  }, async (req) => executors.get(req.principal.workspaceId, req.params.name, req.params.version));

  app.post('/:name/rollback', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Make another version active', params: NameParams, body: Type.Object({ version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false }), response: { 200: ExecutorView } },
  }, async (req) => executors.rollback(req.principal.workspaceId, req.params.name, req.body.version));

  app.post('/:name/invoke', {
    config: { permission: 'invoke' },
    schema: { tags, summary: 'Run the active version', params: NameParams, body: Type.Object({ input: Type.Optional(InvocationInput) }, { additionalProperties: false }), response: { 200: InvocationResultView } },
  }, async (req) => invoker.invoke({ workspaceId: req.principal.workspaceId, executorName: req.params.name, input: req.body.input ?? {}, trigger: 'api', triggerRef: req.principal.tokenId }));

  app.post('/:name/test', {
    config: { permission: 'executors:write' },
    schema: {
      tags, summary: 'Run a draft (unsaved definition) or, without one, the active version', params: NameParams,
      body: Type.Object({ input: Type.Optional(InvocationInput), draft: Type.Optional(ExecutorDraft) }, { additionalProperties: false }),
      response: { 200: InvocationResultView },
    },
  }, async (req) => invoker.invoke({
    workspaceId: req.principal.workspaceId, executorName: req.params.name, input: req.body.input ?? {}, trigger: 'test',
    triggerRef: req.principal.tokenId, draft: req.body.draft,
  }));
};
