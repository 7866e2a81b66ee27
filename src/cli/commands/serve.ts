// `outrigger serve`: starts the server, prints its URL (and a first admin token), shuts down gracefully on signals.
import { ConfigError, loadConfig, type Config } from '../../config.js';
import { createOutrigger } from '../../server.js';
import { seedDemo } from '../../demo/seed.js';
import { createAddressPolicy } from '../../executors/egress/address-policy.js';
import { installProcessGuard } from '../../observability/process-guard.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  demo?: boolean;
  role?: string;
  leaseMs?: string;
  heartbeatMs?: string;
  reapIntervalMs?: string;
  maxInFlight?: string;
  workspaceMaxInFlight?: string;
  pgPoolSize?: string;
  pgStatementTimeoutMs?: string;
  sandboxMaxWorkers?: string;
}

/** Fleet flags and the environment variable each one sets (validated by loadConfig like the variable itself). */
const ENV_FLAGS = {
  leaseMs: ['--lease-ms', 'OUTRIGGER_LEASE_MS'],
  heartbeatMs: ['--heartbeat-ms', 'OUTRIGGER_HEARTBEAT_MS'],
  reapIntervalMs: ['--reap-interval-ms', 'OUTRIGGER_REAP_INTERVAL_MS'],
  maxInFlight: ['--max-in-flight', 'OUTRIGGER_MAX_IN_FLIGHT'],
  workspaceMaxInFlight: ['--workspace-max-in-flight', 'OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT'],
  pgPoolSize: ['--pg-pool-size', 'OUTRIGGER_PG_POOL_SIZE'],
  pgStatementTimeoutMs: ['--pg-statement-timeout-ms', 'OUTRIGGER_PG_STATEMENT_TIMEOUT_MS'],
  sandboxMaxWorkers: ['--sandbox-max-workers', 'OUTRIGGER_SANDBOX_MAX_WORKERS'],
} as const;

/** The configuration from the environment with the flags on top; an invalid flag is named as the flag. */
export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const overrides: Partial<Config> = {};
  if (flags.port !== undefined) overrides.port = Number(flags.port);
  if (flags.host) overrides.host = flags.host;
  if (flags.dataDir) overrides.dataDir = flags.dataDir;
  if (flags.demo) overrides.demo = true;
  if (flags.role) overrides.role = flags.role as Config['role'];
  const merged = { ...env };
  const given: Array<readonly [string, string]> = [];
  for (const [key, [flag, name]] of Object.entries(ENV_FLAGS)) {
    const value = flags[key as keyof typeof ENV_FLAGS];
    if (value === undefined) continue;
    merged[name] = value;
    given.push([flag, name]);
  }
  try {
    return loadConfig(merged, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    let message = err.message;
    for (const [flag, name] of given) message = message.replaceAll(name, `${flag} (${name})`);
    throw new ConfigError(message, { cause: err });
  }
}

export async function serve(flags: ServeFlags): Promise<void> {
  const config = serveConfig(flags);
  const o = await createOutrigger(config);
  // After start-up (a failed start should still exit): from here on no tenant's input may end the process.
  installProcessGuard((kind, err) => o.app.log.error({ err, kind }, 'uncaught error caught by the process guard; the server keeps running'));
  const address = await o.app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  process.stdout.write(`Outrigger ${url} (store: ${config.databaseUrl ? 'PostgreSQL' : 'SQLite ' + config.dataDir}/outrigger.db)\n`);
  process.stdout.write(`API docs: ${url}/api/docs\n`);
  if (o.createdAdminToken) process.stdout.write(`Admin token (shown once, keep it): ${o.createdAdminToken}\n`);
  if (config.demo) {
    const created = await seedDemo(o, url);
    if (!createAddressPolicy(config.egressAllowCidrs).allows('127.0.0.1')) {
      process.stdout.write('Demo executors call this server on 127.0.0.1, which egress rules refuse: start with OUTRIGGER_EGRESS_ALLOW_CIDRS=127.0.0.1/32\n');
    }
    process.stdout.write(`Demo executors ready${created.length ? ` (created ${created.join(', ')})` : ''}\n`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    o.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await o.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
