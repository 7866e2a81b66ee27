// REST routes of tokens and workspaces, and `/api/me` to see what a token is.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../store/index.js';
import { ProblemError } from '../errors.js';
import { createWorkspace, getWorkspace } from '../workspaces/workspaces.service.js';
import { createToken, deleteToken, listTokens } from './tokens.js';
import { ROLES, permissionsOf } from './roles.js';
import { CreatedToken, CreatedWorkspace, List, MeView, NoContent, TokenView } from '../api/schemas/responses.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const authRoutes: FastifyPluginAsyncTypebox<{ db: Db; defaultTimeZone: string }> = async (app, { db, defaultTimeZone }) => {
  app.get('/me', { config: { permission: 'any' }, schema: { tags: ['auth'], summary: 'The calling token: workspace and role', response: { 200: MeView } } }, async (req) => {
    const ws = await getWorkspace(db, req.principal.workspaceId);
    return { workspace: ws, role: req.principal.role, tokenName: req.principal.name, tokenId: req.principal.tokenId, permissions: [...permissionsOf(req.principal.role)] };
  });
  app.get('/tokens', { config: { permission: 'admin' }, schema: { tags: ['auth'], summary: 'List API tokens of the workspace', response: { 200: List(TokenView) } } },
    async (req) => ({ items: await listTokens(db, req.principal.workspaceId) }));

  app.post('/tokens', {
    config: { permission: 'admin' },
    schema: { tags: ['auth'], summary: 'Create a token; its value is shown only in this answer', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema }, { additionalProperties: false }), response: { 201: CreatedToken } },
  }, async (req, reply) => {
    const { token, info } = await createToken(db, req.principal.workspaceId, req.body.name, req.body.role);
    reply.code(201);
    return { ...info, token };
  });

  app.delete('/tokens/:id', { config: { permission: 'admin' }, schema: { tags: ['auth'], summary: 'Revoke a token', params: Type.Object({ id: Type.String({ maxLength: 100 }) }), response: { 204: NoContent } } }, async (req, reply) => {
    if (!(await deleteToken(db, req.principal.workspaceId, req.params.id))) throw new ProblemError('NOT_FOUND', `token ${req.params.id} does not exist`);
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
    const tz = req.body.timeZone ?? defaultTimeZone;
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw new ProblemError('VALIDATION_FAILED', `unknown time zone ${tz}`, { errors: [{ field: '/timeZone', message: 'is not an IANA time zone' }] });
    }
    const ws = await createWorkspace(db, req.body.name, tz);
    const { token } = await createToken(db, ws.id, 'admin', 'admin');
    reply.code(201);
    return { workspace: ws, adminToken: token };
  });
};
