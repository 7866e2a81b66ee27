// Fleet benchmark on PostgreSQL with separate processes (`outrigger serve --role api|worker`): events/s with one and
// with two worker processes (and each worker's CPU), and how long a killed worker's claimed deliveries take to run
// again elsewhere (reclaimMs, default fleet timing). Used by `npm run bench` (section fleet).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { round } from './lib.js';

export const FLEET_TOKEN = 'otr_bench_fleet_admin_0123456789abcdef';
const MASTER_KEY = 'f'.repeat(64);

export interface FleetNode {
  role: string;
  url: string;
  child: ChildProcess;
  cpuSec(): number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** CPU seconds (user + system) a process used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Starts `outrigger serve --role <role>` (the built CLI) with the fleet's admin token and master key. */
export async function startNode(role: string, env: Record<string, string>): Promise<FleetNode> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-fleet-'));
  const child = spawn(process.execPath, [path.resolve('bin/outrigger.js'), 'serve', '--port', '0', '--role', role, '--data-dir', dir], {
    env: { PATH: process.env.PATH, OUTRIGGER_ADMIN_TOKEN: FLEET_TOKEN, OUTRIGGER_MASTER_KEY: MASTER_KEY, OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', OUTRIGGER_SANDBOX: 'off', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Outrigger (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${role} node exited ${code}: ${out}`)));
  });
  return {
    role, url, child, cpuSec: () => cpuSeconds(child.pid!),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function api(node: FleetNode, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(node.url + p, { method, headers: { authorization: `Bearer ${FLEET_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text.startsWith('{') ? JSON.parse(text) : text;
}

async function poll(what: string, probe: () => Promise<boolean>, timeoutMs = 600_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Answers `{}` at once, except first attempts of `hold` deliveries: those are held until the upstream closes. */
async function startUpstream(): Promise<{ url: string; held: () => number; retried: () => number; close(): Promise<void> }> {
  let held = 0;
  let retried = 0;
  const open = new Set<http.ServerResponse>();
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/hold') {
        const attempt = (JSON.parse(body) as { _delivery?: { attempt?: number } })._delivery?.attempt ?? 1;
        if (attempt === 1) {
          held++;
          open.add(res);
          return;
        }
        retried++;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  srv.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`, held: () => held, retried: () => retried,
    async close() {
      for (const r of open) r.destroy();
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    },
  };
}

export interface FleetResult {
  events1Worker: number;
  events2Workers: number;
  ratio: number;
  /** CPU seconds per worker process for one burst (1 worker; 2 workers each). */
  cpuSec1Worker: number;
  cpuSec2Workers: number[];
  reclaimMs: number;
  burst: number;
}

/** Runs the fleet benchmark against a PostgreSQL server, in a fresh database dropped afterwards (needs CREATEDB). */
export async function benchFleet(serverUrl: string, burst: number): Promise<FleetResult> {
  const name = `bench_fleet_${process.pid}_${Date.now()}`;
  const root = new pg.Client({ connectionString: serverUrl });
  await root.connect();
  await root.query(`CREATE DATABASE "${name}"`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const databaseUrl = u.toString();
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const env = { DATABASE_URL: databaseUrl };
  const up = await startUpstream();
  const nodes: FleetNode[] = [];
  try {
    const apiNode = await startNode('api', env);
    nodes.push(apiNode);
    const w1 = await startNode('worker', env);
    nodes.push(w1);
    await api(apiNode, 'POST', '/api/executors', { name: 'noop', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/noop` } });
    await api(apiNode, 'POST', '/api/executors', { name: 'hold', type: 'apiCall', timeoutMs: 60_000, apiCall: { method: 'POST', url: `${up.url}/hold` } });
    await api(apiNode, 'POST', '/api/event-hooks', { name: 'noop_hook', eventTypes: ['custom.bench'], executor: 'noop' });
    await api(apiNode, 'POST', '/api/event-hooks', { name: 'hold_hook', eventTypes: ['custom.hold'], executor: 'hold' });
    const succeeded = async () => {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'succeeded'`);
      return rows[0].n as number;
    };
    const liveWorkers = async () => {
      const m = (await api(apiNode, 'GET', '/metrics')) as string;
      return Number(/^outrigger_fleet_live_workers (\d+)/m.exec(m)?.[1] ?? 0);
    };
    let done = 0;
    /** One burst through the api node, in batches of 500, until the last delivery is recorded. */
    const run = async (workers: FleetNode[]) => {
      await api(apiNode, 'POST', '/api/events/batch', { events: Array.from({ length: 100 }, () => ({ type: 'custom.bench', data: {} })) });
      done += 100;
      await poll('warm-up', async () => (await succeeded()) >= done);
      const cpu0 = workers.map((w) => w.cpuSec());
      const t0 = performance.now();
      for (let i = 0; i < burst; i += 500) {
        await api(apiNode, 'POST', '/api/events/batch', { events: Array.from({ length: Math.min(500, burst - i) }, (_, j) => ({ type: 'custom.bench', data: { i: i + j } })) });
      }
      done += burst;
      await poll('the burst', async () => (await succeeded()) >= done);
      const sec = (performance.now() - t0) / 1000;
      return { perSec: Math.round(burst / sec), cpu: workers.map((w, i) => round(w.cpuSec() - cpu0[i]!, 2)) };
    };
    const one = await run([w1]);
    const w2 = await startNode('worker', env);
    nodes.push(w2);
    await poll('two live workers', async () => (await liveWorkers()) === 2);
    const two = await run([w1, w2]);

    // Reclaim: w1 alone holds 10 deliveries in flight (their first attempt never answers), then dies with kill -9.
    await w2.kill();
    nodes.splice(nodes.indexOf(w2), 1);
    await api(apiNode, 'POST', '/api/events/batch', { events: Array.from({ length: 10 }, () => ({ type: 'custom.hold', data: {} })) });
    await poll('10 held first attempts', async () => up.held() >= 10);
    const w3 = await startNode('worker', env);
    nodes.push(w3);
    await poll('the second worker beating', async () => (await liveWorkers()) === 2);
    const t0 = performance.now();
    await w1.kill('SIGKILL');
    nodes.splice(nodes.indexOf(w1), 1);
    await poll('the 10 deliveries run again on the other worker', async () => up.retried() >= 10, 120_000, 5);
    const reclaimMs = Math.round(performance.now() - t0);
    return { events1Worker: one.perSec, events2Workers: two.perSec, ratio: round(two.perSec / one.perSec, 2), cpuSec1Worker: one.cpu[0]!, cpuSec2Workers: two.cpu, reclaimMs, burst };
  } finally {
    for (const n of nodes) await n.kill().catch(() => undefined);
    await up.close();
    await admin.end();
    await root.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await root.end();
  }
}
