// The built-in host model (SPEC 3): services wired together, routes under /api, and the inactivity sweep.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';
import type { WebhookPort } from './webhook-port.js';
import type { Clock } from './host-events.js';
import { TicketsService } from './tickets.service.js';
import { RepliesService } from './replies.service.js';
import { TicketSettingsService } from './ticket-settings.service.js';
import { ProfilesService } from './profiles.service.js';
import { ConversationsService } from './conversations.service.js';
import { InactivitySweep, type SweepLog } from './inactivity-sweep.js';
import { ticketsRoutes } from './tickets.routes.js';
import { conversationsRoutes, profilesRoutes, ticketSettingsRoutes } from './host-resources.routes.js';

export interface Host {
  tickets: TicketsService;
  replies: RepliesService;
  settings: TicketSettingsService;
  profiles: ProfilesService;
  conversations: ConversationsService;
  sweep: InactivitySweep;
  plugin(app: FastifyInstance): Promise<void>;
}

/** Builds the host model; the caller starts/stops `sweep` (only on nodes that run background work). */
export function createHost(deps: { store: Store; clock: Clock; webhooks: WebhookPort; sweepIntervalMs: number; log: SweepLog }): Host {
  const { db, caps } = deps.store;
  const settings = new TicketSettingsService(db, deps.webhooks);
  deps.webhooks.addReferenceCheck((ws, name) => settings.referencesTo(ws, name));
  const tickets = new TicketsService({ db, caps, clock: deps.clock });
  const replies = new RepliesService({ db, clock: deps.clock, tickets, settings, webhooks: deps.webhooks });
  const profiles = new ProfilesService(db, deps.clock);
  const conversations = new ConversationsService(db, deps.clock);
  const sweep = new InactivitySweep({ db, clock: deps.clock, settings, intervalMs: deps.sweepIntervalMs, log: deps.log, health: deps.store.health });
  return {
    tickets, replies, settings, profiles, conversations, sweep,
    async plugin(app) {
      await app.register(ticketsRoutes, { prefix: '/api/tickets', tickets, replies });
      await app.register(profilesRoutes, { prefix: '/api/profiles', profiles });
      await app.register(conversationsRoutes, { prefix: '/api/conversations', conversations });
      await app.register(ticketSettingsRoutes, { prefix: '/api/settings/tickets', settings, clock: deps.clock });
    },
  };
}
