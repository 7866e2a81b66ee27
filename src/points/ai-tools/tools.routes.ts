// REST routes of AI tools: CRUD, export as OpenAI function tools or MCP tools, and calling a tool.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError } from '../../errors.js';
import { ExecutorReference } from '../../names.js';
import { registerBindingRoutes } from '../bindings/binding-crud.routes.js';
import { TOOL_NAME_PATTERN, ToolsService } from './tools.service.js';
import { ToolCallResultView, ToolsListing, ToolView } from '../../api/schemas/responses.js';

export const ToolName = Type.String({ pattern: TOOL_NAME_PATTERN, description: 'what the model calls' });

export const ToolBody = Type.Object({
  name: ToolName,
  executor: ExecutorReference,
  description: Type.Optional(Type.String({ maxLength: 4000, description: 'default: the executor’s description' })),
  parameters: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'JSON Schema of the arguments; default: the executor’s inputSchema' })),
  annotations: Type.Optional(Type.Union([Type.Object({
    title: Type.Optional(Type.String({ maxLength: 200 })),
    readOnlyHint: Type.Optional(Type.Boolean({ description: 'the tool changes nothing' })),
    destructiveHint: Type.Optional(Type.Boolean({ description: 'the tool may delete or overwrite (meaningful when not read-only)' })),
    idempotentHint: Type.Optional(Type.Boolean({ description: 'calling it twice with the same arguments has no further effect' })),
    openWorldHint: Type.Optional(Type.Boolean({ description: 'the tool reaches systems outside Outrigger' })),
  }, { additionalProperties: false }), Type.Null()], { description: 'MCP tool annotations; each given hint wins over the one derived from the executor (apiCall GET: read-only; PUT/DELETE: idempotent; DELETE: destructive)' })),
  enabled: Type.Optional(Type.Boolean({ default: true })),
}, { additionalProperties: false });

/** Registers /api/ai/tools/*. */
export async function toolsRoutes(root: FastifyInstance, tools: ToolsService): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['AI tools'];
  // The export formats are registered before the generic CRUD so that the list route below serves `?format=`.
  app.get('/api/ai/tools', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'List tools; ?format=openai gives function tools (strict when possible), ?format=mcp MCP tool entries (enabled tools only)',
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('native'), Type.Literal('openai'), Type.Literal('mcp')])) }, { additionalProperties: false }),
      response: { 200: ToolsListing },
    },
  }, async (req) => {
    const format = req.query.format ?? 'native';
    if (format === 'native') return { items: (await tools.store.list(req.principal.workspaceId)).map((s) => ({ ...s.spec, createdAt: s.createdAt, updatedAt: s.updatedAt })) };
    const resolved = await tools.listResolved(req.principal.workspaceId, { enabledOnly: true });
    return format === 'openai' ? { tools: resolved.map(ToolsService.toOpenAi) } : { tools: resolved.map(ToolsService.toMcp) };
  });
  await registerBindingRoutes(root, {
    prefix: '/api/ai/tools', tag: 'AI tools', store: tools.store, body: ToolBody, nameSchema: ToolName, view: ToolView, skipList: true,
    prepare: (ws, body) => tools.prepare(ws, body),
  });

  app.post('/api/ai/tools/:name/call', {
    config: { permission: 'invoke' },
    schema: {
      tags, summary: 'Call a tool: 200 with output, or 200 with isError and the structured error when the executor failed; 404 unknown tool, 409 disabled, 400 invalid arguments',
      params: Type.Object({ name: ToolName }),
      body: Type.Object({
        arguments: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        ticketId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the ticket the call is about: its fields reach the executor as _metadata (ticketId, contractId, from, channel, …)' })),
      }, { additionalProperties: false }),
      response: { 200: ToolCallResultView },
    },
  }, async (req) => {
    const r = await tools.call(req.principal.workspaceId, req.params.name, req.body.arguments ?? {}, { triggerRef: `api:${req.principal.tokenId}`, ...(req.body.ticketId ? { ticketId: req.body.ticketId } : {}) });
    if (r.isError && r.executionId === null) {
      if (r.error.code === 'NOT_FOUND') throw new ProblemError('NOT_FOUND', r.error.message);
      if (r.error.code === 'TOOL_DISABLED') throw new ProblemError('CONFLICT', r.error.message);
      if (r.error.code === 'INVALID_ARGUMENTS') {
        throw new ProblemError('VALIDATION_FAILED', r.error.message, { errors: (r.error.errors ?? []).map((e) => ({ field: `/arguments${e.field === '/' ? '' : e.field}`, message: e.message })) });
      }
    }
    return r;
  });
}
