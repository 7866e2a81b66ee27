// REST routes of an executor's dependency build: status and log, and a rebuild after a failure.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NameParams } from '../api/common-schemas.js';
import type { DependenciesService } from './dependencies.service.js';
import { DependenciesView } from '../api/schemas/responses.js';

export const dependenciesRoutes: FastifyPluginAsyncTypebox<{ dependencies: DependenciesService }> = async (app, { dependencies }) => {
  const tags = ['executors'];

  app.get('/:name/dependencies', {
    config: { permission: 'read' },
    schema: { tags, summary: 'Dependency build of the active version: status (pending, building, ready, failed) and log', params: NameParams, response: { 200: DependenciesView } },
  }, async (req) => dependencies.status(req.principal.workspaceId, req.params.name));

  app.post('/:name/dependencies/rebuild', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Build the dependencies again after a failure', params: NameParams, response: { 202: DependenciesView } },
  }, async (req, reply) => {
    const started = await dependencies.rebuild(req.principal.workspaceId, req.params.name);
    reply.code(202);
    return started;
  });
};
