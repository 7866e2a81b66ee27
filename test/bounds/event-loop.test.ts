// Event-loop health: lag gauges on /metrics, and /readyz unhealthy while a stall above the threshold is recent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { DEFAULT_EVALUATION_LIMITS } from '../../src/util/evaluation-limits.js';
import { waitFor } from '../helpers/wait.js';

/** Blocks the event loop on purpose, as a runaway evaluation would. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

describe('event-loop lag monitoring', () => {
  let s: TestServer;

  beforeAll(async () => {
    // The monitor is not a store feature: SQLite is enough.
    s = await startTestServer('sqlite', { limits: { ...DEFAULT_EVALUATION_LIMITS, eventLoopLagThresholdMs: 400, eventLoopLagWindowMs: 1000 } });
  });
  afterAll(async () => { await s.close(); });

  it('exports p99 and max lag gauges on /metrics', async () => {
    const m = await s.api('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.raw).toMatch(/^outrigger_event_loop_lag_p99_seconds \d/m);
    expect(m.raw).toMatch(/^outrigger_event_loop_lag_max_seconds \d/m);
  });

  it('reports a stall above the threshold on /readyz and on /metrics, then recovers after the window', async () => {
    s.o.app.eventLoop.sample(); // forget start-up
    await waitFor(async () => (await s.api('GET', '/readyz')).status === 200, 'readyz healthy before the stall');
    blockFor(700);
    // The histogram records the stall when its own timer runs after it; sample until it has.
    const r = await waitFor(async () => {
      s.o.app.eventLoop.sample();
      const x = await s.api('GET', '/readyz');
      return x.status === 503 ? x : undefined;
    }, 'readyz reporting the stall', 5_000, 5);
    expect(r.body.checks.eventLoop).toMatchObject({ ok: false, detail: expect.stringMatching(/event-loop lag reached \d+ ms .* \(threshold 400 ms\)/) });
    expect(r.body.checks.database.ok).toBe(true);
    const max = Number(/^outrigger_event_loop_lag_max_seconds (\S+)/m.exec((await s.api('GET', '/metrics')).raw)![1]);
    expect(max).toBeGreaterThan(0.5);
    expect(s.o.app.eventLoop.worstMs).toBeGreaterThan(500);
    // The sampler runs every second; once the window has passed without another stall, /readyz is healthy again.
    const healthy = await waitFor(async () => {
      const x = await s.api('GET', '/readyz');
      return x.status === 200 ? x : undefined;
    }, 'readyz healthy after the window', 10_000, 100);
    expect(healthy.body.checks.eventLoop.ok).toBe(true);
  });
});
