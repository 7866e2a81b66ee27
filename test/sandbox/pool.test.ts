// Warm pools under concurrency and caps: one invocation per worker, a per-pool cap, LRU eviction, idle reaping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import { waitFor } from '../helpers/wait.js';
import { ECHO, makeSandbox, req } from './helpers.js';

/** Fails if the same interpreter ever runs two invocations at once. */
const EXCLUSIVE = `
import time
busy = False
def handler(input, ctx):
    global busy
    if busy:
        raise RuntimeError("two invocations at once in one worker")
    busy = True
    time.sleep(0.2)
    busy = False
    return "done"
`;

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ maxWorkersPerPool: 2, maxWorkers: 3, idleMs: 400 });
});
afterAll(async () => {
  await sb.close();
});

describe('warm pools', () => {
  it('concurrent invocations of one pool never share a worker; beyond the pool cap they queue', async () => {
    const base = req('python', EXCLUSIVE, { timeoutMs: 5000 });
    const runs = await Promise.all([0, 1, 2, 3].map(() => sb.run({ ...base, execution: { ...base.execution, deadline: Date.now() + 8000 } })));
    expect(runs.map((r) => r.output)).toEqual(['done', 'done', 'done', 'done']);
    // Two workers (the pool cap): two cold starts, the other two waited for a free worker.
    expect(runs.filter((r) => r.coldStart).length).toBe(2);
    await sb.evict(base.poolKey);
  });

  it('the global cap evicts the least recently used idle worker of another pool', async () => {
    const a = req('python', ECHO.python);
    const b = req('node', ECHO.node, { memoryMb: 128 });
    const c = req('php', ECHO.php);
    const d = req('python', ECHO.python);
    for (const r of [a, b, c]) expect((await sb.run(r)).status).toBe('ok');
    expect(sb.size()).toBe(3);
    expect((await sb.run(d)).status).toBe('ok'); // a had to go
    const again = await sb.run({ ...a, execution: { ...a.execution, deadline: Date.now() + 5000 } });
    expect(again.coldStart).toBe(true);
    const bAgain = await sb.run({ ...c, execution: { ...c.execution, deadline: Date.now() + 5000 } });
    expect(bAgain.status).toBe('ok');
  });

  it('idle workers are reaped', async () => {
    await sb.run(req('python', ECHO.python));
    expect(sb.size()).toBeGreaterThan(0);
    // The reaper runs every second with idleMs 400: poll for its effect rather than guessing a sleep.
    await waitFor(() => sb.size() === 0, 'the reaper to end the idle worker', 15_000, 50);
    expect(sb.size()).toBe(0);
  });
});
