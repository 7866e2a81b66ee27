// Bomb harness: runs a hostile request while /healthz is polled, and measures the worst event-loop lag meanwhile.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.js';

export interface BombOutcome<T> {
  result: T;
  /** Slowest /healthz answer while the bomb was being processed (ms). */
  healthzMs: number;
  /** Worst event-loop lag while the bomb was being processed (ms). */
  lagMs: number;
  /** How long the bomb took to be answered (ms). */
  bombMs: number;
}

/** Where measured lags are appended (one JSON line per bomb), for the report. */
const LAG_LOG = path.join(process.env.BOUNDS_LAG_LOG_DIR ?? '/tmp', 'outrigger-bounds-lag.jsonl');

/**
 * A real HTTP client on its own thread (its own event loop): it asks /healthz every 10 ms over TCP and reports the
 * slowest answer, so a bomb that blocks the server's loop shows up as a slow /healthz, as it would for a load balancer.
 */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let stop = false, worst = 0, answered = 0, failed = 0, inFlight = 0;
parentPort.on('message', () => { stop = true; const end = () => inFlight ? setTimeout(end, 5) : (agent.destroy(), parentPort.postMessage({ worst, answered, failed })); end(); });
function ask() {
  if (stop) return;
  const t = performance.now();
  inFlight++;
  http.get({ host: '127.0.0.1', port: workerData.port, path: '/healthz', agent }, (res) => {
    res.resume();
    res.on('end', () => { inFlight--; answered++; if (res.statusCode !== 200) failed++; worst = Math.max(worst, performance.now() - t); });
  }).on('error', () => { inFlight--; failed++; });
  setTimeout(ask, 10);
}
parentPort.postMessage('ready');
ask();
`;

async function listeningPort(s: TestServer): Promise<number> {
  if (!s.o.app.server.listening) await s.o.app.listen({ port: 0, host: '127.0.0.1' });
  return (s.o.app.server.address() as AddressInfo).port;
}

/**
 * Fires the bomb while another thread polls /healthz over HTTP. Asserts every /healthz answered 200 within 1 s and
 * the event loop never stalled for 1 s while the bomb was processed.
 */
export async function underBomb<T>(s: TestServer, name: string, bomb: () => Promise<T>): Promise<BombOutcome<T>> {
  const port = await listeningPort(s);
  const worker = new Worker(POLLER, { eval: true, workerData: { port } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = performance.now();
  let result: T;
  let polled: { worst: number; answered: number; failed: number };
  try {
    result = await bomb();
  } finally {
    const report = new Promise<{ worst: number; answered: number; failed: number }>((resolve) => worker.once('message', resolve));
    worker.postMessage('stop');
    polled = await report;
    await worker.terminate();
  }
  const bombMs = performance.now() - started;
  const healthzMs = polled.worst;
  expect(polled.failed, `/healthz failures during ${name}`).toBe(0);
  h.disable();
  const lagMs = h.count ? h.max / 1e6 : 0;
  fs.appendFileSync(LAG_LOG, `${JSON.stringify({ name, lagMs: Math.round(lagMs * 10) / 10, healthzMs: Math.round(healthzMs * 10) / 10, bombMs: Math.round(bombMs) })}\n`);
  expect(healthzMs, `/healthz during ${name}`).toBeLessThan(1000);
  expect(lagMs, `event-loop lag during ${name}`).toBeLessThan(1000);
  return { result, healthzMs, lagMs, bombMs };
}

/** The doubling `allOf`/`$ref` chain: each level validates the previous one twice (2^depth visits). */
export function doublingSchema(depth: number): Record<string, unknown> {
  const defs: Record<string, unknown> = { d0: { type: 'string' } };
  for (let i = 1; i <= depth; i++) defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
  return { $defs: defs, $ref: `#/$defs/d${depth}` };
}

/** JSON Logic of `levels` nested `map`s over literal arrays of `width` items: width^levels operations. */
export function nestedMaps(levels: number, width = 10): Record<string, unknown> {
  const items = Array.from({ length: width }, (_, i) => i);
  let logic: unknown = { var: '' };
  for (let i = 0; i < levels; i++) logic = { map: [items, logic] };
  return logic as Record<string, unknown>;
}
