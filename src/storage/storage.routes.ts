// REST routes of storage objects: JSON values by key with an optional TTL.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError } from '../errors.js';
import { STORAGE_KEY_PATTERN, type StorageService } from './storage.service.js';
import { List, NoContent, StorageObjectView } from '../api/schemas/responses.js';

const Params = Type.Object({ key: Type.String({ pattern: STORAGE_KEY_PATTERN }) });

export const storageRoutes: FastifyPluginAsyncTypebox<{ storage: StorageService }> = async (app, { storage }) => {
  const tags = ['storage'];
  app.get('', {
    config: { permission: 'read' },
    schema: { tags, summary: 'List storage objects', querystring: Type.Object({ prefix: Type.Optional(Type.String({ maxLength: 256 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }), response: { 200: List(StorageObjectView) } },
  }, async (req) => ({ items: await storage.list(req.principal.workspaceId, req.query.prefix, req.query.limit) }));

  app.get('/:key', { config: { permission: 'read' }, schema: { tags, summary: 'Get a storage object', params: Params, response: { 200: StorageObjectView } } }, async (req) => {
    const o = await storage.get(req.principal.workspaceId, req.params.key);
    if (!o) throw new ProblemError('NOT_FOUND', `storage object ${req.params.key} does not exist`);
    return o;
  });

  app.put('/:key', {
    config: { permission: 'storage:write' },
    schema: { tags, summary: 'Set a storage object', params: Params, body: Type.Object({ value: Type.Unknown(), ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 365 * 86400 })) }, { additionalProperties: false }), response: { 200: StorageObjectView } },
  }, async (req) => storage.set(req.principal.workspaceId, req.params.key, req.body.value, req.body.ttlSeconds));

  app.delete('/:key', { config: { permission: 'storage:write' }, schema: { tags, summary: 'Delete a storage object', params: Params, response: { 204: NoContent } } }, async (req, reply) => {
    if (!(await storage.delete(req.principal.workspaceId, req.params.key))) throw new ProblemError('NOT_FOUND', `storage object ${req.params.key} does not exist`);
    reply.code(204).send();
  });
};
