// REST routes of an executor's dependency build: status and log, and a rebuild after a failure.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError } from '../errors.js';
import { NameParams } from '../api/common-schemas.js';
import type { ExecutorsService } from './executors.service.js';
import type { Sandbox } from './sandbox/index.js';
import { DependenciesView } from '../api/schemas/responses.js';

export const dependenciesRoutes: FastifyPluginAsyncTypebox<{ executors: ExecutorsService; sandbox?: Sandbox; unavailable?: string }> = async (app, { executors, sandbox, unavailable }) => {
  const tags = ['executors'];

  async function codeWithDependencies(workspaceId: string, name: string) {
    const def = (await executors.get(workspaceId, name)).definition;
    if (!def.code) throw new ProblemError('CONFLICT', `executor ${name} is an apiCall executor; only code executors have dependencies`);
    if (!def.code.dependencies.trim()) throw new ProblemError('NOT_FOUND', `executor ${name} declares no dependencies`);
    if (!sandbox) throw new ProblemError('SERVICE_UNAVAILABLE', unavailable ?? 'code executors cannot run on this server');
    return def.code;
  }

  app.get('/:name/dependencies', {
    config: { permission: 'read' },
    schema: { tags, summary: 'Dependency build of the active version: status (pending, building, ready, failed) and log', params: NameParams, response: { 200: DependenciesView } },
  }, async (req) => {
    const code = await codeWithDependencies(req.principal.workspaceId, req.params.name);
    const s = sandbox!.ensureDependencies(code.language, code.dependencies, { workspaceId: req.principal.workspaceId, allowInstallScripts: code.allowInstallScripts === true });
    return {
      language: code.language, status: s.status, key: s.key, error: s.error ?? null, log: s.log,
      // A failed build stays failed until retried: say how.
      retry: s.status === 'failed' ? `save the executor again or POST /api/executors/${req.params.name}/dependencies/rebuild` : null,
      installScripts: code.allowInstallScripts === true,
    };
  });

  app.post('/:name/dependencies/rebuild', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Build the dependencies again after a failure', params: NameParams, response: { 202: DependenciesView } },
  }, async (req, reply) => {
    const code = await codeWithDependencies(req.principal.workspaceId, req.params.name);
    const s = sandbox!.ensureDependencies(code.language, code.dependencies, { workspaceId: req.principal.workspaceId, retry: true, allowInstallScripts: code.allowInstallScripts === true });
    reply.code(202);
    return { language: code.language, status: s.status, key: s.key };
  });
};
