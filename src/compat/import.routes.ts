// POST /api/import: the reference platform's exported definitions in, our executors and bindings out, with a report.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ImportService } from './import.service.js';

const Definitions = (what: string) => Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 500, description: what }));

const ImportBody = Type.Object({
  executors: Definitions('{name, type: sourceCode | apiCall, language: php82 | python311 | node20, code (or sourceCode), packages: "a,b", parameters, timeout (s)} or apiCall {method, url, headers}'),
  udfs: Definitions('{name, executor (a name or an inline executor), description?}'),
  tools: Definitions('{name, slug?, description?, parameters?, executor}'),
  agents: Definitions('{name, intent?, parameters?, executor}'),
  hooks: Definitions('{name?, eventType | eventTypes, executor}'),
}, { additionalProperties: false });

const Names = Type.Array(Type.String());
const ImportResultView = Type.Object({
  created: Type.Object({ executors: Names, udfs: Names, tools: Names, agents: Names, hooks: Names }),
  report: Type.Object({
    mapped: Type.Array(Type.String(), { description: 'each mapping made, with its path in the import' }),
    notMapped: Type.Array(Type.String(), { description: 'what has no counterpart here, and why' }),
  }),
});

/** Registers POST /api/import. */
export function importRoutes(service: ImportService) {
  return async (root: FastifyInstance): Promise<void> => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    app.post('/api/import', {
      config: { permission: 'executors:write' },
      schema: {
        tags: ['import'], summary: 'Import exported definitions of the reference platform (all or nothing): executors, UDFs, tools, agents, hooks; answers what was created and a report of what was mapped and what was not',
        body: ImportBody,
        response: { 201: ImportResultView },
      },
    }, async (req, reply) => {
      const r = await service.import(req.principal.workspaceId, req.body, `import:${req.principal.tokenId}`);
      return reply.code(201).send(r);
    });
  };
}
