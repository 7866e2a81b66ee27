// Composition root: wires store, services and the app from a config; `start` also listens and handles signals.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { openStore, type Store } from './store/index.js';
import { buildApp } from './app.js';
import { createMetrics } from './observability/metrics.js';
import { loadMasterKey } from './secrets/master-key.js';
import { verifyMasterKey } from './secrets/master-key-check.js';
import { createCipher } from './secrets/cipher.js';
import { SecretsService } from './secrets/secrets.service.js';
import { StorageService } from './storage/storage.service.js';
import { ExecutorsService } from './executors/executors.service.js';
import { InvokeService } from './executors/invoke.service.js';
import { SdkHostFactory, type PlatformApi } from './executors/sdk-host.js';
import { createAddressPolicy } from './executors/egress/address-policy.js';
import { createGuardedAgent } from './executors/egress/guarded-agent.js';
import { connectVersions, startCodeRuntime, type CodeRuntime } from './executors/code-runtime.js';
import { dependenciesRoutes } from './executors/dependencies.routes.js';
import { DependenciesService } from './executors/dependencies.service.js';
import { ensureDefaultWorkspace } from './workspaces/workspaces.service.js';
import { createExecutionToken, createToken, hasAnyToken, purgeExpiredTokens, tokenExists } from './auth/tokens.js';
import { ExecutionsService } from './executors/executions.service.js';
import { demoPlugin } from './demo/erp.routes.js';
import { consolePlugin } from './console/console.plugin.js';
import { VERSION } from './version.js';
import { newId } from './ids.js';
import { setEvaluationLimits } from './util/evaluation-limits.js';

import { createHost, type Host } from './host/host.plugin.js';
import { createWebhooksService, webhooksPlugin } from './points/webhooks/webhooks.plugin.js';
import { createUdfsService, udfResolver, udfsPlugin } from './points/udfs/udfs.plugin.js';
import { ImportService } from './compat/import.service.js';
import { importRoutes } from './compat/import.routes.js';
import type { BindingsService } from './points/bindings/callable-bindings.service.js';
import { createPointsServices, type PointsServices } from './points/points-services.js';
import { pointBindingLookup } from './points/bindings/binding-store.js';
import { hostTicketPort } from './host-ticket-port.js';
import { createEventsModule, type EventsModule, type EventsModuleOptions } from './events/index.js';
import { purgeEventsBefore } from './events/outbox.js';
import { loopsReadiness, type LoopRunner } from './loops/loop-runner.js';
import { maintenanceLoop } from './loops/maintenance.js';
import { createFleet, MISSED_BEATS, type Fleet } from './fleet/index.js';
import { RemoteInvoker } from './fleet/remote-invoker.js';
import { SyncJobWorker } from './fleet/sync-job-worker.js';
import { createWorkerGate, INTERNAL_HEADER } from './fleet/worker-gate.js';
import type { ReadinessCheck } from './observability/readiness.js';

export interface Outrigger {
  app: FastifyInstance;
  config: Config;
  store: Store;
  executors: ExecutorsService;
  invoker: InvokeService;
  secrets: SecretsService;
  storage: StorageService;
  /** Customer recognition, rule-based agents, AI tools, smart agents. */
  points: PointsServices;
  /** The code sandbox, or why code cannot run on this server. */
  code: CodeRuntime;
  defaultWorkspaceId: string;
  // host model, webhooks, UDFs
  host: Host;
  webhooks: BindingsService;
  udfs: BindingsService;
  events: EventsModule;
  /** This node's heartbeat and the fleet's health. */
  fleet: Fleet;
  /** The purges (expired tokens and storage objects, executions and events past their retention): a loop of /readyz. */
  maintenance: LoopRunner;
  /** Set when this start created the first admin token (shown once). */
  createdAdminToken?: string;
  close(): Promise<void>;
}

