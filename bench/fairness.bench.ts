// Per-workspace fairness against a running server: workspace A floods events at a trivial sandboxed handler while
// workspace B calls a webhook every 50 ms and publishes a few events. Used by `npm run bench` (section fairness)
// for B's webhook p99 alone vs during the flood, and by test/fleet/fairness.test.ts for B's event start delays.
import { percentile, round } from './lib.js';

export interface FairnessServer {
  url: string;
  /** An admin token of the default workspace (creates the two workspaces, reads /metrics). */
  token: string;
}

export interface FairnessOptions {
  /** Events workspace A publishes (in batches of 1,000). */
  flood: number;
  /** Webhook calls of B in the phase without A's flood. */
  aloneCalls: number;
  /** Events B publishes while A's flood waits. */
  bEvents: number;
  /** Gap between two of B's webhook calls (ms). */
  intervalMs: number;
}

export interface FairnessResult {
  /** Start of each of B's event deliveries minus its enqueue time (recorded by the server, ms resolution). */
  bStartDelaysMs: number[];
  bP99AloneMs: number;
  bP99FloodMs: number;
  ratio: number;
  bCallsAlone: number;
  bCallsFlood: number;
  /** B's webhook calls that did not answer 200 (both phases). */
  bFailedCalls: number;
  /** How long A's flood took from the first batch until its last delivery finished. */
  floodMs: number;
  /** A's deliveries that succeeded. */
  aSucceeded: number;
}

const HANDLER = 'export default async function handler(input) { return { ok: true, id: input.id ?? null }; }\n';

async function call(url: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url + path, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // metrics text
  }
  return { status: res.status, body: parsed, ms: performance.now() - t0 };
}

async function must(url: string, method: string, path: string, token: string, body?: unknown): Promise<any> {
  const r = await call(url, method, path, token, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Deliveries per status from /metrics (the whole server: both workspaces). */
async function queueDepth(s: FairnessServer): Promise<Record<string, number>> {
  const text = (await call(s.url, 'GET', '/metrics', s.token)).body as string;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^outrigger_event_deliveries_queue_depth\{status="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function poll(what: string, probe: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the scenario once; the server must have the sandbox on. */
export async function runFairness(s: FairnessServer, o: FairnessOptions): Promise<FairnessResult> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const a = await must(s.url, 'POST', '/api/workspaces', s.token, { name: `flood-${suffix}` });
  const b = await must(s.url, 'POST', '/api/workspaces', s.token, { name: `steady-${suffix}` });
  const tA = a.adminToken as string;
  const tB = b.adminToken as string;
  await must(s.url, 'PUT', '/api/executors/trivial', tA, { name: 'trivial', type: 'code', code: { language: 'node', source: HANDLER } });
  await must(s.url, 'POST', '/api/event-hooks', tA, { name: 'flood', eventTypes: ['custom.flood'], executor: 'trivial' });
  await must(s.url, 'PUT', '/api/executors/echo', tB, { name: 'echo', type: 'code', code: { language: 'node', source: HANDLER } });
  await must(s.url, 'PUT', '/api/webhooks/echo', tB, { executor: 'echo' });
  await must(s.url, 'POST', '/api/event-hooks', tB, { name: 'steady', eventTypes: ['custom.steady'], executor: 'echo' });

  // Warm-up: both executors have a warm worker, both workspaces' paths are compiled.
  let failed = 0;
  for (let i = 0; i < 20; i++) if ((await call(s.url, 'POST', '/api/webhooks/echo/call', tB, { input: { n: i } })).status !== 200) failed++;
  const base = (await queueDepth(s)).succeeded ?? 0;
  await must(s.url, 'POST', '/api/events/batch', tA, { events: [{ type: 'custom.flood', data: { warm: true } }] });
  await must(s.url, 'POST', '/api/events', tB, { type: 'custom.steady', data: { warm: true } });
  await poll('the warm-up deliveries', async () => ((await queueDepth(s)).succeeded ?? 0) >= base + 2);

  /** B's webhook, one call every intervalMs (paced, not closed-loop), until `stop()` says so. */
  const paced = async (until: () => boolean): Promise<number[]> => {
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; !until(); i++) {
      const wait = t0 + i * o.intervalMs - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const r = await call(s.url, 'POST', '/api/webhooks/echo/call', tB, { input: { n: i } });
      if (r.status !== 200) failed++;
      lat.push(r.ms);
    }
    return lat.sort((x, y) => x - y);
  };

  let aloneCount = 0;
  const alone = await paced(() => aloneCount++ >= o.aloneCalls);

  // The flood: A's events in batches of 1,000, B's events published while A's backlog waits.
  let flooding = true;
  const floodStart = performance.now();
  const floodCalls = paced(() => !flooding);
  const bEventIds: string[] = [];
  for (let i = 0; i < o.flood; i += 1000) {
    await must(s.url, 'POST', '/api/events/batch', tA, { events: Array.from({ length: Math.min(1000, o.flood - i) }, (_, j) => ({ type: 'custom.flood', data: { i: i + j } })) });
  }
  for (let i = 0; i < o.bEvents; i++) {
    bEventIds.push((await must(s.url, 'POST', '/api/events', tB, { type: 'custom.steady', data: { i } })).id as string);
    await new Promise((r) => setTimeout(r, 100));
  }
  let aSucceeded = 0;
  await poll('the flood to be delivered', async () => {
    const q = await queueDepth(s);
    aSucceeded = (q.succeeded ?? 0) - base - 2 - o.bEvents;
    return !(q.pending ?? 0) && !(q.running ?? 0) && (q.succeeded ?? 0) >= base + 2 + o.flood + o.bEvents;
  });
  const floodMs = performance.now() - floodStart;
  flooding = false;
  const flood = await floodCalls;

  const bStartDelaysMs: number[] = [];
  for (const id of bEventIds) {
    const e = await must(s.url, 'GET', `/api/events/${id}`, tB);
    const d = e.deliveries[0];
    const first = d?.attempts?.[0];
    if (!first?.startedAt) throw new Error(`B's event ${id} has no recorded attempt: ${JSON.stringify(e)}`);
    bStartDelaysMs.push(Date.parse(first.startedAt) - Date.parse(d.enqueuedAt));
  }
  const bP99AloneMs = round(percentile(alone, 99), 2);
  const bP99FloodMs = round(percentile(flood, 99), 2);
  return {
    bStartDelaysMs, bP99AloneMs, bP99FloodMs, ratio: round(bP99FloodMs / bP99AloneMs, 2), bCallsAlone: alone.length, bCallsFlood: flood.length,
    bFailedCalls: failed, floodMs: Math.round(floodMs), aSucceeded,
  };
}
