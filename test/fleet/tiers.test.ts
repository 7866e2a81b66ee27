// Separate tiers, as separate processes on one PostgreSQL: an api node (no sandbox, no executor code) hands invoke,
// test runs, webhook and UDF calls to a worker node through sync_jobs; 503 without a worker, 504 past the deadline;
// the worker answers only health and metrics from outside.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/dialects.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { descendants } from '../../bench/lib.js';

const TOKEN = 'otr_tiers_admin_token_0123456789abcdef';
const MASTER_KEY = randomBytes(32).toString('hex');

// What a call reports back: its trigger, and (through ctx.api, the worker's in-process platform API) what it sees.
const PROBE = `
export default async function handler(input, ctx) {
  const executors = (await ctx.api.get('/api/executors')).items.map((e) => e.name).sort();
  return { trigger: ctx.execution.trigger, executors, echo: input.echo ?? null, big: 'x'.repeat(input.size ?? 0) };
}
`;

function codeExecutor(name: string, source: string, timeoutMs?: number) {
  return { name, type: 'code', ...(timeoutMs ? { timeoutMs } : {}), code: { language: 'node', source, mode: 'handler', memoryMb: 64 } };
}

describe('separate tiers: an api node and a worker node as processes on one PostgreSQL', () => {
  const dbName = `outrigger_tiers_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  let admin: pg.Client;
  let fleetDb: pg.Client;
  let apiNode: ServerProcess;
  let worker: ServerProcess | undefined;
  const env = (role: string) => ({
    DATABASE_URL: databaseUrl, OUTRIGGER_ROLE: role, OUTRIGGER_MASTER_KEY: MASTER_KEY, OUTRIGGER_HEARTBEAT_MS: '200', OUTRIGGER_REAP_INTERVAL_MS: '200',
  });

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    apiNode = await startServerProcess(TOKEN, env('api'));
    fleetDb = new pg.Client({ connectionString: databaseUrl });
    await fleetDb.connect();
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await apiNode?.stop();
    await fleetDb?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }, 60_000);

  it('without a live worker, an invocation is a 503 with Retry-After at once, and no job is left waiting', async () => {
    const saved = await apiNode.api('PUT', '/api/executors/probe', codeExecutor('probe', PROBE));
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const res = await fetch(`${apiNode.url}/api/executors/probe/invoke`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ input: {} }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', detail: expect.stringContaining('no worker') });
    // Refused before a job was written: nothing waits for a deadline.
    expect((await fleetDb.query('select count(*)::int as n from sync_jobs')).rows[0].n).toBe(0);
  });

  it('the api node holds no sandbox (its readiness says so) and does not know code runtimes', async () => {
    const ready = await apiNode.api('GET', '/readyz');
    expect(ready.body.checks.sandbox.detail).toContain('api node');
    expect(descendants(apiNode.pid)).toEqual([]);
  });

  it('with a worker started, invoke, a test run, a webhook and a UDF call made on the api node run on the worker', async () => {
    worker = await startServerProcess(TOKEN, env('worker'));
    await waitFor(async () => (await apiNode.api('GET', '/readyz')).status === 200, 'the api node ready once the worker beats');
    const workerNode = (await fleetDb.query("select node_id from fleet_nodes where role = 'worker'")).rows.map((r) => r.node_id as string);
    expect(workerNode).toHaveLength(1);

    const inv = await apiNode.api('POST', '/api/executors/probe/invoke', { input: { echo: 'hi' } });
    expect(inv.status, JSON.stringify(inv.body)).toBe(200);
    expect(inv.body).toMatchObject({ status: 'ok', output: { trigger: 'api', echo: 'hi', executors: ['probe'] } });
    // The handler ran in a sandbox process below the worker, none below the api node.
    expect(descendants(worker.pid).some((p) => p.comm === 'bwrap')).toBe(true);
    expect(descendants(apiNode.pid)).toEqual([]);
    const exe = await apiNode.api('GET', `/api/executions/${inv.body.executionId}`);
    expect(exe.body).toMatchObject({ trigger: 'api', status: 'ok', node: workerNode[0] });

    // A result too large for a notification comes from the row.
    const big = await apiNode.api('POST', '/api/executors/probe/invoke', { input: { size: 20_000 } });
    expect(big.status).toBe(200);
    expect(big.body.output.big).toHaveLength(20_000);

    const draft = await apiNode.api('POST', '/api/executors/probe/test', { input: { echo: 'draft' }, draft: codeExecutor('probe', PROBE.replace("trigger: ctx.execution.trigger", "trigger: 'draft:' + ctx.execution.trigger")) });
    expect(draft.status, JSON.stringify(draft.body)).toBe(200);
    expect(draft.body.output).toMatchObject({ trigger: 'draft:test', echo: 'draft' });

    expect((await apiNode.api('POST', '/api/webhooks', { name: 'hook', executor: 'probe' })).status).toBe(201);
    const hook = await apiNode.api('POST', '/api/webhooks/hook/call', { input: { echo: 'webhook' } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(200);
    expect(hook.body.output).toMatchObject({ trigger: 'webhook', echo: 'webhook' });
    expect((await apiNode.api('GET', `/api/executions/${hook.body.executionId}`)).body).toMatchObject({ trigger: 'webhook', node: workerNode[0] });

    expect((await apiNode.api('POST', '/api/udfs', { name: 'udf_probe', executor: 'probe' })).status).toBe(201);
    const udf = await apiNode.api('POST', '/api/udfs/udf_probe/call', { input: { echo: 'udf' } });
    expect(udf.status, JSON.stringify(udf.body)).toBe(200);
    expect(udf.body.output).toMatchObject({ trigger: 'udf', echo: 'udf' });
    expect((await apiNode.api('GET', `/api/executions/${udf.body.executionId}`)).body).toMatchObject({ trigger: 'udf', node: workerNode[0] });

    // Refusals the worker would give come back as they would from a local run; unknown executors never become jobs.
    const jobsBefore = (await fleetDb.query('select count(*)::int as n from sync_jobs')).rows[0].n;
    expect((await apiNode.api('POST', '/api/executors/ghost/invoke', { input: {} })).status).toBe(404);
    expect((await fleetDb.query('select count(*)::int as n from sync_jobs')).rows[0].n).toBe(jobsBefore);
    expect(descendants(apiNode.pid)).toEqual([]);
    const done = await fleetDb.query("select state, claimed_by from sync_jobs");
    expect(done.rows.length).toBeGreaterThanOrEqual(5);
    expect(done.rows.every((r) => r.state === 'done' && r.claimed_by === workerNode[0])).toBe(true);
  });

  it('the worker answers only /healthz, /readyz and /metrics: its public API and console are 404 problem+json', async () => {
    const w = worker!;
    expect((await w.api('GET', '/healthz')).status).toBe(200);
    expect((await w.api('GET', '/readyz')).status).toBe(200);
    const metrics = await w.api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain('outrigger_fleet_live_workers');
    for (const [method, path] of [['GET', '/api/executors'], ['POST', '/api/executors/probe/invoke'], ['POST', '/api/webhooks/hook/call'], ['GET', '/'], ['GET', '/api/openapi.json']] as const) {
      const r = await w.api(method, path, method === 'POST' ? { input: {} } : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('worker node') });
    }
    // Unauthenticated too: the routes do not exist there, whoever asks.
    expect((await w.api('GET', '/api/executors', undefined, 'otr_wrong')).status).toBe(404);
    // A forged internal header does not open the gate.
    const forged = await fetch(`${w.url}/api/executors`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-outrigger-internal': 'a'.repeat(64) } });
    expect(forged.status).toBe(404);
  });

  it('a worker that stops answering: the caller gets a 504 problem at its deadline and the job is cancelled, never run later', async () => {
    const w = worker!;
    expect((await apiNode.api('PUT', '/api/executors/quick', codeExecutor('quick', PROBE, 1_000))).status).toBe(201);
    // Frozen (SIGSTOP): it cannot claim; a heartbeat row that stays fresh keeps it "alive" for the api node meanwhile.
    process.kill(w.pid, 'SIGSTOP');
    const now = Date.now();
    await fleetDb.query("insert into fleet_nodes (node_id, role, version, started_at, last_beat_at, in_flight) values ('node_frozen', 'worker', 'x', $1, $2, 0)", [now, now + 3_600_000]);
    let late: Awaited<ReturnType<ServerProcess['api']>>;
    try {
      late = await apiNode.api('POST', '/api/executors/quick/invoke', { input: { echo: 'late' } });
    } finally {
      process.kill(w.pid, 'SIGCONT');
      await fleetDb.query("delete from fleet_nodes where node_id = 'node_frozen'");
    }
    expect(late.status).toBe(504);
    expect(late.body).toMatchObject({ code: 'GATEWAY_TIMEOUT', status: 504, detail: expect.stringContaining('deadline'), executor: 'quick' });
    const executionId = late.body.executionId as string;
    const job = await fleetDb.query('select state from sync_jobs where payload::jsonb ->> \'executionId\' = $1', [executionId]);
    expect(job.rows).toEqual([{ state: 'cancelled' }]);
    // The thawed worker serves the next call, and the abandoned one was never run.
    const next = await apiNode.api('POST', '/api/executors/quick/invoke', { input: { echo: 'next' } });
    expect(next.status).toBe(200);
    expect(next.body.output.echo).toBe('next');
    expect((await apiNode.api('GET', `/api/executions/${executionId}`)).status).toBe(404);
  });
});

describe('roles and stores', () => {
  it('api and worker roles need PostgreSQL; SQLite runs role all only', () => {
    expect(() => loadConfig({ OUTRIGGER_ROLE: 'api' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTRIGGER_ROLE: 'worker' })).toThrow(/PostgreSQL/);
    expect(loadConfig({ OUTRIGGER_ROLE: 'all' }).role).toBe('all');
    expect(loadConfig({ OUTRIGGER_ROLE: 'worker', DATABASE_URL: 'postgres://x@localhost/y' }).role).toBe('worker');
  });
});
