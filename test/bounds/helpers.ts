// Bomb harness: runs a hostile request while /healthz is polled, and measures the worst event-loop lag meanwhile.
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
 * Fires the bomb and, until it is answered, a /healthz every 10 ms; a bomb that blocks the event loop makes some
 * /healthz wait as long as the block. Asserts every /healthz answered 200 within 1 s and the loop never stalled 1 s.
 */
export async function underBomb<T>(s: TestServer, name: string, bomb: () => Promise<T>): Promise<BombOutcome<T>> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = performance.now();
  let done = false;
  let healthzMs = 0;
  const poll = (async () => {
    while (!done) {
      const t = performance.now();
      const r = await s.o.app.inject({ method: 'GET', url: '/healthz' });
      expect(r.statusCode).toBe(200);
      healthzMs = Math.max(healthzMs, performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  let result: T;
  try {
    result = await bomb();
  } finally {
    done = true;
  }
  const bombMs = performance.now() - started;
  await poll;
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
