// Synchronous jobs between in-process nodes on one PostgreSQL schema: an api node and two workers. Every call is
// claimed and run exactly once, a worker's refusal reaches the caller as a local run's would, and a result whose
// notification is lost still arrives through the fallback poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, dropSchema } from '../helpers/dialects.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { createReceiver, waitFor } from '../events/helpers.js';
import { RemoteInvoker } from '../../src/fleet/remote-invoker.js';
import { encodeOutcome, decodeOutcome } from '../../src/fleet/sync-job-codec.js';
import { ProblemError } from '../../src/errors.js';
import { newId } from '../../src/ids.js';

const FAST = { leaseMs: 60_000, heartbeatMs: 100, reapIntervalMs: 100, affinityStealMs: 25 };

describe('sync jobs: one api node, two workers (PostgreSQL)', () => {
  const schema = freshSchema();
  let up: Upstream;
  let apiNode: TestServer;
  let workers: TestServer[] = [];

  beforeAll(async () => {
    up = await startUpstream((req, res) => json(res, 200, { got: JSON.parse(req.body || 'null') }));
    workers = [await startTestServer('postgres', { role: 'worker', fleet: FAST }, { pgSchema: schema })];
    workers.push(await startTestServer('postgres', { role: 'worker', fleet: FAST }, { pgSchema: schema }));
    apiNode = await startTestServer('postgres', { role: 'api', fleet: FAST }, { pgSchema: schema });
    await createReceiver(apiNode, 'echo', `${up.url}/echo`);
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await apiNode.close();
    await up.close();
    // The servers share this schema (each drops only a schema of its own).
    await dropSchema(schema);
  });

  it('runs 40 concurrent calls on the workers, each claimed and run exactly once, none on the api node', async () => {
    const calls = await Promise.all(Array.from({ length: 40 }, (_, i) => apiNode.api('POST', '/api/executors/echo/invoke', { input: { i } })));
    expect(calls.map((c) => c.status), JSON.stringify(calls.filter((c) => c.status !== 200).map((c) => c.body))).toEqual(Array(40).fill(200));
    expect(calls.map((c) => c.body.output.got.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(up.requests).toHaveLength(40);
    const db = apiNode.o.store.db;
    const ids = calls.map((c) => c.body.executionId as string);
    const records = await db.selectFrom('executions').select(['id', 'node_id']).where('id', 'in', ids).execute();
    expect(records).toHaveLength(40);
    const workerIds = workers.map((w) => w.o.fleet.nodeId);
    expect(records.every((r) => workerIds.includes(r.node_id!))).toBe(true);
    const jobs = await db.selectFrom('sync_jobs').select(['state', 'claimed_by']).execute();
    expect(jobs).toHaveLength(40);
    expect(jobs.every((j) => j.state === 'done' && workerIds.includes(j.claimed_by!))).toBe(true);
    expect(apiNode.o.code.sandbox).toBeUndefined();
  });

  it('a refusal on the worker (no sandbox there) is the same 503 problem the caller gets from a local run', async () => {
    const saved = await apiNode.api('PUT', '/api/executors/code', { name: 'code', type: 'code', code: { language: 'node', source: 'export default async () => 1;\n' } });
    expect(saved.status).toBe(201);
    const r = await apiNode.api('POST', '/api/executors/code/invoke', { input: {} });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', detail: expect.stringContaining('OUTRIGGER_SANDBOX=off') });
  });

  it('a result whose notification never comes arrives through the fallback poll', async () => {
    // Its LISTEN connection cannot be made (nothing listens on port 1): only the poll can bring the result.
    const deaf = new RemoteInvoker({
      db: apiNode.o.store.db, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', liveWorkers: () => apiNode.o.fleet.liveSyncWorkers(), liveCacheMs: 100, pollMs: 50,
      log: { warn: () => undefined },
    });
    deaf.start();
    try {
      const executionId = newId('exe');
      const res = await deaf.run({ workspaceId: apiNode.o.defaultWorkspaceId, executorName: 'echo', input: { via: 'poll' }, trigger: 'api', executionId }, Date.now() + 10_000);
      expect(res).toMatchObject({ executionId, status: 'ok', output: { got: { via: 'poll' } } });
      expect(deaf.waiting).toBe(0);
    } finally {
      await deaf.stop();
    }
  });
});

describe('sync job outcomes', () => {
  it('carry a result as it is, and a refusal as the same coded problem (an unknown code as INTERNAL)', () => {
    const result = { executionId: 'exe_1', status: 'ok' as const, output: { a: 1 }, logs: [], durationMs: 1, coldStart: false, executor: { name: 'x', version: 1 } };
    expect(decodeOutcome(encodeOutcome({ result }))).toEqual(result);
    let thrown: unknown;
    try {
      decodeOutcome(encodeOutcome({ error: new ProblemError('VALIDATION_FAILED', 'bad draft', { errors: [{ field: '/draft', message: 'no' }], extra: { executor: 'x' } }) }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, message: 'bad draft', errors: [{ field: '/draft', message: 'no' }], extra: { executor: 'x' } });
    expect(() => decodeOutcome(encodeOutcome({ error: new Error('disk on fire') }))).toThrow(/disk on fire/);
    expect(() => decodeOutcome(JSON.stringify({ problem: { code: 'NO_SUCH_CODE', message: 'm' } }))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('sync jobs go before event deliveries on a worker (PostgreSQL)', () => {
  const schema = freshSchema();
  let up: Upstream;
  let release: () => void = () => undefined;
  let apiNode: TestServer;
  let worker: TestServer;

  beforeAll(async () => {
    const held = new Promise<void>((r) => (release = r));
    up = await startUpstream((req, res) => {
      if (req.url === '/hold') void held.then(() => json(res, 200, { held: true }));
      else json(res, 200, { ok: true });
    });
    // One slot for deliveries on this worker: a running sync job takes it.
    worker = await startTestServer('postgres', { role: 'worker', fleet: FAST }, { pgSchema: schema, events: { dispatcher: { maxInFlight: 1, maxIdleMs: 20 } } });
    apiNode = await startTestServer('postgres', { role: 'api', fleet: FAST }, { pgSchema: schema });
    await createReceiver(apiNode, 'slow', `${up.url}/hold`);
    await createReceiver(apiNode, 'hooked', `${up.url}/ok`);
    expect((await apiNode.api('POST', '/api/event-hooks', { name: 'h', eventTypes: ['custom.prio'], executor: 'hooked' })).status).toBe(201);
  });
  afterAll(async () => {
    release();
    await worker.close();
    await apiNode.close();
    await up.close();
    await dropSchema(schema);
  });

  it('while a sync job holds the slot, the dispatcher claims no delivery; once it ends, the delivery runs', async () => {
    const call = apiNode.api('POST', '/api/executors/slow/invoke', { input: {} });
    await waitFor(() => up.requests.some((r) => r.url === '/hold'), 'the sync job running on the worker');
    const ev = await apiNode.api('POST', '/api/events', { type: 'custom.prio', data: {} });
    expect(ev.status).toBe(201);
    // Several claim passes of the dispatcher after the event was stored: none may take the delivery.
    const loop = worker.o.events.dispatcher!.loop;
    const seen = new Set<string | null>([loop.status().lastSuccessAt]);
    await waitFor(() => {
      seen.add(loop.status().lastSuccessAt);
      return seen.size >= 4;
    }, 'three claim passes', 15_000, 5);
    const pending = await apiNode.api('GET', `/api/events/${ev.body.id}`);
    expect(pending.body.deliveries[0]).toMatchObject({ hook: 'h', status: 'pending' });
    expect(up.requests.some((r) => r.url === '/ok')).toBe(false);
    release();
    expect((await call).status).toBe(200);
    await waitFor(async () => (await apiNode.api('GET', `/api/events/${ev.body.id}`)).body.deliveries[0].status === 'succeeded', 'the delivery once the sync job ended');
  });
});

describe('warm-worker affinity: a worker leaves a job to the one that has its executor warm (PostgreSQL, sandbox on)', () => {
  const schema = freshSchema();
  let apiNode: TestServer;
  const workers: TestServer[] = [];
  // A long steal delay: every job goes to the warm worker unless it fails to claim within 2 s (it is idle here).
  const fleet = { ...FAST, affinityStealMs: 2_000 };

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) workers.push(await startTestServer('postgres', { role: 'worker', fleet, sandbox: 'required' }, { pgSchema: schema }));
    apiNode = await startTestServer('postgres', { role: 'api', fleet }, { pgSchema: schema });
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await apiNode?.close();
    await dropSchema(schema);
  });

  it('after the first (cold) call, every call runs warm on the same worker; the other never starts one', async () => {
    const saved = await apiNode.api('PUT', '/api/executors/greet', { name: 'greet', type: 'code', code: { language: 'node', source: 'export default async (input) => ({ hi: input.n });\n' } });
    expect(saved.status).toBe(201);
    const db = apiNode.o.store.db;
    const nodeOf = async (executionId: string) => (await db.selectFrom('executions').select('node_id').where('id', '=', executionId).executeTakeFirstOrThrow()).node_id;
    const first = await apiNode.api('POST', '/api/executors/greet/invoke', { input: { n: 0 } });
    expect(first.status).toBe(200);
    expect(first.body.coldStart).toBe(true);
    const warmNode = await nodeOf(first.body.executionId);
    const key = `${apiNode.o.defaultWorkspaceId}/greet`;
    // The warm worker announces the executor with its next heartbeat.
    await waitFor(async () => {
      const row = await db.selectFrom('fleet_nodes').select('warm').where('node_id', '=', warmNode!).executeTakeFirst();
      return (JSON.parse(row?.warm ?? '[]') as string[]).includes(key);
    }, 'the warm executor in the heartbeat');
    const nodes: Array<string | null> = [];
    const cold: boolean[] = [];
    for (let n = 1; n <= 12; n++) {
      const r = await apiNode.api('POST', '/api/executors/greet/invoke', { input: { n } });
      expect(r.status).toBe(200);
      expect(r.body.output).toEqual({ hi: n });
      nodes.push(await nodeOf(r.body.executionId));
      cold.push(r.body.coldStart as boolean);
    }
    expect(nodes).toEqual(Array(12).fill(warmNode));
    expect(cold).toEqual(Array(12).fill(false));
    const other = workers.find((w) => w.o.fleet.nodeId !== warmNode)!;
    expect(other.o.code.sandbox!.warmExecutors!()).toEqual([]);
  });
});
