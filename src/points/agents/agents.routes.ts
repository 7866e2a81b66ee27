// REST routes of rule-based agents: CRUD, run, and auto-execution of a ticket.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ResourceName } from '../../names.js';
import { registerBindingRoutes } from '../bindings/binding-crud.routes.js';
import { AgentBody } from './agent-definition.js';
import type { AgentsService } from './agents.service.js';
import { AgentRunResultView, AgentView } from '../../api/schemas/responses.js';

const Action = Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], { description: 'the chosen option of an earlier needsDecision' }));

const RunBody = Type.Object({
  data: Type.Record(Type.String(), Type.Unknown()),
  ticketId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  _action: Action,
  customer: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'the customer when there is no ticket' })),
  channel: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });

/** Registers /api/agents/* and POST /api/tickets/{id}/autoexecute. */
export async function agentsRoutes(root: FastifyInstance, agents: AgentsService): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['agents'];
  await registerBindingRoutes(root, {
    prefix: '/api/agents', tag: 'agents', store: agents.store, body: AgentBody, nameSchema: ResourceName, view: AgentView,
    prepare: (ws, body) => agents.prepare(ws, body),
  });

  app.post('/api/agents/:name/run', {
    config: { permission: 'invoke' },
    schema: { tags, summary: 'Run an agent: executed | rejected | handoff | needsDecision | failed', params: Type.Object({ name: ResourceName }), body: RunBody, response: { 200: AgentRunResultView } },
  }, async (req) => agents.run(req.principal.workspaceId, req.params.name, req.body));

  app.post('/api/tickets/:id/autoexecute', {
    config: { permission: 'invoke' },
    schema: {
      tags, summary: 'Run the named agent, or the agent of the ticket’s intent, on a ticket',
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
      querystring: Type.Object({ agent: Type.Optional(ResourceName) }, { additionalProperties: false }),
      body: Type.Object({ data: Type.Optional(Type.Record(Type.String(), Type.Unknown())), _action: Action }, { additionalProperties: false, description: 'optional; data is merged over the ticket’s extracted data' }),
      response: { 200: AgentRunResultView },
    },
    // The body is optional: a bare POST auto-executes with the ticket's own data.
    preValidation: async (req) => { req.body ??= {}; },
  }, async (req) => agents.autoexecute(req.principal.workspaceId, req.params.id, { agent: req.query.agent, data: req.body.data, _action: req.body._action }));
}
