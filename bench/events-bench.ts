// Event pipeline benchmark on SQLite: events dispatched per second end to end (publish → hook → apiCall to a
// trivial upstream in another process → recorded), and the publish → execution start delay (p50/p99).
// Run: npx tsx bench/events-bench.ts   Prints {events: {perSec, p50Ms, p99Ms, ...}} as JSON.
// BENCH_STUB=1 replaces the invoke step by a no-op to show the ceiling of the queue itself.
// BENCH_DATABASE_URL=postgres://… runs it on PostgreSQL instead, in a fresh schema dropped afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createOutrigger } from '../src/server.js';

const TOKEN = 'otr_bench_admin_token_0123456789abcdef';
const BURST = Number(process.env.BENCH_EVENTS ?? 10_000);
const PACED = Number(process.env.BENCH_PACED ?? 2_000);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 500);

/** A trivial upstream answering `{}`, in its own process like a real peripheral system. */
async function startUpstream(): Promise<{ url: string; stop(): void }> {
  const code = `const http=require('http');const s=http.createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'content-type':'application/json'});r.end('{}')})});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => proc.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { url: `http://127.0.0.1:${port}`, stop: () => proc.kill() };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-bench-'));
  const up = await startUpstream();
  const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
  const pgSchema = databaseUrl ? `bench_${process.pid}_${Date.now()}` : undefined;
  const o = await createOutrigger(loadConfig({}, { dataDir, databaseUrl, adminToken: TOKEN, egressAllowCidrs: ['127.0.0.1/32'], logLevel: 'error' }), { logger: false, pgSchema, ...(process.env.BENCH_INFLIGHT ? { events: { dispatcher: { maxInFlight: Number(process.env.BENCH_INFLIGHT) } } } : {}) });
  const api = async (method: string, url: string, body?: unknown) => {
    const r = await o.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return JSON.parse(r.body);
  };
  const db = o.store.db;
  if (process.env.BENCH_STUB) {
    // Pipeline ceiling: the invoke step replaced by a no-op (no HTTP, no execution record).
    (o.invoker as { invoke: unknown }).invoke = async () => ({ executionId: 'exe_stub', status: 'ok', output: {}, logs: [], durationMs: 0, coldStart: false, executor: { name: 'noop', version: 1 } });
  }
  const doneCount = async () => Number((await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n);
  const waitDone = async (n: number) => {
    while ((await doneCount()) < n) await new Promise((r) => setTimeout(r, 25));
  };
  try {
    await api('POST', '/api/executors', { name: 'noop', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/noop` } });
    await api('POST', '/api/event-hooks', { name: 'noop_hook', eventTypes: ['custom.bench'], executor: 'noop' });
    // Warm-up: connections, JIT.
    await api('POST', '/api/events/batch', { events: Array.from({ length: 200 }, (_, i) => ({ type: 'custom.bench', data: { i } })) });
    await waitDone(200);

    // Throughput: a burst published in batches of 500 through the API, measured until the last one is recorded.
    const t0 = performance.now();
    for (let i = 0; i < BURST; i += 500) {
      await api('POST', '/api/events/batch', { events: Array.from({ length: Math.min(500, BURST - i) }, (_, j) => ({ type: 'custom.bench', data: { i: i + j } })) });
    }
    await waitDone(200 + BURST);
    const burstSec = (performance.now() - t0) / 1000;

    // Latency: single events through POST /api/events at a steady rate below capacity.
    const seqBefore = Number((await db.selectFrom('executions').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow()).m ?? 0);
    const gap = 1000 / PACED_RATE;
    const start = performance.now();
    for (let i = 0; i < PACED; i++) {
      const due = start + i * gap;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      await api('POST', '/api/events', { type: 'custom.bench', data: { i } });
    }
    await waitDone(200 + BURST + PACED);
    if (process.env.BENCH_STUB) {
      process.stdout.write(JSON.stringify({ pipelineCeiling: { perSec: Math.round(BURST / burstSec), burst: BURST, store: databaseUrl ? 'postgres' : 'sqlite', executor: 'stubbed invoke' } }) + '\n');
      return;
    }
    const delays = (await db.selectFrom('executions').select('queue_ms').where('seq', '>', seqBefore).where('trigger', '=', 'event').execute()).map((r) => r.queue_ms).sort((a, b) => a - b);
    const result = {
      events: {
        perSec: Math.round(BURST / burstSec),
        p50Ms: pct(delays, 50),
        p99Ms: pct(delays, 99),
        burst: BURST,
        pacedEvents: PACED,
        pacedRatePerSec: PACED_RATE,
        store: databaseUrl ? 'postgres' : 'sqlite',
        executor: 'apiCall to a local upstream answering {} (separate process)',
      },
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await o.close();
    up.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl && pgSchema) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await client.end();
    }
  }
}

await main();
