// The one place that reads the environment: returns a frozen, validated configuration.
import path from 'node:path';
import { DEFAULT_EVALUATION_LIMITS, type EvaluationLimits } from './util/evaluation-limits.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; absent means SQLite at `<dataDir>/outrigger.db`. */
  databaseUrl?: string;
  masterKey?: string;
  adminToken?: string;
  /** CIDR ranges that executors may reach although they are loopback/private/link-local (SPEC 4). */
  egressAllowCidrs: string[];
  logLevel: string;
  /** Caps on what an execution record keeps (bytes of JSON text). */
  executionFieldCapBytes: number;
  /** Days an execution record is kept; 0 keeps them forever. */
  executionRetentionDays: number;
  defaultTimeZone: string;
  demo: boolean;
  role: 'all' | 'api' | 'worker';
  /** `auto`: run code when the machine can isolate it (else code executors answer 503); `required`: refuse to start without; `off`. */
  sandbox: 'auto' | 'required' | 'off';
  /** Run code without isolation when the machine cannot isolate it (development only; logged loudly). */
  allowUnsandboxed: boolean;
  /** Pre-started warm workers per language (0 turns them off). */
  sandboxSpares: number;
  /** Sandbox limit defaults set by the administrator (`OUTRIGGER_SANDBOX_*`); unset ones keep the built-in defaults. */
  sandboxLimits: Partial<Record<SandboxLimitName, number>>;

  /** Storage quotas per workspace (`OUTRIGGER_STORAGE_*`). */
  storageLimits: StorageLimits;
  /** Dependency build limits (`OUTRIGGER_DEPS_*`). */
  depsLimits: DepsLimits;
  /** PostgreSQL connections per process (`OUTRIGGER_PG_POOL_SIZE`). */
  pgPoolSize: number;
  /** How long connecting to PostgreSQL, or waiting for a pooled connection, may take before a query fails (ms). */
  pgConnectTimeoutMs: number;
  /** Server-side limit per SQL statement (ms); 0 leaves PostgreSQL's own setting. */
  pgStatementTimeoutMs: number;
  /** How long /readyz waits for the database's `select 1` before calling it unavailable (ms). */
  healthCheckTimeoutMs: number;
  /** How long a verified token keeps working while the database cannot be asked (ms); 0 turns that off. */
  authStaleMs: number;

  /** How long a customer search answer is cached (ms); 0 turns the cache off. */
  recognitionCacheTtlMs: number;
  /** Default OpenAI-compatible base URL of smart agents (`OUTRIGGER_LLM_BASE_URL`). */
  llmBaseUrl?: string;
  /** Default API key of smart agents (`OUTRIGGER_LLM_API_KEY`); only ever sent to `llmBaseUrl`. */
  llmApiKey?: string;
  /** Bounds on user-controlled evaluation: JSON bodies, JSON Schema, JSON Logic, Mustache, event-loop lag (`OUTRIGGER_LIMIT_*`). */
  limits: EvaluationLimits;
  /** A token that may scrape `/metrics` and nothing else (`OUTRIGGER_METRICS_TOKEN`); admin tokens may too. */
  metricsToken?: string;
  /** How deep invocations may nest (UDF calls and invocations through `ctx.api`), `OUTRIGGER_MAX_NESTING_DEPTH`. */
  maxNestingDepth: number;
  /** Events caused by events (a hook's execution emitting again) stop being delivered at this depth, `OUTRIGGER_MAX_EVENT_DEPTH`. */
  maxEventDepth: number;
  /** Fleet timing (`OUTRIGGER_LEASE_MS`, `OUTRIGGER_HEARTBEAT_MS`, `OUTRIGGER_REAP_INTERVAL_MS`). */
  fleet: FleetTiming;
  /** Event deliveries one worker runs at once (`OUTRIGGER_MAX_IN_FLIGHT`). */
  maxInFlight: number;
  /** Event deliveries of one workspace one worker runs at once (`OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT`, default half of maxInFlight). */
  maxInFlightPerWorkspace: number;
}

/** How a fleet notices dead workers: a worker is dead after three missed heartbeats, or when a lease runs out. */
export interface FleetTiming {
  /** How long a claimed delivery stays with its worker without renewal (renewed every third of it while it runs). */
  leaseMs: number;
  /** How often every node writes its heartbeat; a worker silent for 3 intervals counts as dead. */
  heartbeatMs: number;
  /** How often workers look for expired leases and silent workers to reclaim their deliveries. */
  reapIntervalMs: number;
  /**
   * How long a synchronous job for an executor that another live worker has warm is left to that worker before any
   * worker takes it (`OUTRIGGER_AFFINITY_STEAL_MS`): shorter than a cold start, long enough for the warm node's claim.
   */
  affinityStealMs: number;
}

