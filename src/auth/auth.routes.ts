// REST routes of tokens and workspaces, and `/api/me` to see what a token is.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AccessService } from './access.service.js';
import { ROLES } from './roles.js';
import { CreatedToken, CreatedWorkspace, List, MeView, NoContent, TokenView } from '../api/schemas/responses.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const authRoutes: FastifyPluginAsyncTypebox<{ access: AccessService }> = async (app, { access }) => {
  app.get('/me', { config: { permission: 'any' }, schema: { tags: ['auth'], summary: 'The calling token: workspace and role', response: { 200: MeView } } }, async (req) => access.me(req.principal));
  app.get('/tokens', { config: { permission: 'admin' }, schema: { tags: ['auth'], summary: 'List API tokens of the workspace', response: { 200: List(TokenView) } } },
    async (req) => ({ items: await access.listTokens(req.principal.workspaceId) }));

  app.post('/tokens', {
    config: { permission: 'admin' },
    schema: { tags: ['auth'], summary: 'Create a token; its value is shown only in this answer', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema }, { additionalProperties: false }), response: { 201: CreatedToken } },
  }, async (req, reply) => {
    const created = await access.createToken(req.principal.workspaceId, req.body.name, req.body.role);
    reply.code(201);
    return created;
  });

  app.delete('/tokens/:id', { config: { permission: 'admin' }, schema: { tags: ['auth'], summary: 'Revoke a token', params: Type.Object({ id: Type.String({ maxLength: 100 }) }), response: { 204: NoContent } } }, async (req, reply) => {
    await access.revokeToken(req.principal.workspaceId, req.params.id);
    app.forgetTokens();
    reply.code(204).send();
  });

  app.post('/workspaces', {
    config: { permission: 'admin' },
    schema: {
      tags: ['auth'], summary: 'Create a workspace and its first admin token',
      body: Type.Object({ name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' }), timeZone: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
      response: { 201: CreatedWorkspace },
    },
  }, async (req, reply) => {
    const created = await access.createWorkspace(req.body.name, req.body.timeZone);
    reply.code(201);
    return created;
  });
};
