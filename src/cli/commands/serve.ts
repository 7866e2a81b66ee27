// `outrigger serve`: starts the server, prints its URL (and a first admin token), shuts down gracefully on signals.
import { loadConfig, parsePort, type Config } from '../../config.js';
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
}

export async function serve(flags: ServeFlags): Promise<void> {
  const overrides: Partial<Config> = {};
  if (flags.port !== undefined) overrides.port = parsePort(flags.port, '--port');
  if (flags.host) overrides.host = flags.host;
  if (flags.dataDir) overrides.dataDir = flags.dataDir;
  if (flags.demo) overrides.demo = true;
  if (flags.role) overrides.role = flags.role as Config['role'];
  const config = loadConfig(process.env, overrides);
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
