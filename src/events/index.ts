// The events module as the composition root sees it: services, routes, background loops and readiness.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';
import type { Metrics } from '../observability/metrics.js';
import type { InvokeService } from '../executors/invoke.service.js';
import type { ExecutorsService } from '../executors/executors.service.js';
import type { SdkHostFactory } from '../executors/sdk-host.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { EventsService } from './events.service.js';
import { HooksService } from './hooks.service.js';
import { hookNamesUsingExecutor } from './hooks.repository.js';
import { hooksRoutes } from './hooks.routes.js';
import { deadLettersRoutes, eventsRoutes } from './events.routes.js';
import { eventTypesRoutes } from './event-types.routes.js';
import { Dispatcher, type DispatcherOptions, type Logger } from './dispatcher.js';
import { CronScheduler } from './cron.js';

export interface EventsModuleOptions {
  store: Store;
  metrics: Metrics;
  invoker: InvokeService;
  executors: ExecutorsService;
  sdkHosts: SdkHostFactory;
  /** Whether this node runs the dispatcher and the cron scheduler (roles `all` and `worker`). */
  runWorkers: boolean;
  databaseUrl?: string;
  /** Dispatcher tuning and an injectable clock (tests). */
  dispatcher?: Partial<Pick<DispatcherOptions, 'maxInFlight' | 'maxInFlightPerWorkspace' | 'leaseMs' | 'reapIntervalMs' | 'silentWorkers' | 'maxIdleMs' | 'drainMs' | 'clock' | 'workerId' | 'reservedSlots'>>;
  cronClock?: () => number;
  /** OUTRIGGER_MAX_EVENT_DEPTH: deliveries of events this many causation steps deep are not run. */
  maxEventDepth?: number;
}

export interface EventsModule {
  events: EventsService;
  hooks: HooksService;
  dispatcher?: Dispatcher;
  cron?: CronScheduler;
  plugin(app: FastifyInstance): Promise<void>;
  readiness: ReadinessCheck;
  /** Starts the loops (once the app's logger exists). */
  start(log: Logger): void;
  /** Stops claiming, drains running deliveries (bounded), hands back the rest. */
  stop(): Promise<void>;
}

/** Wires the events module: ctx.emit, the executors' delete guard, routes, dispatcher and cron. */
export function createEventsModule(o: EventsModuleOptions): EventsModule {
  const { db, caps } = o.store;
  const events = new EventsService(db, caps, o.metrics);
  const hooks = new HooksService(db);
  o.executors.registerBindingLookup(hookNamesUsingExecutor);
  o.sdkHosts.emitEvent = (ws, type, data, source) => events.emit(ws, type, data, source);
  const m: EventsModule = {
    events, hooks,
    async plugin(app) {
      await app.register(hooksRoutes, { prefix: '/api/event-hooks', hooks });
      await app.register(eventsRoutes, { prefix: '/api/events', events });
      await app.register(deadLettersRoutes, { prefix: '/api/dead-letters', events });
      await app.register(eventTypesRoutes, { prefix: '/api/event-types' });
    },
    readiness: {
      name: 'events',
      async check() {
        if (!m.dispatcher || !m.cron) return { ok: true, detail: 'dispatcher and cron do not run on this node (role api)' };
        const d = m.dispatcher.status();
        const c = m.cron.status();
        // A loop in back-off has just failed to reach the database; it keeps retrying.
        // Finished deliveries whose results cannot be saved (savingBackoff) are no progress either.
        const ok = d.state !== 'backoff' && !d.savingBackoff && c.state !== 'backoff' && d.state !== 'stopped';
        const saving = d.savingBackoff ? `, backoff saving ${d.unsavedCompletions} results` : '';
        const detail = `dispatcher ${d.state} (${d.inFlight} in flight${d.listening ? ', listening' : ''}${saving})${d.lastError ? `, last error: ${d.lastError}` : ''}; cron ${c.state}${c.lastError ? `, last error: ${c.lastError}` : ''}`;
        return { ok, detail };
      },
    },
    start(log) {
      if (!o.runWorkers) return;
      m.dispatcher = new Dispatcher({ db, caps, invoker: o.invoker, metrics: o.metrics, log, databaseUrl: o.databaseUrl, health: o.store.health, ...(o.maxEventDepth ? { maxEventDepth: o.maxEventDepth } : {}), ...o.dispatcher });
      m.cron = new CronScheduler({ db, metrics: o.metrics, log, clock: o.cronClock, health: o.store.health });
      m.dispatcher.start();
      m.cron.start();
    },
    async stop() {
      await Promise.all([m.cron?.stop(), m.dispatcher?.stop()]);
    },
  };
  return m;
}
