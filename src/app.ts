// buildApp(deps, config) -> a Fastify instance with every route registered, not listening (tests use inject).
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import type { Db } from './store/index.js';
import type { Metrics } from './observability/metrics.js';
import { clientErrorHandler, frameworkErrorHandler, installProblemHandlers } from './api/problem-handler.js';
import { Problem } from './api/common-schemas.js';
import { withDefaultErrors } from './api/schemas/responses.js';
import { systemRoutes } from './system/system.routes.js';
import type { ReadinessCheck } from './observability/readiness.js';
import { pingDatabase } from './store/db-health.js';
import { authPlugin } from './auth/auth.plugin.js';
import { authRoutes } from './auth/auth.routes.js';
import { AccessService } from './auth/access.service.js';
import { ExecutionsService } from './executors/executions.service.js';
import { executorsRoutes } from './executors/executors.routes.js';
import { executionsRoutes } from './executors/executions.routes.js';
import { testStreamRoutes } from './executors/test-stream.routes.js';
import { statsRoutes } from './stats/stats.routes.js';
import { StatsService } from './stats/stats.service.js';
import { secretsRoutes } from './secrets/secrets.routes.js';
import { storageRoutes } from './storage/storage.routes.js';
import type { ExecutorsService } from './executors/executors.service.js';
import type { InvokeService } from './executors/invoke.service.js';
import type { SecretsService } from './secrets/secrets.service.js';
import type { StorageService } from './storage/storage.service.js';
import { VERSION } from './version.js';
import { ProblemError } from './errors.js';
import { JsonBodyRefusal, parseJsonBody } from './util/safe-json.js';
import { DEFAULT_EVALUATION_LIMITS } from './util/evaluation-limits.js';
import { startEventLoopMonitor } from './observability/event-loop.js';

export interface AppDeps {
  db: Db;
  metrics: Metrics;
  executors: ExecutorsService;
  invoker: InvokeService;
  /** The executions log (built over `db` when absent). */
  executions?: ExecutionsService;
  secrets: SecretsService;
  storage: StorageService;
  readinessChecks?: ReadinessCheck[];
  /** Extra feature plugins (integration points, demo endpoints) registered after the core routes. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Runs before anything else of every request (a worker node refuses its public API here: fleet/worker-gate.ts). */
  requestGate?: (req: FastifyRequest) => Promise<void>;
}

/** `select 1` with a deadline, for apps built without the store's own check (tests of single routes). */
function defaultDatabaseCheck(db: Db): ReadinessCheck {
  return {
    name: 'database',
    async check() {
      await pingDatabase(db, 2_000);
      return { ok: true };
    },
  };
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Two validators: bodies are never coerced or stripped (wrong types and unknown fields are errors); query strings and params are coerced from text. */
function validatorCompiler() {
  const strict = addFormats(new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false }));
  const coercing = addFormats(new Ajv({ allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false }));
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? strict : coercing).compile(schema);
}

/** Strict JSON bodies: nesting, duplicate keys, prototype keys and inexact numbers are 400s naming the place. */
function installJsonParser(app: FastifyInstance, maxDepth: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text === '') return done(new ProblemError('MALFORMED_JSON', 'the body is empty although content-type is application/json'), undefined);
    try {
      done(null, parseJsonBody(text, maxDepth));
    } catch (err) {
      if (err instanceof JsonBodyRefusal) done(new ProblemError('VALIDATION_FAILED', `body ${err.field}: ${err.message}`, { errors: [{ field: err.field, message: err.message }] }), undefined);
      else done(new ProblemError('MALFORMED_JSON', `the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}

export async function buildApp(deps: AppDeps, config: Pick<Config, 'logLevel' | 'defaultTimeZone'> & Partial<Pick<Config, 'limits' | 'metricsToken' | 'authStaleMs'>>, opts: { logger?: boolean; logStream?: NodeJS.WritableStream } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : {
      level: config.logLevel,
      ...(opts.logStream ? { stream: opts.logStream } : {}),
      // Tokens must never reach a log line.
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[REDACTED]' },
    },
    bodyLimit: 8 * 1024 * 1024,
    // A too-long path parameter or a malformed URL is a 400 problem+json like every other refusal.
    frameworkErrors: frameworkErrorHandler,
    // Refusals by Node's HTTP parser (431 headers too large, not HTTP) as problem+json too.
    clientErrorHandler,
    // Two log lines per request would cost more than a warm invocation; errors and refusals are still logged.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  const limits = config.limits ?? DEFAULT_EVALUATION_LIMITS;
  installJsonParser(app, limits.jsonBodyMaxDepth);
  // Event-loop health: gauges on /metrics and a readiness check that remembers a recent stall.
  const loop = startEventLoopMonitor(deps.metrics.registry, { thresholdMs: limits.eventLoopLagThresholdMs, windowMs: limits.eventLoopLagWindowMs });
  app.decorate('eventLoop', loop);
  app.addHook('onReady', async () => loop.arm());
  app.addHook('onClose', async () => loop.stop());
  app.addSchema(Problem);
  // Response schemas document the API (and are checked by schemathesis); answers stay plain JSON.stringify so that a
  // field a schema does not list is never dropped, as fast-json-stringify would.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Every documented route gets the problem+json answers it can give (src/api/schemas/responses.ts).
  app.addHook('onRoute', (route) => {
    if (route.schema && !(route.schema as { hide?: boolean }).hide) {
      withDefaultErrors({ method: route.method, url: route.url, public: route.config?.public, schema: route.schema as { response?: Record<string, unknown> } });
    }
  });
  installProblemHandlers(app);
  if (deps.requestGate) app.addHook('onRequest', deps.requestGate);

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpRequests.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Outrigger API', version: VERSION, description: 'Executors, their versions and executions, secrets, storage, tokens and integration points. Errors are RFC 9457 problem+json.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Shared schemas keep their $id as the component name (`#/components/schemas/Problem`).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(authPlugin, { db: deps.db, staleMs: config.authStaleMs });
  // The composition root may bring its own database check (with the configured deadline and the store's health).
  const checks = deps.readinessChecks ?? [];
  const databaseCheck = checks.some((c) => c.name === 'database') ? [] : [defaultDatabaseCheck(deps.db)];
  await app.register(systemRoutes, { metrics: deps.metrics, version: VERSION, checks: [...databaseCheck, ...checks, { name: 'eventLoop', check: () => loop.check() }], metricsToken: config.metricsToken });
  await app.register(authRoutes, { prefix: '/api', access: new AccessService(deps.db, config.defaultTimeZone) });
  await app.register(executorsRoutes, { prefix: '/api/executors', executors: deps.executors, invoker: deps.invoker });
  await app.register(testStreamRoutes, { prefix: '/api/executors', invoker: deps.invoker });
  await app.register(statsRoutes, { prefix: '/api/stats', stats: new StatsService(deps.db) });
  await app.register(executionsRoutes, { prefix: '/api/executions', executions: deps.executions ?? new ExecutionsService(deps.db) });
  await app.register(secretsRoutes, { prefix: '/api/secrets', secrets: deps.secrets });
  await app.register(storageRoutes, { prefix: '/api/storage', storage: deps.storage });
  for (const p of deps.plugins ?? []) await app.register(p);
  return app;
}
