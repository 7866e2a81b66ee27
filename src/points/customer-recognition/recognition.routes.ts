// REST routes of customer recognition: sources (CRUD), search, link to a ticket, cache invalidation.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ExecutorReference, ResourceName } from '../../names.js';
import { registerBindingRoutes } from '../bindings/binding-crud.routes.js';
import { SEARCH_KINDS, type RecognitionService } from './recognition.service.js';
import { CacheCleared, LinkResult, RecognitionSourceView, SearchResultView } from '../../api/schemas/responses.js';

const Kind = Type.Union(SEARCH_KINDS.map((k) => Type.Literal(k)), { description: 'contractNumber | customerNumber | attributes | freeText' });

export const SourceBody = Type.Object({
  name: ResourceName,
  kind: Kind,
  executor: ExecutorReference,
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'smaller is more important (default 100)' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 300_000, description: 'the search stops waiting for this source after this time (default 5000)' })),
  format: Type.Optional(Type.Union([Type.Literal('outrigger'), Type.Literal('reference')], { description: 'reference: an executor written for the reference platform (input {contractId} or {customerId}, answer one contract or customer object); contractNumber and customerNumber only' })),
}, { additionalProperties: false });

const SearchBody = Type.Object({
  kind: Kind,
  query: Type.Union([Type.String({ maxLength: 2000 }), Type.Record(Type.String(), Type.Unknown())], { description: 'a string, or an object of attributes for kind "attributes"' }),
  ticketId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  noCache: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const LinkBody = Type.Object({
  ticketId: Type.String({ minLength: 1, maxLength: 200 }),
  customerNumber: Type.String({ minLength: 1, maxLength: 200 }),
  contractNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false });

/** Registers /api/customer-recognition/*. */
export async function recognitionRoutes(root: FastifyInstance, recognition: RecognitionService): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['customer recognition'];
  await registerBindingRoutes(root, {
    prefix: '/api/customer-recognition/sources', tag: 'customer recognition', store: recognition.sources, body: SourceBody, nameSchema: ResourceName, view: RecognitionSourceView,
    prepare: (ws, body) => recognition.prepareSource(ws, body),
  });

  app.post('/api/customer-recognition/search', {
    config: { permission: 'invoke' },
    schema: { tags, summary: 'Search customers through every source of a kind; partial results carry per-source errors', body: SearchBody, response: { 200: SearchResultView } },
  }, async (req) => recognition.search(req.principal.workspaceId, req.body));

  app.post('/api/customer-recognition/link', {
    config: { permission: 'invoke' },
    schema: { tags, summary: 'Link a customer (and contract) to a ticket', body: LinkBody, response: { 200: LinkResult } },
  }, async (req) => ({ linked: await recognition.link(req.principal.workspaceId, req.body) }));

  app.delete('/api/customer-recognition/cache', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Drop every cached search of the workspace', response: { 200: CacheCleared } },
  }, async (req) => ({ removed: await recognition.clearCache(req.principal.workspaceId) }));
}
