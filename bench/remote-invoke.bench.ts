// Remote against local synchronous invocation: the same trivial Node handler invoked through one `--role all` node and
// through an api node that hands each call to a worker node (sync_jobs + LISTEN/NOTIFY), both on PostgreSQL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { api, load, startServer, type BenchServer } from './lib.js';
import { TRIVIAL_HANDLERS } from './code.bench.js';

export interface RemoteInvokeResult {
  localP50Ms: number;
  remoteP50Ms: number;
  localP99Ms: number;
  remoteP99Ms: number;
  /** Remote p50 minus local p50: what the hand-over through PostgreSQL adds. */
  addedP50Ms: number;
  n: number;
}

/** Until `probe` answers true (a worker's first heartbeat), polling every 50 ms. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sequential(server: BenchServer, name: string, n: number) {
  const req = { method: 'POST' as const, path: `/api/executors/${name}/invoke`, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"input":{"n":1}}' };
  const ok = (b: string) => b.includes('"status":"ok"');
  await load(server.url, req, Math.min(300, n), 1, ok);
  const r = await load(server.url, req, n, 1, ok);
  if (r.errors) throw new Error(`${r.errors} of ${n} invocations through ${server.url} failed`);
  return r;
}

/** Measures `n` sequential invocations (one connection) locally and remotely, on fresh databases of `databaseUrl`'s server. */
export async function benchRemoteInvoke(databaseUrl: string, n: number): Promise<RemoteInvokeResult> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const names = ['local', 'fleet'].map((k) => `outrigger_bench_${k}_${randomBytes(3).toString('hex')}`);
  const urlOf = (db: string) => Object.assign(new URL(databaseUrl), { pathname: `/${db}` }).toString();
  const servers: BenchServer[] = [];
  try {
    for (const db of names) await admin.query(`CREATE DATABASE ${db}`);
    const key = randomBytes(32).toString('hex');
    const base = { OUTRIGGER_SANDBOX: 'required', OUTRIGGER_MASTER_KEY: key, OUTRIGGER_HEARTBEAT_MS: '500' };
    const local = await startServer({ ...base, DATABASE_URL: urlOf(names[0]!) });
    servers.push(local);
    const worker = await startServer({ ...base, DATABASE_URL: urlOf(names[1]!), OUTRIGGER_ROLE: 'worker' });
    servers.push(worker);
    const apiNode = await startServer({ ...base, DATABASE_URL: urlOf(names[1]!), OUTRIGGER_ROLE: 'api' });
    servers.push(apiNode);
    await until(async () => (await fetch(`${apiNode.url}/readyz`, { headers: { authorization: `Bearer ${apiNode.token}` } })).status === 200, 'the api node to see its worker');
    const body = { name: 'bench_remote', type: 'code', code: { language: 'node', source: TRIVIAL_HANDLERS.node } };
    await api(local, 'PUT', '/api/executors/bench_remote', body);
    await api(apiNode, 'PUT', '/api/executors/bench_remote', body);
    // Alternating halves, so that neither side gets the quieter half of the run.
    const half = Math.max(1, Math.floor(n / 2));
    const l1 = await sequential(local, 'bench_remote', half);
    const r1 = await sequential(apiNode, 'bench_remote', half);
    const l2 = await sequential(local, 'bench_remote', half);
    const r2 = await sequential(apiNode, 'bench_remote', half);
    const avg = (a: number, b: number) => Math.round(((a + b) / 2) * 1000) / 1000;
    const localP50Ms = avg(l1.p50Ms, l2.p50Ms);
    const remoteP50Ms = avg(r1.p50Ms, r2.p50Ms);
    return {
      localP50Ms, remoteP50Ms, localP99Ms: avg(l1.p99Ms, l2.p99Ms), remoteP99Ms: avg(r1.p99Ms, r2.p99Ms),
      addedP50Ms: Math.round((remoteP50Ms - localP50Ms) * 1000) / 1000, n: half * 2,
    };
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => undefined);
    for (const db of names) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
