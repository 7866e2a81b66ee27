// REST routes of the host model's smaller resources: customer profiles, conversations, ticket settings.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HostIdParams as IdParams } from './text.js';
import { actorOf, type Clock } from './host-events.js';
import { ProfileCreateBody, ProfileListQuery, ProfilePatchBody, type ProfilesService } from './profiles.service.js';
import { ConversationCreateBody, ConversationListQuery, type ConversationsService } from './conversations.service.js';
import { TicketSettingsBody, type TicketSettingsService } from './ticket-settings.service.js';
import { ConversationView, List, NoContent, ProfileView, TicketSettingsView } from '../api/schemas/responses.js';

/** `/api/profiles`: CRUD, ProfileCreated/Updated/Deleted. */
export const profilesRoutes: FastifyPluginAsyncTypebox<{ profiles: ProfilesService }> = async (app, { profiles }) => {
  const tags = ['profiles'];
  app.post('', { config: { permission: 'operate' }, schema: { tags, summary: 'Create a customer profile', body: ProfileCreateBody, response: { 201: ProfileView } } }, async (req, reply) => {
    const p = await profiles.create(req.principal.workspaceId, req.body, actorOf(req.principal));
    reply.code(201).header('location', `/api/profiles/${p.id}`);
    return p;
  });
  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'List profiles', querystring: ProfileListQuery, response: { 200: List(ProfileView, true) } } },
    async (req) => profiles.list(req.principal.workspaceId, req.query));
  app.get('/:id', { config: { permission: 'read' }, schema: { tags, summary: 'A profile', params: IdParams, response: { 200: ProfileView } } },
    async (req) => profiles.get(req.principal.workspaceId, req.params.id));
  app.patch('/:id', { config: { permission: 'operate' }, schema: { tags, summary: 'Change a profile', params: IdParams, body: ProfilePatchBody, response: { 200: ProfileView } } },
    async (req) => profiles.update(req.principal.workspaceId, req.params.id, req.body, actorOf(req.principal)));
  app.delete('/:id', { config: { permission: 'operate' }, schema: { tags, summary: 'Delete a profile', params: IdParams, response: { 204: NoContent } } }, async (req, reply) => {
    await profiles.delete(req.principal.workspaceId, req.params.id, actorOf(req.principal));
    reply.code(204).send();
  });
};

/** `/api/conversations`: create (ConversationCreated), list, read. */
export const conversationsRoutes: FastifyPluginAsyncTypebox<{ conversations: ConversationsService }> = async (app, { conversations }) => {
  const tags = ['conversations'];
  app.post('', { config: { permission: 'operate' }, schema: { tags, summary: 'Create a conversation', body: ConversationCreateBody, response: { 201: ConversationView } } }, async (req, reply) => {
    const c = await conversations.create(req.principal.workspaceId, req.body, actorOf(req.principal));
    reply.code(201).header('location', `/api/conversations/${c.id}`);
    return c;
  });
  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'List conversations', querystring: ConversationListQuery, response: { 200: List(ConversationView, true) } } },
    async (req) => conversations.list(req.principal.workspaceId, req.query));
  app.get('/:id', { config: { permission: 'read' }, schema: { tags, summary: 'A conversation', params: IdParams, response: { 200: ConversationView } } },
    async (req) => conversations.get(req.principal.workspaceId, req.params.id));
};

/** `/api/settings/tickets`: reply webhook binding and inactivity rule. */
export const ticketSettingsRoutes: FastifyPluginAsyncTypebox<{ settings: TicketSettingsService; clock: Clock }> = async (app, { settings, clock }) => {
  const tags = ['tickets'];
  app.get('', { config: { permission: 'read' }, schema: { tags, summary: 'Ticket settings of the workspace', response: { 200: TicketSettingsView } } }, async (req) => settings.get(req.principal.workspaceId));
  app.put('', {
    config: { permission: 'executors:write' },
    schema: { tags, summary: 'Replace the ticket settings (reply webhook per channel or default, inactivity rule)', body: TicketSettingsBody, response: { 200: TicketSettingsView } },
  }, async (req) => settings.put(req.principal.workspaceId, req.body, clock()));
};