/** Validated fleet timing: a worker must beat (and renew) well within its lease, or live work would be reclaimed. */
function fleetTiming(env: NodeJS.ProcessEnv): FleetTiming {
  const leaseMs = intFrom('OUTRIGGER_LEASE_MS', env.OUTRIGGER_LEASE_MS, 15_000, 1_000, 3_600_000);
  const heartbeatMs = intFrom('OUTRIGGER_HEARTBEAT_MS', env.OUTRIGGER_HEARTBEAT_MS, 2_000, 100, 600_000);
  const reapIntervalMs = intFrom('OUTRIGGER_REAP_INTERVAL_MS', env.OUTRIGGER_REAP_INTERVAL_MS, 2_000, 100, 600_000);
  if (reapIntervalMs > leaseMs) throw new ConfigError(`OUTRIGGER_REAP_INTERVAL_MS (${reapIntervalMs}) must not exceed OUTRIGGER_LEASE_MS (${leaseMs}): expired leases would wait longer than the lease itself`);
  if (heartbeatMs * 3 > leaseMs) throw new ConfigError(`OUTRIGGER_HEARTBEAT_MS (${heartbeatMs}) times 3 must not exceed OUTRIGGER_LEASE_MS (${leaseMs}): a live worker would look dead before its lease ends`);
  const affinityStealMs = intFrom('OUTRIGGER_AFFINITY_STEAL_MS', env.OUTRIGGER_AFFINITY_STEAL_MS, 25, 0, 10_000);
  return { leaseMs, heartbeatMs, reapIntervalMs, affinityStealMs };
}

/** The worker's in-flight cap and its per-workspace share: a share above the cap could never be reached. */
function inFlightCaps(env: NodeJS.ProcessEnv, overrides: Partial<Config>): Pick<Config, 'maxInFlight' | 'maxInFlightPerWorkspace'> {
  const maxInFlight = overrides.maxInFlight ?? intFrom('OUTRIGGER_MAX_IN_FLIGHT', env.OUTRIGGER_MAX_IN_FLIGHT, 64, 1, 10_000);
  const perWorkspace = overrides.maxInFlightPerWorkspace
    ?? intFrom('OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT', env.OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT, Math.max(1, Math.floor(maxInFlight / 2)), 1, 10_000);
  if (perWorkspace > maxInFlight) {
    throw new ConfigError(`OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT (${perWorkspace}) must not exceed OUTRIGGER_MAX_IN_FLIGHT (${maxInFlight}): one workspace's share of a worker's deliveries cannot be larger than all of them`);
  }
  return { maxInFlight, maxInFlightPerWorkspace: perWorkspace };
}

/** What one workspace may keep in storage, and how much one list answer may carry. */
export interface StorageLimits {
  /** Bytes of keys plus JSON values a workspace may hold (live objects). */
  maxBytes: number;
  /** Storage objects a workspace may hold. */
  maxKeys: number;
  /** Bytes of JSON of one value. */
  valueMaxBytes: number;
  /** Entries of one list answer (REST page maximum and `ctx.storage.list`). */
  listMaxItems: number;
  /** Bytes of keys plus JSON values of one list answer. */
  listMaxBytes: number;
}

/** Dependency build limits: queueing per workspace and in total, and the size of one build directory. */
export interface DepsLimits {
  /** Builds running at once on this server. */
  concurrency: number;
  /** Builds of one workspace running at once. */
  concurrencyPerWorkspace: number;
  /** Bytes one build directory may grow to. */
  maxBuildBytes: number;
}

export class ConfigError extends Error {}

function intFrom(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

const PORT_RULE = 'an integer from 0 to 65535 (0 picks a free port)';

/** A TCP port as written in PORT or `serve --port`: decimal digits only, 0..65535; anything else is a ConfigError naming it. */
export function parsePort(raw: string, name: string): number {
  const text = raw.trim();
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n <= 65535)) throw new ConfigError(`${name} must be ${PORT_RULE}, got "${raw}"`);
  return n;
}

