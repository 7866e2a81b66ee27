// The webhooks integration point (SPEC 3): synchronous calls to peripheral systems whose errors reach the user.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/index.js';
import type { InvokeService } from '../../executors/invoke.service.js';
import { BindingsService } from '../bindings/callable-bindings.service.js';
import { bindingRoutes } from '../bindings/callable-bindings.routes.js';

/** The webhook bindings service (point kind and trigger `webhook`). */
export function createWebhooksService(db: Db, invoker: InvokeService): BindingsService {
  return new BindingsService(db, invoker, { kind: 'webhook', trigger: 'webhook' });
}

/** Registers `/api/webhooks`. */
export function webhooksPlugin(service: BindingsService) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(bindingRoutes, { prefix: '/api/webhooks', service, tag: 'webhooks' });
  };
}
