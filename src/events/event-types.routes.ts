// REST route of the event type catalogue: what a hook can subscribe to (the console's event types picker).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { eventTypeCatalogue } from './event-types.js';
import { Obj } from '../api/schemas/responses.js';

const EventTypeCatalogueView = Obj({
  items: Type.Array(Obj({
    type: Type.String(),
    kind: Type.Union([Type.Literal('platform'), Type.Literal('cron')]),
    schedule: Type.Optional(Type.String({ description: 'cron events: the schedule in the workspace’s time zone' })),
  })),
  patterns: Type.Array(Obj({ pattern: Type.String(), description: Type.String() })),
});

export const eventTypesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('', {
    config: { permission: 'read' },
    schema: { tags: ['event hooks'], summary: 'The event type catalogue: platform and cron event types, and the custom patterns a hook may name', response: { 200: EventTypeCatalogueView } },
  }, async () => eventTypeCatalogue());
};
