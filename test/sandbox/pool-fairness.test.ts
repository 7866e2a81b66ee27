// Worker starvation across workspaces: one workspace saturating the warm pools cannot make another's invocation wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeRunResult } from '../../src/executors/sandbox/contract.js';
import { waitFor } from '../helpers/wait.js';
import { ECHO, makeSandbox, req } from './helpers.js';

const SLOW = 'import time\ndef handler(input, ctx):\n    time.sleep(input["s"])\n    return "slept"\n';
const MAX = 6;

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ maxWorkers: MAX, maxWorkersPerPool: 2, reservedWorkers: 1 });
});
afterAll(async () => {
  await sb.close();
});

/** An invocation of workspace ws, executor n (its own pool). */
function run(ws: string, n: string, source: string, input: unknown, timeoutMs: number): Promise<CodeRunResult> {
  return sb.run(req('python', source, { workspaceId: ws, poolKey: `${ws}/${n}/h`, input, timeoutMs }));
}

describe('fair share of warm workers between workspaces', () => {
  it('A saturates with slow invocations of many executors; B still gets a worker at once, and a second executor of B too', async () => {
    // Eight executors of A, each sleeping 3 s: alone, A may hold at most maxWorkers - reserved = 5 workers.
    const aRuns = Array.from({ length: 8 }, (_, i) => run('A', `slow${i}`, SLOW, { s: 3 }, 12_000));
    let aFinished = 0;
    for (const a of aRuns) void a.finally(() => aFinished++);
    await waitFor(() => sb.workersByWorkspace().A === MAX - 1, 'A holding five workers');
    expect(sb.workersByWorkspace().A).toBe(MAX - 1);

    const t0 = Date.now();
    const b = await run('B', 'echo', ECHO.python, { hi: 1 }, 2500);
    const bMs = Date.now() - t0;
    expect(b, JSON.stringify(b.error)).toMatchObject({ status: 'ok', output: { echo: { hi: 1 } } });
    // B took the reserved slot: it did not wait for any of A's 3 s invocations to free a worker.
    expect(aFinished).toBe(0);
    const share = sb.workersByWorkspace();
    console.info(`worker share under contention: A=${share.A} B=${share.B} of ${MAX}; B's invocation took ${bMs} ms (cold)`);
    expect(share.A! + share.B!).toBeLessThanOrEqual(MAX);

    // A second executor of B while A still holds its five busy workers: B is below its share (6 / 2 = 3) and
    // evicts its own idle worker rather than waiting for A.
    const b2 = await run('B', 'echo2', ECHO.python, { hi: 2 }, 2500);
    expect(b2.status).toBe('ok');

    const results = await Promise.all(aRuns);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    // Nothing is left busy: the server is not wedged, and B still answers.
    expect((await run('B', 'echo', ECHO.python, { hi: 3 }, 5000)).status).toBe('ok');
  }, 60_000);

  it('at the global cap an idle worker of a workspace above its share is evicted first', async () => {
    await sb.evict('A/');
    await sb.evict('B/');
    await sb.evict('C/');
    // C fills the server with idle workers (alone, up to maxWorkers - reserved).
    for (let i = 0; i < MAX - 1; i++) expect((await run('C', `e${i}`, ECHO.python, {}, 5000)).status).toBe('ok');
    expect((await run('D', 'keep', ECHO.python, {}, 5000)).status).toBe('ok');
    expect(sb.workersByWorkspace()).toMatchObject({ C: MAX - 1, D: 1 });
    // D's next executors need slots: they come from C (above its share of 3), never from D's own warm worker.
    expect((await run('D', 'second', ECHO.python, {}, 5000)).status).toBe('ok');
    expect((await run('D', 'third', ECHO.python, {}, 5000)).status).toBe('ok');
    expect(sb.workersByWorkspace()).toMatchObject({ C: MAX - 3, D: 3 });
    const again = await run('D', 'keep', ECHO.python, {}, 5000);
    expect(again).toMatchObject({ status: 'ok', coldStart: false });
    // C, now at its share, may not take the reserved slot nor evict D's workers: it replaces one of its own.
    const c = await run('C', 'fresh', ECHO.python, {}, 5000);
    expect(c.status).toBe('ok');
    expect(sb.workersByWorkspace()).toMatchObject({ C: MAX - 3, D: 3 });
  }, 60_000);
});