export interface CreateOptions {
  logger?: boolean;
  /** Where JSON log lines go (default stdout); tests read them to prove nothing secret is logged. */
  logStream?: NodeJS.WritableStream;
  /** PostgreSQL schema (tests give each suite its own). */
  pgSchema?: string;
  // host model
  /** Current time in epoch ms for the host model and its inactivity rule (tests inject one). */
  clock?: () => number;
  /** How often the ticket inactivity sweep runs (default one minute). */
  hostSweepIntervalMs?: number;
  /** Between two passes of the maintenance loop (purges); a minute by default. */
  maintenanceIntervalMs?: number;
  /** Event dispatcher tuning and injectable clocks (tests, benchmarks). */
  events?: Pick<EventsModuleOptions, 'dispatcher' | 'cronClock'> & Partial<Pick<EventsModuleOptions, 'runWorkers'>>;
  /** Folder of the built web console (default console/dist of the install; tests point it elsewhere). */
  consoleDir?: string;
}

const MAINTENANCE_INTERVAL_MS = 60_000;

/** Readiness of the database: a `select 1` within the deadline, with the outage's start and last error when it fails. */
function databaseReadiness(store: Store, timeoutMs: number): ReadinessCheck {
  return {
    name: 'database',
    async check() {
      try {
        await store.ping(timeoutMs);
        return { ok: true };
      } catch (err) {
        const h = store.health.status();
        return { ok: false, detail: `${(err as Error).message}${h.downSince ? ` (unavailable since ${h.downSince})` : ''}` };
      }
    },
  };
}

/** Start-up messages before the app (and its logger) exists; warnings and errors go to stderr whatever the level. */
function startupLog(level: string) {
  const verbose = ['info', 'debug', 'trace'].includes(level);
  return {
    info: (m: string) => { if (verbose) process.stderr.write(`${m}\n`); },
    warn: (m: string) => process.stderr.write(`warning: ${m}\n`),
    error: (m: string) => process.stderr.write(`ERROR: ${m}\n`),
  };
}

