// A fleet of separate processes on a private PostgreSQL (one api node, two workers) under faults, while 10,000 events
// are published and synchronous webhook calls run through the api node: (a) kill -9 of a worker, (b) kill -9 of the
// api node and its restart, (c) a PostgreSQL restart. No other node exits, every accepted event is delivered (counted
// in the database and at the receiver), nothing is stuck, every call answers 200, 503 or 504 (none hangs), and
// /readyz says 503 during the outage and 200 after.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { FLEET_TOKEN, startNode, type FleetNode } from '../../bench/fleet.bench.js';
import { startPrivatePostgres, type PrivatePostgres } from '../faults/private-postgres.js';
import { waitFor } from '../helpers/wait.js';

const TOTAL = 10_000;
const BATCH = 500;

describe('a fleet under faults (PostgreSQL, 1 api + 2 worker processes)', () => {
  let pgs: PrivatePostgres;
  let up: http.Server;
  let upUrl: string;
  const seen = new Map<string, number>();
  const nodes: FleetNode[] = [];
  let db: pg.Pool;
  const env = () => ({
    DATABASE_URL: pgs.url, OUTRIGGER_HEARTBEAT_MS: '300', OUTRIGGER_REAP_INTERVAL_MS: '300', OUTRIGGER_LEASE_MS: '3000',
    OUTRIGGER_PG_CONNECT_TIMEOUT_MS: '1000', OUTRIGGER_HEALTH_CHECK_TIMEOUT_MS: '500',
  });

  beforeAll(async () => {
    pgs = await startPrivatePostgres();
    db = new pg.Pool({ connectionString: pgs.url, max: 2 });
    db.on('error', () => undefined);
    up = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/e') {
          const id = (JSON.parse(body) as { id: string }).id;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    upUrl = `http://127.0.0.1:${(up.address() as { port: number }).port}`;
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) await n.kill('SIGKILL').catch(() => undefined);
    await db?.end().catch(() => undefined);
    up?.closeAllConnections();
    await new Promise((r) => up?.close(r));
    pgs?.destroy();
  });

  const alive = (n: FleetNode) => n.child.exitCode === null && n.child.signalCode === null;

  async function call(node: FleetNode, method: string, p: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: any }> {
    const res = await fetch(node.url + p, {
      method, headers: { authorization: `Bearer ${FLEET_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // metrics
    }
    return { status: res.status, body: parsed };
  }

  /**
   * One POST on a connection of its own (no keep-alive reuse): a kept-alive socket the server closes as idle just as
   * the next request goes out is a client-side race of HTTP/1.1 (undici's "other side closed"), not a call the server
   * failed to answer; a fresh connection per call leaves only what the server itself does with the request.
   */
  function callOnFreshConnection(node: FleetNode, p: string, body: unknown, timeoutMs: number): Promise<{ status: number }> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(node.url + p, {
        method: 'POST', agent: false, timeout: timeoutMs,
        headers: { authorization: `Bearer ${FLEET_TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
      req.on('error', (err) => reject(Object.assign(new Error('fetch failed'), { name: err.name, cause: err })));
      req.end(payload);
    });
  }

  it('loses no accepted event, keeps every other node up, and every synchronous call answers', async () => {
    let apiNode = await startNode('api', env());
    nodes.push(apiNode);
    const w1 = await startNode('worker', env());
    const w2 = await startNode('worker', env());
    nodes.push(w1, w2);
    expect((await call(apiNode, 'POST', '/api/executors', { name: 'recv', type: 'apiCall', apiCall: { method: 'POST', url: `${upUrl}/e` } })).status).toBe(201);
    expect((await call(apiNode, 'POST', '/api/executors', { name: 'sync', type: 'apiCall', apiCall: { method: 'POST', url: `${upUrl}/s` } })).status).toBe(201);
    expect((await call(apiNode, 'POST', '/api/event-hooks', { name: 'all', eventTypes: ['custom.f'], executor: 'recv' })).status).toBe(201);
    expect((await call(apiNode, 'PUT', '/api/webhooks/sync', { executor: 'sync' })).status).toBeLessThan(300);
    await waitFor(async () => (await call(apiNode, 'GET', '/readyz')).status === 200, 'the api node ready with live workers');

    // Synchronous calls through the api node all along (the api node's address changes when it restarts).
    const statuses = new Map<string, number>();
    const killed = new Set<FleetNode>();
    let calling = true;
    const caller = (async () => {
      while (calling) {
        // A call to the api node that is killed (in flight when the kill comes, or refused after it) is judged by the
        // node it went to, whenever it settles: the replacement may be up by then.
        const target = apiNode;
        try {
          const r = await callOnFreshConnection(target, '/api/webhooks/sync/call', { input: {} }, 15_000);
          statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
        } catch (err) {
          const cause = (err as { cause?: { code?: string } }).cause?.code ?? '';
          const kind = (err as Error).name === 'TimeoutError' ? 'hung'
            : killed.has(target) ? 'api-down' : `error:${(err as Error).message} ${cause}`;
          statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const accepted: string[] = [];
    let n = 0;
    /** Publishes the next batch through the api node, again after a 503 (refused batches are not accepted events). */
    const publish = async (batches: number) => {
      for (let b = 0; b < batches && n < TOTAL; b++) {
        const size = Math.min(BATCH, TOTAL - n);
        await waitFor(async () => {
          const r = await call(apiNode, 'POST', '/api/events/batch', { events: Array.from({ length: size }, (_, i) => ({ type: 'custom.f', data: { i: n + i } })) }).catch(() => null);
          if (r?.status === 201) {
            accepted.push(...(r.body.items as Array<{ id: string }>).map((e) => e.id));
            return true;
          }
          if (r && r.status !== 503) throw new Error(`publishing answered ${r.status}: ${JSON.stringify(r.body)}`);
          return false;
        }, 'a batch accepted', 60_000, 100);
        n += size;
      }
    };

    // (a) kill -9 of a worker while events flow.
    await publish(4);
    w1.child.kill('SIGKILL');
    await publish(4);

    // (b) kill -9 of the api node, then a new one on the same database.
    killed.add(apiNode);
    apiNode.child.kill('SIGKILL');
    await new Promise((r) => apiNode.child.once('exit', r));
    apiNode = await startNode('api', env());
    nodes.push(apiNode);
    await publish(4);

    // (c) PostgreSQL restarts (a crash: clients cut off): readiness says so, then recovers.
    pgs.stop('immediate');
    await waitFor(async () => (await call(apiNode, 'GET', '/readyz').catch(() => null))?.status === 503, '/readyz 503 during the outage', 30_000, 50);
    pgs.start();
    await waitFor(async () => (await call(apiNode, 'GET', '/readyz').catch(() => null))?.status === 200, '/readyz 200 after the outage', 30_000, 100);
    await waitFor(async () => (await call(w2, 'GET', '/readyz').catch(() => null))?.status === 200, 'the worker ready after the outage', 30_000, 100);
    await publish(Math.ceil(TOTAL / BATCH));
    expect(accepted).toHaveLength(TOTAL);

    // Every accepted event delivered, none pending, running or dead.
    await waitFor(async () => {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM deliveries WHERE status = 'succeeded'").catch(() => ({ rows: [{ n: -1 }] }));
      return rows[0].n === TOTAL;
    }, 'every delivery succeeded', 180_000, 250);
    const { rows } = await db.query('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status');
    expect(rows).toEqual([{ status: 'succeeded', n: TOTAL }]);
    const missing = accepted.filter((id) => !seen.has(id));
    expect(missing).toEqual([]);
    calling = false;
    await caller;

    // No node other than the killed ones exited; synchronous calls answered 200, 503 or 504, none hung.
    expect(alive(w2)).toBe(true);
    expect(alive(apiNode)).toBe(true);
    const unexpected = [...statuses.keys()].filter((k) => !['200', '503', '504', 'api-down'].includes(k));
    expect(unexpected, JSON.stringify(Object.fromEntries(statuses))).toEqual([]);
    expect(statuses.get('200') ?? 0).toBeGreaterThan(0);
    const duplicates = [...seen.values()].filter((c) => c > 1).length;
    console.log(`fleet faults: calls ${JSON.stringify(Object.fromEntries(statuses))}, events delivered more than once ${duplicates}`);
  }, 600_000);
});
