// REST routes of secrets: names and dates only; values go in and never come out.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SECRET_NAME_PATTERN, type SecretsService } from './secrets.service.js';
import { List, NoContent, SecretView } from '../api/schemas/responses.js';

const Params = Type.Object({ name: Type.String({ pattern: SECRET_NAME_PATTERN }) });

export const secretsRoutes: FastifyPluginAsyncTypebox<{ secrets: SecretsService }> = async (app, { secrets }) => {
  const tags = ['secrets'];
  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'List secret names (never values)', response: { 200: List(SecretView) } } },
    async (req) => ({ items: await secrets.list(req.principal.workspaceId) }));

  app.put('/:name', {
    config: { permission: 'secrets:write' },
    schema: { tags, summary: 'Create or replace a secret (write-only)', params: Params, body: Type.Object({ value: Type.String({ minLength: 1, maxLength: 64 * 1024 }) }, { additionalProperties: false }), response: { 200: SecretView, 201: SecretView } },
  }, async (req, reply) => {
    const r = await secrets.put(req.principal.workspaceId, req.params.name, req.body.value);
    reply.code(r.created ? 201 : 200);
    return r.info;
  });

  app.delete('/:name', { config: { permission: 'secrets:write' }, schema: { tags, summary: 'Delete a secret', params: Params, response: { 204: NoContent } } }, async (req, reply) => {
    await secrets.delete(req.principal.workspaceId, req.params.name);
    reply.code(204).send();
  });
};
