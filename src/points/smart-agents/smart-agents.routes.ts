// REST routes of smart agents: CRUD and chat.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ResourceName } from '../../names.js';
import { registerBindingRoutes } from '../bindings/binding-crud.routes.js';
import { ToolName } from '../ai-tools/tools.routes.js';
import type { SmartAgentsService } from './smart-agents.service.js';
import { ChatResultView, problems, SmartAgentView } from '../../api/schemas/responses.js';

export const SmartAgentBody = Type.Object({
  name: ResourceName,
  systemPrompt: Type.String({ maxLength: 100_000 }),
  model: Type.String({ minLength: 1, maxLength: 200 }),
  tools: Type.Optional(Type.Array(ToolName, { maxItems: 128 })),
  maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'most tool-calling rounds per chat (default 8)' })),
  baseUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], { description: 'OpenAI-compatible base URL; default OUTRIGGER_LLM_BASE_URL' })),
  apiKeySecret: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.Null()], { description: 'name of the secret with the API key' })),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
}, { additionalProperties: false });

const ChatBody = Type.Object({
  messages: Type.Array(Type.Object({
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String({ maxLength: 200_000 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
  ticketId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false });

/** Registers /api/ai/agents/*. */
export async function smartAgentsRoutes(root: FastifyInstance, agents: SmartAgentsService): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  await registerBindingRoutes(root, {
    prefix: '/api/ai/agents', tag: 'smart agents', store: agents.store, body: SmartAgentBody, nameSchema: ResourceName, view: SmartAgentView,
    prepare: (ws, body) => agents.prepare(ws, body),
  });
  app.post('/api/ai/agents/:name/chat', {
    config: { permission: 'invoke' },
    schema: { tags: ['smart agents'], summary: 'Chat with a smart agent: the answer plus every tool step (502 when the model endpoint fails)', params: Type.Object({ name: ResourceName }), body: ChatBody, response: { 200: ChatResultView, ...problems(502) } },
  }, async (req) => agents.chat(req.principal.workspaceId, req.params.name, req.body));
}
