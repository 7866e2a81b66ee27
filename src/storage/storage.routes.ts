// REST routes of storage objects: JSON values by key with an optional TTL.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError } from '../errors.js';
import { STORAGE_KEY_PATTERN, type StorageService } from './storage.service.js';
import { NoContent, Nullable, Obj, StorageObjectView } from '../api/schemas/responses.js';

/** One page of storage objects; the cursor is the last key of the page (storage pages by key, not by sequence). */
const StoragePage = Obj({ items: Type.Array(StorageObjectView), nextCursor: Nullable(Type.String({ description: 'give as ?cursor= for the next page; null on the last page' })) });

const Params = Type.Object({ key: Type.String({ pattern: STORAGE_KEY_PATTERN }) });

export const storageRoutes: FastifyPluginAsyncTypebox<{ storage: StorageService }> = async (app, { storage }) => {
  const tags = ['storage'];
  app.get('', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'List storage objects, a page at a time (key order; at most `limit` entries and the server\'s byte cap per page)',
      querystring: Type.Object({
        prefix: Type.Optional(Type.String({ maxLength: 256 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        cursor: Type.Optional(Type.String({ pattern: STORAGE_KEY_PATTERN, description: 'nextCursor of the previous page' })),
      }, { additionalProperties: false }),
      response: { 200: StoragePage },
    },
  }, async (req) => storage.page(req.principal.workspaceId, { prefix: req.query.prefix, limit: req.query.limit ?? 100, cursor: req.query.cursor }));

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
