// REST routes of events: publish (one or a batch), the event trace, dead letters and replay (SPEC 3).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { epochRange, IdParams, TimeRange } from '../api/common-schemas.js';
import { BULK_REPLAY_MAX, type EventsService } from './events.service.js';
import { HookName } from './hooks.service.js';
import { BulkReplayResult, DeadLetterView, EventBatchResult, EventDetail, EventSummary, EventView, List, ReplayResult } from '../api/schemas/responses.js';

const EventInput = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 120, description: 'a platform event type (TicketCreated, …) or custom.<name>' }),
  subject: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { description: 'what the event is about, e.g. a ticket id' })),
  data: Type.Unknown({ description: 'the event payload (JSON)' }),
}, { additionalProperties: false });

const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'nextCursor of the previous page' })),
};

export const eventsRoutes: FastifyPluginAsyncTypebox<{ events: EventsService }> = async (app, { events }) => {
  const tags = ['events'];
  app.post('', {
    config: { permission: 'invoke' },
    schema: { tags, summary: 'Publish an event (from an external platform, or custom.*)', body: EventInput, response: { 201: EventView } },
  }, async (req, reply) => {
    const [e] = await events.publish(req.principal.workspaceId, [{ ...req.body, source: 'api' }]);
    reply.code(201).header('location', `/api/events/${e!.id}`);
    return e;
  });

  app.post('/batch', {
    config: { permission: 'invoke' },
    schema: { tags, summary: 'Publish up to 1000 events in one transaction', body: Type.Object({ events: Type.Array(EventInput, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }), response: { 201: EventBatchResult } },
  }, async (req, reply) => {
    const items = await events.publish(req.principal.workspaceId, req.body.events.map((e) => ({ ...e, data: e.data ?? null, source: 'api' })), '/events/{i}');
    reply.code(201);
    return { items: items.map((e) => ({ id: e.id, type: e.type })) };
  });

  app.get('', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'The event trace, newest first; filtered by type, subject (a ticket id, …) and occurrence time',
      querystring: Type.Object({
        type: Type.Optional(Type.String({ maxLength: 120 })),
        subject: Type.Optional(Type.String({ maxLength: 500, pattern: '^[^\\u0000]*$' })),
        ...TimeRange, ...Paging,
      }, { additionalProperties: false }),
      response: { 200: List(EventSummary, true) },
    },
  }, async (req) => events.list(req.principal.workspaceId, { type: req.query.type, subject: req.query.subject, ...epochRange(req.query), before: req.query.cursor, limit: req.query.limit ?? 50 }));

  app.get('/:id', { config: { permission: 'read' }, schema: { tags, summary: 'One event with every delivery and attempt', params: IdParams, response: { 200: EventDetail } } },
    async (req) => events.get(req.principal.workspaceId, req.params.id));

  app.post('/:id/replay', {
    config: { permission: 'hooks:operate' },
    schema: { tags, summary: 'Deliver an event again: its dead deliveries, or to one hook', params: IdParams, body: Type.Optional(Type.Object({ hook: Type.Optional(HookName) }, { additionalProperties: false })), response: { 200: ReplayResult } },
  }, async (req) => events.replay(req.principal.workspaceId, req.params.id, req.body?.hook));
};

export const deadLettersRoutes: FastifyPluginAsyncTypebox<{ events: EventsService }> = async (app, { events }) => {
  const tags = ['events'];
  app.get('', {
    config: { permission: 'read' },
    schema: {
      tags, summary: 'Deliveries whose attempts are exhausted, newest first; `from`/`to` bound the time they were given up',
      querystring: Type.Object({ hook: Type.Optional(HookName), ...TimeRange, ...Paging }, { additionalProperties: false }), response: { 200: List(DeadLetterView, true) },
    },
  }, async (req) => events.deadLetters(req.principal.workspaceId, { hook: req.query.hook, ...epochRange(req.query), before: req.query.cursor, limit: req.query.limit ?? 50 }));

  app.post('/replay', {
    config: { permission: 'hooks:operate' },
    schema: {
      tags, summary: `Replay dead letters in bulk: of one hook and/or given up in a time range, oldest first, at most ${BULK_REPLAY_MAX} per call (\`more\` says whether others are left)`,
      body: Type.Object({ hook: Type.Optional(HookName), ...TimeRange, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: BULK_REPLAY_MAX, default: BULK_REPLAY_MAX })) }, { additionalProperties: false }),
      response: { 200: BulkReplayResult },
    },
  }, async (req) => events.replayDead(req.principal.workspaceId, { hook: req.body.hook, ...epochRange(req.body), limit: req.body.limit ?? BULK_REPLAY_MAX }));
};
