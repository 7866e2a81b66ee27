// `outrigger serve`: starts the server, prints its URL (and a first admin token), shuts down gracefully on signals.
import { ConfigError, loadConfig, parsePort, type Config } from '../../config.js';
import { createOutrigger } from '../../server.js';
import { seedDemo } from '../../demo/seed.js';
import { createAddressPolicy } from '../../executors/egress/address-policy.js';
import { installProcessGuard } from '../../observability/process-guard.js';
import type { CliIo } from '../io.js';

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
  affinityStealMs?: string;
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
  affinityStealMs: ['--affinity-steal-ms', 'OUTRIGGER_AFFINITY_STEAL_MS'],
} as const;

/** The configuration from the environment with the flags on top; an invalid flag is named as the flag. */
export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const overrides: Partial<Config> = {};
  if (flags.port !== undefined) overrides.port = parsePort(flags.port, '--port');
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

/** A shutdown that takes longer than this gives up on the open work and ends with code 1. */
const FORCED_EXIT_MS = 30_000;

/** Serves until SIGTERM or SIGINT, then shuts down and resolves to the exit code (0, or 1 when the shutdown hung). */
export async function serve(flags: ServeFlags, io: CliIo): Promise<number> {
  const config = serveConfig(flags, io.env);
  const o = await createOutrigger(config);
  let address: string;
  try {
    address = await o.app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // A port in use (or refused) ends the command, so nothing of the half-started server may stay open.
    await o.close();
    throw err;
  }
  // After start-up (a failed start should still exit): from here on no tenant's input may end the process.
  installProcessGuard((kind, err) => o.app.log.error({ err, kind }, 'uncaught error caught by the process guard; the server keeps running'));
  const url = address.replace('[::1]', 'localhost');
  io.stdout(`Outrigger ${url} (store: ${config.databaseUrl ? 'PostgreSQL' : 'SQLite ' + config.dataDir}/outrigger.db)\n`);
  io.stdout(`API docs: ${url}/api/docs\n`);
  if (o.createdAdminToken) io.stdout(`Admin token (shown once, keep it): ${o.createdAdminToken}\n`);
  if (config.demo) {
    const created = await seedDemo(o, url);
    if (!createAddressPolicy(config.egressAllowCidrs).allows('127.0.0.1')) {
      io.stdout('Demo executors call this server on 127.0.0.1, which egress rules refuse: start with OUTRIGGER_EGRESS_ALLOW_CIDRS=127.0.0.1/32\n');
    }
    io.stdout(`Demo executors ready${created.length ? ` (created ${created.join(', ')})` : ''}\n`);
  }
  // The listeners stay until the shutdown is over: a second Ctrl-C during it is ignored, as the first one is handled.
  let onSignal: (s: NodeJS.Signals) => void = () => undefined;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  o.app.log.info({ signal }, 'shutting down');
  let force: NodeJS.Timeout | undefined;
  const hung = new Promise<number>((resolve) => { force = setTimeout(() => resolve(1), FORCED_EXIT_MS); force.unref(); });
  try {
    return await Promise.race([o.close().then(() => 0), hung]);
  } finally {
    clearTimeout(force);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