/** Builds a complete Outrigger (not listening). */
export async function createOutrigger(config: Config, opts: CreateOptions = {}): Promise<Outrigger> {
  // Evaluators (schemas, JSON Logic, templates, body parser) are plain functions: they read the limits in force.
  setEvaluationLimits(config.limits);
  const early = startupLog(config.logLevel);
  const store = await openStore({
    databaseUrl: config.databaseUrl, sqlitePath: path.join(config.dataDir, 'outrigger.db'), pgSchema: opts.pgSchema,
    pgPoolSize: config.pgPoolSize, pgConnectTimeoutMs: config.pgConnectTimeoutMs, pgStatementTimeoutMs: config.pgStatementTimeoutMs,
    log: { warn: (_obj, msg) => early.warn(msg), info: (_obj, msg) => early.info(msg) },
  });
  const { db } = store;
  const metrics = createMetrics();
  const masterKey = loadMasterKey(config.masterKey, config.dataDir);
  const secrets = new SecretsService(db, createCipher(masterKey));
  try {
    await verifyMasterKey(db, masterKey, {
      source: config.masterKey ? 'OUTRIGGER_MASTER_KEY' : path.join(config.dataDir, 'master.key'),
      undecryptableSample: () => secrets.undecryptableSample(),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const storage = new StorageService(db, { caps: store.caps, limits: config.storageLimits });
  const executors = new ExecutorsService(db);
  const policy = createAddressPolicy(config.egressAllowCidrs);
  const dispatcher = createGuardedAgent(policy);
  // A worker serves no public API; the code it runs still reaches the platform API in-process (ctx.api).
  const workerGate = config.role === 'worker' ? createWorkerGate() : undefined;
  const internal = workerGate ? { [INTERNAL_HEADER]: workerGate.secret } : {};
  const platformApi: PlatformApi = async ({ method, path: url, body, token }) => {
    const res = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}`, ...internal }, ...(body !== undefined ? { payload: body as object } : {}) });
    let parsed: unknown = null;
    if (res.body) {
      try {
        parsed = JSON.parse(res.body);
      } catch {
        parsed = res.body;
      }
    }
    return { status: res.statusCode, body: parsed };
  };
  const sdkHosts = new SdkHostFactory({ storage, platformApi, issueExecutionToken: (workspaceId, executionId, expiresAt) => createExecutionToken(db, workspaceId, executionId, expiresAt) });
  // An api node holds no sandbox and runs no executor code: its invocations run on the workers (fleet/remote-invoker.ts).
  const code = config.role === 'api' ? apiNodeCodeRuntime() : await startCodeRuntime(config, startupLog(config.logLevel));
  if (code.sandbox) connectVersions(code.sandbox, executors, code.prewarms, { warn: (m) => app.log.warn(m) });
  const nodeId = opts.events?.dispatcher?.workerId ?? newId('node');
  const remote = config.role === 'api' && config.databaseUrl ? new RemoteInvoker({
    db, databaseUrl: config.databaseUrl, liveWorkers: () => fleet.liveSyncWorkers(), liveCacheMs: config.fleet.heartbeatMs, health: store.health,
    log: { warn: (obj, msg) => app.log.warn(obj, msg) },
  }) : undefined;
  const invoker = new InvokeService({
    db, secrets, metrics, fieldCapBytes: config.executionFieldCapBytes, maxDepth: config.maxNestingDepth,
    apiCall: { dispatcher, policy, userAgent: `outrigger/${VERSION}` },
    codeRunner: code.sandbox, dependencies: code.sandbox, codeUnavailable: code.unavailable, sdkHosts, remote, nodeId,
  });
  // A worker runs the api nodes' synchronous invocations, in slots of their own (never behind event deliveries).
  const syncWorker = config.role === 'worker' && config.databaseUrl ? new SyncJobWorker({
    db, databaseUrl: config.databaseUrl, nodeId, invoker, health: store.health, log: { warn: (obj, msg) => app.log.warn(obj, msg) },
    onFinished: () => events.dispatcher?.wake(),
    // Warm-worker affinity: jobs for executors another live worker has warm are left to it for a moment.
    affinity: { warm: () => code.sandbox?.warmExecutors?.() ?? [], stealAfterMs: config.fleet.affinityStealMs, liveForMs: MISSED_BEATS * config.fleet.heartbeatMs },
  }) : undefined;

  // host model, webhooks, UDFs
  const webhooks = createWebhooksService(db, invoker);
  const udfs = createUdfsService(db, invoker);
  sdkHosts.udfResolver = udfResolver(udfs);
  const host = createHost({
    store, webhooks, clock: opts.clock ?? Date.now, sweepIntervalMs: opts.hostSweepIntervalMs ?? MAINTENANCE_INTERVAL_MS,
    log: { warn: (obj, msg) => app.log.warn(obj, msg) },
  });
  const hostPlugins = [host.plugin, webhooksPlugin(webhooks), udfsPlugin(udfs)];
  // customer recognition, agents, AI tools (+ MCP), smart agents; the host model is their ticket port
  const points = createPointsServices({
    db, invoker, secrets, guardedDispatcher: dispatcher,
    recognitionCacheTtlMs: config.recognitionCacheTtlMs, llmBaseUrl: config.llmBaseUrl, llmApiKey: config.llmApiKey,
  });
  points.setTickets(hostTicketPort(host));
  // Deleting an executor is refused while a binding of any point names it.
  executors.registerBindingLookup(pointBindingLookup());
  // events (SPEC 3): hooks, publishing, trace; dispatcher and cron only on roles all and worker
  const events = createEventsModule({
    store, metrics, invoker, executors, sdkHosts, databaseUrl: config.databaseUrl,
    runWorkers: config.role === 'all' || config.role === 'worker', maxEventDepth: config.maxEventDepth, ...opts.events,
    // The dispatcher claims as this node (its heartbeat's id), so a silent node's deliveries are known to be its own.
    dispatcher: {
      workerId: nodeId, maxInFlight: config.maxInFlight, maxInFlightPerWorkspace: config.maxInFlightPerWorkspace, leaseMs: config.fleet.leaseMs, reapIntervalMs: config.fleet.reapIntervalMs, silentWorkers: () => fleet.silentWorkers(),
      // The api nodes' synchronous jobs running here take their slots first (sync work has priority over deliveries).
      reservedSlots: () => syncWorker?.running ?? 0,
      ...opts.events?.dispatcher,
    },
  });
  // fleet health: this node's heartbeat, live workers (readiness of api nodes), queue gauges
  const fleet = createFleet({
    store, events: events.events, metrics, timing: config.fleet, role: config.role, nodeId, version: VERSION, inFlight: () => (events.dispatcher?.status().inFlight ?? 0) + (syncWorker?.running ?? 0),
    warm: () => code.sandbox?.warmExecutors?.() ?? [],
  });

  // OUTRIGGER_EXECUTION_RETENTION_DAYS (0 keeps everything): executions, and events with their finished deliveries.
  const retentionMs = config.executionRetentionDays * 86_400_000;
  // The periodic purges, as one loop of /readyz; it logs through the app (built below) once it runs.
  const executions = new ExecutionsService(db);
  const maintenance = maintenanceLoop({
    intervalMs: opts.maintenanceIntervalMs ?? MAINTENANCE_INTERVAL_MS, log: { warn: (obj, msg) => app.log.warn(obj, msg) }, health: store.health,
    tasks: [
      { name: 'expired tokens', run: (now) => purgeExpiredTokens(db, now) },
      { name: 'expired storage objects', run: () => storage.purgeExpired() },
      ...(retentionMs > 0 ? [
        { name: 'executions retention', run: (now: number) => executions.purgeBefore(now - retentionMs) },
        { name: 'events retention', run: (now: number) => purgeEventsBefore(db, now - retentionMs) },
      ] : []),
    ],
  });
  // platformApi (above) reaches the app through this binding once it exists; it is only called during executions.
  const app = await buildApp({
    db, metrics, executors, executions, invoker, secrets, storage,
    readinessChecks: [databaseReadiness(store, config.healthCheckTimeoutMs), events.readiness, code.readiness, fleet.readiness, backgroundLoopsReadiness(events, host, fleet, maintenance, syncWorker)],
    ...(workerGate ? { requestGate: workerGate.onRequest } : {}),
    plugins: [events.plugin, async (a) => { await a.register(dependenciesRoutes, { prefix: '/api/executors', dependencies: new DependenciesService({ executors, sandbox: code.sandbox, unavailable: code.unavailable }) }); }, ...(config.demo ? [demoPlugin] : []), ...hostPlugins, points.plugin, importRoutes(new ImportService({ db, invoker, executors })), consolePlugin({ dir: opts.consoleDir })],
  }, config, { logger: opts.logger, logStream: opts.logStream });
  // Outages and recoveries in the app's structured log from now on.
  store.health.log = { warn: (obj, msg) => app.log.warn(obj, msg), info: (obj, msg) => app.log.info(obj, msg) };

  const ws = await ensureDefaultWorkspace(db, config.defaultTimeZone);
  let createdAdminToken: string | undefined;
  if (config.adminToken) {
    if (!(await tokenExists(db, config.adminToken))) await createToken(db, ws.id, 'bootstrap-admin', 'admin', { token: config.adminToken });
  } else if (!(await hasAnyToken(db, ws.id))) {
    createdAdminToken = (await createToken(db, ws.id, 'admin', 'admin')).token;
  }

  // Background work runs only on nodes that do background work.
  if (config.role !== 'api') host.sweep.start();
  if (config.role !== 'api') maintenance.start();
  await fleet.start(app.log);
  events.start(app.log);
  remote?.start();
  syncWorker?.start();

  return {
    app, config, store, executors, invoker, secrets, storage, points, events, code, defaultWorkspaceId: ws.id, createdAdminToken,
    host, webhooks, udfs, fleet, maintenance,
    async close() {
      await maintenance.stop();
      // Before the app: running deliveries and sync jobs may still call the platform API (ctx.api) while they drain.
      await syncWorker?.stop();
      await remote?.stop();
      await events.stop();
      await host.sweep.stop();
      await fleet.stop();
      await app.close();
      await code.sandbox?.close();
      await dispatcher.close();
      await store.close();
    },
  };
}

/** Every background loop of this node in /readyz (`loops`): state and last error of each, not ready while one fails. */
function backgroundLoopsReadiness(events: EventsModule, host: Host, fleet: Fleet, maintenance: LoopRunner, syncWorker?: SyncJobWorker): ReadinessCheck {
  return {
    name: 'loops',
    check: async () => loopsReadiness([events.dispatcher?.loop, events.dispatcher?.renewal, events.cron?.loop, host.sweep.loop, fleet.heartbeat?.loop, maintenance, syncWorker?.loop].filter((l): l is LoopRunner => l !== undefined)),
  };
}

/** An api node's code runtime: none (its invocations run on the workers, which report their sandboxes). */
function apiNodeCodeRuntime(): CodeRuntime {
  const unavailable = 'this is an api node (--role api): code runs on the worker nodes';
  return { unavailable, prewarms: new Set(), readiness: { name: 'sandbox', check: async () => ({ ok: true, detail: unavailable }) } };
}
