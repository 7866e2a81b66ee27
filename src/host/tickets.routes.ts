// REST routes of tickets: create, list, read, change, answer (optionally through a webhook), forward.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HostIdParams as IdParams } from './text.js';
import { sendInvocationProblem } from '../api/invocation-problem.js';
import { ForwardBody, ReplyBody, RetryBody, TicketCreateBody, TicketListQuery, TicketPatchBody } from './tickets.model.js';
import { actorOf } from './host-events.js';
import type { TicketsService } from './tickets.service.js';
import type { RepliesService } from './replies.service.js';
import { ForwardResult, List, problems, ReplyView, ReplyWithTicket, TicketView, TicketWithReplies } from '../api/schemas/responses.js';

export const ticketsRoutes: FastifyPluginAsyncTypebox<{ tickets: TicketsService; replies: RepliesService }> = async (app, { tickets, replies }) => {
  const tags = ['tickets'];

  app.post('', { config: { permission: 'operate' }, schema: { tags, summary: 'Create a ticket (TicketCreated)', body: TicketCreateBody, response: { 201: TicketView } } }, async (req, reply) => {
    const t = await tickets.create(req.principal.workspaceId, req.body, actorOf(req.principal));
    reply.code(201).header('location', `/api/tickets/${t.id}`);
    return t;
  });

  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'List tickets, newest first', querystring: TicketListQuery, response: { 200: List(TicketView, true) } } },
    async (req) => tickets.list(req.principal.workspaceId, req.query));

  app.get('/:id', { config: { permission: 'read' }, schema: { tags, summary: 'A ticket with its replies', params: IdParams, response: { 200: TicketWithReplies } } },
    async (req) => tickets.get(req.principal.workspaceId, req.params.id));

  app.patch('/:id', {
    config: { permission: 'operate' },
    schema: { tags, summary: 'Change status, tags, intent, customer link, queue/assignee (TicketUpdated, TicketClosed, TicketRouted)', params: IdParams, body: TicketPatchBody, response: { 200: TicketView } },
  }, async (req) => tickets.update(req.principal.workspaceId, req.params.id, req.body, actorOf(req.principal)));

  app.post('/:id/replies', {
    config: { permission: 'operate' },
    schema: {
      tags, params: IdParams, body: ReplyBody, response: { 201: ReplyWithTicket, ...problems(502, 503, 504) },
      summary: 'Answer a ticket (TicketResponse, SendEmail on e-mail). Through a webhook the reply is `sent` only when it succeeded; otherwise it is `failed` and the webhook’s error is the answer (problem+json with code and executionId)',
    },
  }, async (req, reply) => {
    const out = await replies.reply(req.principal.workspaceId, req.params.id, req.body, actorOf(req.principal));
    if (!out.ok) return sendInvocationProblem(req, reply, out.result, { replyId: out.reply.id, replyStatus: out.reply.status, webhook: out.webhook });
    reply.code(201).header('location', `/api/tickets/${req.params.id}/replies/${out.reply.id}`);
    return { ...out.reply, ticket: out.ticket };
  });

  app.get('/:id/replies/:replyId', {
    config: { permission: 'read' },
    schema: { tags, summary: 'One reply', params: Type.Object({ id: IdParams.properties.id, replyId: IdParams.properties.id }), response: { 200: ReplyView } },
  }, async (req) => replies.get(req.principal.workspaceId, req.params.id, req.params.replyId));

  app.post('/:id/replies/:replyId/retry', {
    config: { permission: 'operate' },
    schema: {
      tags, summary: 'Send a failed reply again through its webhook (or `viaWebhook`); same answers as sending it', params: Type.Object({ id: IdParams.properties.id, replyId: IdParams.properties.id }),
      body: RetryBody, response: { 200: ReplyWithTicket, ...problems(502, 503, 504) },
    },
  }, async (req, reply) => {
    const out = await replies.retry(req.principal.workspaceId, req.params.id, req.params.replyId, req.body, actorOf(req.principal));
    if (!out.ok) return sendInvocationProblem(req, reply, out.result, { replyId: out.reply.id, replyStatus: out.reply.status, webhook: out.webhook });
    return { ...out.reply, ticket: out.ticket };
  });

  app.post('/:id/forward', { config: { permission: 'operate' }, schema: { tags, summary: 'Forward a ticket (TicketForwarded)', params: IdParams, body: ForwardBody, response: { 200: ForwardResult } } },
    async (req) => tickets.forward(req.principal.workspaceId, req.params.id, req.body, actorOf(req.principal)));
};
