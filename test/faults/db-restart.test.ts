// Fault test: the real server as a child process on a private PostgreSQL cluster, under load; the cluster is
// crashed (`immediate`) and later shut down cleanly (`fast`) and restarted. The process never exits, answers
// 503 + Retry-After (never 500) while the database is away, becomes ready again, and delivers every
// event it accepted with a 2xx.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, json, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';
import { freePort, startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { requireBuiltDist } from '../setup/require-dist.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'otr_dbfault_admin_token_0123456789abcdef';
const BATCH_EVENTS = 4_000;
// How long to wait for /readyz after the restart: a wait, not a speed claim (readyAfterMs is logged for the record).
const READY_WAIT_MS = 60_000;

interface Sample {
  route: string;
  status: number;
  retryAfter: string | null;
  code: string | null;
  started: number;
  ended: number;
}

describe('PostgreSQL restart under load (real server process, private cluster)', () => {
  let db: PrivatePostgres;
  let up: Upstream;
  let child: ChildProcess | undefined;
  let dataDir: string;
  const delivered = new Map<string, number>();

  beforeAll(async () => {
    // It executes dist/ (bin/outrigger.js), built once before the suite.
    requireBuiltDist();
    db = await startPrivatePostgres();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-dbfault-'));
    // A receiver that takes a little time, so that deliveries are still running when the database goes away.
    up = await startUpstream((req, res) => {
      if (req.url === '/record') {
        const id = (JSON.parse(req.body) as { id: string }).id;
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
      }
      setTimeout(() => json(res, 200, { ok: true }), 20);
    });
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    await up?.close();
    db?.destroy();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('never exits, answers 503 + Retry-After during the outage, becomes ready again after, loses no accepted event', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/outrigger.js'), 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH, OUTRIGGER_DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: db.url, OUTRIGGER_ADMIN_TOKEN: TOKEN,
        OUTRIGGER_EGRESS_ALLOW_CIDRS: '127.0.0.1/32', OUTRIGGER_SANDBOX: 'off', LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = proc;
    let exit: string | null = null;
    proc.once('exit', (code, signal) => { exit = `code ${code}, signal ${signal}`; });

    const call = async (method: string, p: string, body?: unknown, token = TOKEN) => {
      const res = await fetch(url + p, {
        method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: any = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed, headers: res.headers };
    };
    await waitFor(async () => {
      if (exit) throw new Error(`server exited at start: ${exit}`);
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    }, 'server start', 30_000);

    expect((await call('POST', '/api/executors', { name: 'record', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/record` } })).status).toBe(201);
    expect((await call('POST', '/api/executors', { name: 'sync', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/sync` } })).status).toBe(201);
    expect((await call('POST', '/api/event-hooks', { name: 'record_all', eventTypes: ['custom.fault'], executor: 'record' })).status).toBe(201);
    // A valid token that this node has never verified: during the outage it cannot be checked (503, not 401 or 500).
    const unseen = await call('POST', '/api/tokens', { name: 'unseen', role: 'viewer' });
    expect(unseen.status).toBe(201);

    const accepted: string[] = [];
    for (let i = 0; i < BATCH_EVENTS; i += 1_000) {
      const r = await call('POST', '/api/events/batch', { events: Array.from({ length: 1_000 }, (_, j) => ({ type: 'custom.fault', data: { n: i + j } })) });
      expect(r.status).toBe(201);
      accepted.push(...r.body.items.map((e: { id: string }) => e.id));
    }
    expect((await call('GET', '/readyz')).status).toBe(200);

    // Load: publish, list, invoke synchronously, probe readiness and liveness, all the time.
    const samples: Sample[] = [];
    const transportErrors: string[] = [];
    let loadOn = true;
    let n = 0;
    const mix: Array<[string, string, () => unknown]> = [
      ['POST', '/api/events', () => ({ type: 'custom.fault', data: { live: n++ } })],
      ['GET', '/api/executors', () => undefined],
      ['POST', '/api/executors/sync/invoke', () => ({ input: { n } })],
      ['GET', '/readyz', () => undefined],
      ['GET', '/healthz', () => undefined],
    ];
    const worker = async (w: number) => {
      for (let i = w; loadOn; i++) {
        const [method, route, body] = mix[i % mix.length]!;
        const started = Date.now();
        try {
          const r = await call(method, route, body());
          samples.push({ route, status: r.status, retryAfter: r.headers.get('retry-after'), code: r.body?.code ?? null, started, ended: Date.now() });
          if (route === '/api/events' && r.status === 201) accepted.push(r.body.id);
        } catch (err) {
          transportErrors.push(`${route}: ${(err as Error).message}`);
        }
        // Pacing, not waiting for anything: while the database is away answers come back at once.
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));

    const outages: Array<{ mode: string; from: number; to: number; readyAfterMs: number; statuses: Record<string, number> }> = [];
    for (const mode of ['immediate', 'fast'] as const) {
      const before = delivered.size;
      if (mode === 'immediate') {
        // Crash while deliveries are running: some done, most still queued.
        await waitFor(() => delivered.size >= 300, 'first deliveries', 30_000);
      }
      db.stop(mode);
      const from = Date.now();
      // The server notices on its own (a query fails, or readiness probes).
      const notReady = await waitFor(async () => {
        const r = await call('GET', '/readyz');
        return r.status === 503 ? r : null;
      }, 'readyz 503 during the outage', 10_000);
      expect(notReady.body.failing).toContain('database');
      expect(notReady.body.checks.database.ok).toBe(false);
      expect(notReady.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await call('GET', '/healthz')).status).toBe(200);
      const fresh = await call('GET', '/api/executors', undefined, unseen.body.token);
      expect(fresh.status).toBe(503);
      expect(fresh.body.code).toBe('DATABASE_UNAVAILABLE');
      expect(fresh.headers.get('content-type')).toMatch(/application\/problem\+json/);
      // The background loops notice as well and back off (the events check fails too) ...
      const loopsBackingOff = await waitFor(async () => {
        const r = await call('GET', '/readyz');
        return r.status === 503 && r.body.failing?.includes('events') ? r : null;
      }, `the dispatcher or cron backing off (${mode})`, 15_000);
      expect(loopsBackingOff.body.checks.events.detail).toMatch(/backoff/);
      // ... while the load keeps running against the outage (a count of answers, not a time).
      // The crash lasts long enough for the loops' back-off to reach its cap (several seconds), the clean shutdown less.
      const seen = samples.length;
      const answers = mode === 'immediate' ? 3_000 : 100;
      await waitFor(() => samples.length >= seen + answers, `${answers} answers during the outage`, 60_000);
      expect(exit).toBeNull();

      const to = Date.now();
      db.start();
      const restarted = Date.now();
      await waitFor(async () => (await call('GET', '/readyz')).status === 200, 'readyz 200 after the restart', READY_WAIT_MS);
      const readyAfterMs = Date.now() - restarted;
      const during = samples.filter((s) => s.started >= from && s.ended <= to);
      const statuses: Record<string, number> = {};
      for (const s of during) statuses[`${s.route} ${s.status}`] = (statuses[`${s.route} ${s.status}`] ?? 0) + 1;
      outages.push({ mode, from, to, readyAfterMs, statuses });
      expect(during.length).toBeGreaterThanOrEqual(100);
      // While the database is away: liveness 200, everything else 503 problem+json with Retry-After.
      for (const s of during) {
        if (s.route === '/healthz') {
          expect(s.status).toBe(200);
          continue;
        }
        expect({ route: s.route, status: s.status }).toEqual({ route: s.route, status: 503 });
        expect(s.retryAfter).toMatch(/^\d+$/);
        if (s.route !== '/readyz') expect(s.code).toBe('DATABASE_UNAVAILABLE');
      }
      if (mode === 'immediate') expect(before).toBeLessThan(BATCH_EVENTS);
      // Ready means ready: requests that start afterwards succeed.
      const mark = Date.now();
      await waitFor(() => samples.filter((s) => s.started >= mark).length >= 50, '50 answers after the restart', 20_000);
      const after = samples.filter((s) => s.started >= mark);
      expect(after.filter((s) => s.status >= 400)).toEqual([]);
    }

    loadOn = false;
    await load;
    expect(exit).toBeNull();
    expect(transportErrors).toEqual([]);
    // Never a 500, before, during or after.
    expect(samples.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);

    // Everything accepted with a 2xx arrives, the pre-outage batch and the live events alike.
    await waitFor(() => accepted.every((id) => delivered.has(id)), `all ${accepted.length} accepted events delivered (now ${accepted.filter((id) => delivered.has(id)).length})`, 60_000);
    const dead = await call('GET', '/api/dead-letters');
    expect(dead.status).toBe(200);
    expect(dead.body.items).toEqual([]);
    // LISTEN is back after the restarts.
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.events.detail).toContain('listening');
    const duplicates = [...delivered.values()].filter((c) => c > 1).length;
    console.log(JSON.stringify({ accepted: accepted.length, duplicates, outages: outages.map(({ mode, readyAfterMs, statuses, from, to }) => ({ mode, outageMs: to - from, readyAfterMs, statuses })) }));

    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    expect(proc.exitCode).toBe(0);
  }, 240_000);
});