/** A port handed over as a number (an override): the same rule. */
function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be ${PORT_RULE}, got ${port}`);
  return port;
}

/** Sandbox limits an administrator may set: environment variable -> [limit, unit multiplier, min, max]. */
const SANDBOX_LIMIT_VARS = {
  OUTRIGGER_SANDBOX_PIDS: ['pids', 1, 8, 4096],
  OUTRIGGER_SANDBOX_TMP_MB: ['tmpBytes', 1024 * 1024, 1, 16384],
  OUTRIGGER_SANDBOX_OUTPUT_MB: ['outputBytes', 1024 * 1024, 1, 1024],
  OUTRIGGER_SANDBOX_REPLY_MB: ['replyBytes', 1024 * 1024, 1, 1024],
  OUTRIGGER_SANDBOX_EGRESS_CONNECTIONS: ['egressConnections', 1, 1, 4096],
  OUTRIGGER_SANDBOX_EGRESS_CONNECTIONS_TOTAL: ['egressConnectionsTotal', 1, 1, 65536],
  OUTRIGGER_SANDBOX_LOG_KB: ['logBytes', 1024, 1, 1024 * 1024],
  OUTRIGGER_SANDBOX_CPU_PERCENT: ['cpuPercent', 1, 1, 6400],
  OUTRIGGER_SANDBOX_MAX_INVOCATIONS: ['maxInvocationsPerWorker', 1, 1, 1_000_000],
  OUTRIGGER_SANDBOX_IDLE_SECONDS: ['idleMs', 1000, 1, 86_400],
  OUTRIGGER_SANDBOX_MAX_WORKERS: ['maxWorkers', 1, 1, 4096],
  OUTRIGGER_SANDBOX_MAX_WORKERS_PER_POOL: ['maxWorkersPerPool', 1, 1, 1024],
  OUTRIGGER_SANDBOX_RESERVED_WORKERS: ['reservedWorkers', 1, 0, 4096],
} as const;
export type SandboxLimitName = (typeof SANDBOX_LIMIT_VARS)[keyof typeof SANDBOX_LIMIT_VARS][0];

function sandboxLimits(env: NodeJS.ProcessEnv): Partial<Record<SandboxLimitName, number>> {
  const out: Partial<Record<SandboxLimitName, number>> = {};
  for (const [name, [limit, unit, min, max]] of Object.entries(SANDBOX_LIMIT_VARS)) {
    if (env[name] !== undefined && env[name] !== '') out[limit] = intFrom(name, env[name], min, min, max) * unit;
  }
  return out;
}

const MB = 1024 * 1024;

function storageLimits(env: NodeJS.ProcessEnv): StorageLimits {
  const limits: StorageLimits = {
    maxBytes: intFrom('OUTRIGGER_STORAGE_MAX_MB', env.OUTRIGGER_STORAGE_MAX_MB, 100, 1, 1024 * 1024) * MB,
    maxKeys: intFrom('OUTRIGGER_STORAGE_MAX_KEYS', env.OUTRIGGER_STORAGE_MAX_KEYS, 10_000, 1, 100_000_000),
    valueMaxBytes: intFrom('OUTRIGGER_STORAGE_VALUE_MAX_KB', env.OUTRIGGER_STORAGE_VALUE_MAX_KB, 1024, 1, 64 * 1024) * 1024,
    listMaxItems: intFrom('OUTRIGGER_STORAGE_LIST_MAX_ITEMS', env.OUTRIGGER_STORAGE_LIST_MAX_ITEMS, 1000, 1, 100_000),
    listMaxBytes: intFrom('OUTRIGGER_STORAGE_LIST_MAX_MB', env.OUTRIGGER_STORAGE_LIST_MAX_MB, 4, 1, 1024) * MB,
  };
  // One value must always fit into a list answer, or a page could never move past it.
  if (limits.listMaxBytes < limits.valueMaxBytes + 1024) {
    throw new ConfigError('OUTRIGGER_STORAGE_LIST_MAX_MB must be larger than OUTRIGGER_STORAGE_VALUE_MAX_KB (one value must fit into a list answer)');
  }
  return limits;
}

function depsLimits(env: NodeJS.ProcessEnv): DepsLimits {
  return {
    concurrency: intFrom('OUTRIGGER_DEPS_CONCURRENCY', env.OUTRIGGER_DEPS_CONCURRENCY, 2, 1, 64),
    concurrencyPerWorkspace: intFrom('OUTRIGGER_DEPS_CONCURRENCY_PER_WORKSPACE', env.OUTRIGGER_DEPS_CONCURRENCY_PER_WORKSPACE, 1, 1, 64),
    maxBuildBytes: intFrom('OUTRIGGER_DEPS_MAX_MB', env.OUTRIGGER_DEPS_MAX_MB, 1024, 1, 1024 * 1024) * MB,
  };
}

/** Evaluation limits an administrator may set: environment variable -> [limit, min, max]. */
const EVALUATION_LIMIT_VARS: Record<string, [keyof EvaluationLimits, number, number]> = {
  OUTRIGGER_LIMIT_JSON_DEPTH: ['jsonBodyMaxDepth', 8, 1024],
  OUTRIGGER_LIMIT_SCHEMA_BYTES: ['schemaMaxBytes', 1024, 16 * 1024 * 1024],
  OUTRIGGER_LIMIT_SCHEMA_DEPTH: ['schemaMaxDepth', 4, 512],
  OUTRIGGER_LIMIT_SCHEMA_SUBSCHEMAS: ['schemaMaxSubschemas', 10, 1_000_000],
  OUTRIGGER_LIMIT_SCHEMA_REF_EXPANSION: ['schemaMaxRefExpansion', 10, 10_000_000],
  OUTRIGGER_LIMIT_SCHEMA_VALIDATION_COST: ['schemaMaxValidationCost', 1000, 1_000_000_000_000],
  OUTRIGGER_LIMIT_SCHEMA_CACHE: ['schemaCacheSize', 1, 1_000_000],
  OUTRIGGER_LIMIT_LOGIC_BYTES: ['logicMaxBytes', 256, 16 * 1024 * 1024],
  OUTRIGGER_LIMIT_LOGIC_DEPTH: ['logicMaxDepth', 4, 512],
  OUTRIGGER_LIMIT_LOGIC_OPERATIONS: ['logicMaxOperations', 100, 100_000_000],
  OUTRIGGER_LIMIT_LOGIC_REQUEST_OPERATIONS: ['logicMaxOperationsPerRequest', 100, 1_000_000_000],
  OUTRIGGER_LIMIT_LOGIC_RESULT_LENGTH: ['logicMaxResultLength', 100, 100_000_000],
  OUTRIGGER_LIMIT_TEMPLATE_SECTION_DEPTH: ['templateMaxSectionDepth', 1, 256],
  OUTRIGGER_LIMIT_TEMPLATE_OUTPUT_CHARS: ['templateMaxOutputChars', 1024, 64 * 1024 * 1024],
  OUTRIGGER_LIMIT_TEMPLATE_ITERATIONS: ['templateMaxIterations', 10, 100_000_000],
  OUTRIGGER_EVENT_LOOP_LAG_THRESHOLD_MS: ['eventLoopLagThresholdMs', 10, 600_000],
  OUTRIGGER_EVENT_LOOP_LAG_WINDOW_MS: ['eventLoopLagWindowMs', 1000, 86_400_000],
};

function evaluationLimitsFrom(env: NodeJS.ProcessEnv): EvaluationLimits {
  const out: EvaluationLimits = { ...DEFAULT_EVALUATION_LIMITS };
  for (const [name, [limit, min, max]] of Object.entries(EVALUATION_LIMIT_VARS)) out[limit] = intFrom(name, env[name], out[limit], min, max);
  return Object.freeze(out);
}

function sandboxMode(raw: string | undefined): Config['sandbox'] {
  if (!raw) return 'auto';
  if (raw === 'auto' || raw === 'required' || raw === 'off') return raw;
  throw new ConfigError(`OUTRIGGER_SANDBOX must be auto, required or off, got "${raw}"`);
}

function cidrList(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Builds the configuration from environment variables, overridden by explicit values (CLI flags). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? env.OUTRIGGER_DATA_DIR ?? './data');
  const role = overrides.role ?? (env.OUTRIGGER_ROLE as Config['role'] | undefined) ?? 'all';
  if (!['all', 'api', 'worker'].includes(role)) throw new ConfigError(`role must be all, api or worker, got "${role}"`);
  const databaseUrl = overrides.databaseUrl ?? (env.DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite store)');
  }
  // api and worker nodes form a fleet through one PostgreSQL (sync jobs, heartbeats, SKIP LOCKED claims); SQLite is one process.
  if (role !== 'all' && !databaseUrl) {
    throw new ConfigError(`role ${role} needs PostgreSQL (DATABASE_URL): the tiers of a fleet meet in one shared database; with the embedded SQLite store run --role all`);
  }
  const config: Config = {
    port: overrides.port !== undefined ? checkPort(overrides.port) : env.PORT ? parsePort(env.PORT, 'PORT') : 8080,
    host: overrides.host ?? env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl,
    masterKey: overrides.masterKey ?? (env.OUTRIGGER_MASTER_KEY || undefined),
    adminToken: overrides.adminToken ?? (env.OUTRIGGER_ADMIN_TOKEN || undefined),
    egressAllowCidrs: overrides.egressAllowCidrs ?? cidrList(env.OUTRIGGER_EGRESS_ALLOW_CIDRS),
    logLevel: overrides.logLevel ?? env.LOG_LEVEL ?? 'info',
    executionFieldCapBytes: overrides.executionFieldCapBytes ?? intFrom('OUTRIGGER_EXECUTION_FIELD_CAP_BYTES', env.OUTRIGGER_EXECUTION_FIELD_CAP_BYTES, 64 * 1024, 1024, 16 * 1024 * 1024),
    executionRetentionDays: overrides.executionRetentionDays ?? intFrom('OUTRIGGER_EXECUTION_RETENTION_DAYS', env.OUTRIGGER_EXECUTION_RETENTION_DAYS, 30, 0, 36500),
    defaultTimeZone: overrides.defaultTimeZone ?? env.OUTRIGGER_TIME_ZONE ?? 'Europe/Berlin',
    demo: overrides.demo ?? env.OUTRIGGER_DEMO === '1',
    role,

    pgPoolSize: overrides.pgPoolSize ?? intFrom('OUTRIGGER_PG_POOL_SIZE', env.OUTRIGGER_PG_POOL_SIZE, 10, 1, 1000),
    pgConnectTimeoutMs: overrides.pgConnectTimeoutMs ?? intFrom('OUTRIGGER_PG_CONNECT_TIMEOUT_MS', env.OUTRIGGER_PG_CONNECT_TIMEOUT_MS, 5_000, 100, 600_000),
    pgStatementTimeoutMs: overrides.pgStatementTimeoutMs ?? intFrom('OUTRIGGER_PG_STATEMENT_TIMEOUT_MS', env.OUTRIGGER_PG_STATEMENT_TIMEOUT_MS, 0, 0, 86_400_000),
    healthCheckTimeoutMs: overrides.healthCheckTimeoutMs ?? intFrom('OUTRIGGER_HEALTH_CHECK_TIMEOUT_MS', env.OUTRIGGER_HEALTH_CHECK_TIMEOUT_MS, 2_000, 50, 60_000),
    authStaleMs: overrides.authStaleMs ?? intFrom('OUTRIGGER_AUTH_STALE_SECONDS', env.OUTRIGGER_AUTH_STALE_SECONDS, 60, 0, 86_400) * 1000,

    recognitionCacheTtlMs: overrides.recognitionCacheTtlMs ?? intFrom('OUTRIGGER_RECOGNITION_CACHE_TTL_MS', env.OUTRIGGER_RECOGNITION_CACHE_TTL_MS, 300_000, 0, 86_400_000),
    llmBaseUrl: overrides.llmBaseUrl ?? (env.OUTRIGGER_LLM_BASE_URL || undefined),
    llmApiKey: overrides.llmApiKey ?? (env.OUTRIGGER_LLM_API_KEY || undefined),
    metricsToken: overrides.metricsToken ?? (env.OUTRIGGER_METRICS_TOKEN || undefined),
    maxNestingDepth: overrides.maxNestingDepth ?? intFrom('OUTRIGGER_MAX_NESTING_DEPTH', env.OUTRIGGER_MAX_NESTING_DEPTH, 8, 1, 64),
    maxEventDepth: overrides.maxEventDepth ?? intFrom('OUTRIGGER_MAX_EVENT_DEPTH', env.OUTRIGGER_MAX_EVENT_DEPTH, 8, 1, 64),
    fleet: Object.freeze(overrides.fleet ?? fleetTiming(env)),
    ...inFlightCaps(env, overrides),
    sandbox: overrides.sandbox ?? sandboxMode(env.OUTRIGGER_SANDBOX),
    allowUnsandboxed: overrides.allowUnsandboxed ?? env.OUTRIGGER_ALLOW_UNSANDBOXED === '1',
    sandboxSpares: overrides.sandboxSpares ?? intFrom('OUTRIGGER_SANDBOX_SPARES', env.OUTRIGGER_SANDBOX_SPARES, 1, 0, 16),
    sandboxLimits: overrides.sandboxLimits ?? sandboxLimits(env),
    storageLimits: overrides.storageLimits ?? storageLimits(env),
    depsLimits: overrides.depsLimits ?? depsLimits(env),
    limits: Object.freeze({ ...evaluationLimitsFrom(env), ...overrides.limits }),
  };
  return Object.freeze(config);
}
