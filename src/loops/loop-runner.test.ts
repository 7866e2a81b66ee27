// Unit tests of the loop runner: states, back-off after errors (growth, caps, reset), wake-ups and stop, driven by an
// injected sleep that records each requested delay and ends only when the test says (no timers, no wall clock).
import { describe, expect, it } from 'vitest';
import { LoopRunner, backoffMs, loopsReadiness, type LoopRunnerOptions } from './loop-runner.js';
import { DatabaseUnavailableError } from '../store/db-errors.js';
import { waitFor } from '../../test/helpers/wait.js';

/** A sleep under the test's control: each call is recorded and stays pending until `release()` or the loop stops. */
function controlledSleep() {
  const delays: number[] = [];
  let pending: (() => void) | null = null;
  const sleep: NonNullable<LoopRunnerOptions['sleep']> = (ms, signal, expose) => new Promise<void>((resolve) => {
    delays.push(ms);
    const done = () => {
      pending = null;
      expose(null);
      resolve();
    };
    pending = done;
    expose(done);
    signal.addEventListener('abort', done, { once: true });
  });
  return { sleep, delays, release: () => pending?.(), sleeping: () => pending !== null };
}

const quietLog = { warnings: [] as string[], warn(_obj: object, msg: string) { this.warnings.push(msg); } };

describe('LoopRunner', () => {
  it('goes created → running → waiting → stopped, and the step sees the stop through its signal', async () => {
    const s = controlledSleep();
    let release!: () => void;
    let seenSignal: AbortSignal | undefined;
    const runner = new LoopRunner({
      name: 'test', log: quietLog, sleep: s.sleep,
      step: (signal) => new Promise<number>((resolve) => { seenSignal = signal; release = () => resolve(1_000); }),
    });
    expect(runner.status()).toMatchObject({ name: 'test', state: 'created', lastError: null, failures: 0 });
    runner.start();
    expect(runner.status().state).toBe('running');
    await waitFor(() => seenSignal, 'the first step');
    release();
    await waitFor(() => s.sleeping(), 'the sleep after the step');
    expect(runner.status().state).toBe('waiting');
    expect(s.delays).toEqual([1_000]);
    expect(runner.status().lastSuccessAt).not.toBeNull();
    await runner.stop();
    expect(runner.status().state).toBe('stopped');
    expect(seenSignal!.aborted).toBe(true);
  });

  it('backs off exponentially after errors, records the last error, and resets the streak on success', async () => {
    const s = controlledSleep();
    const outcomes: Array<Error | number> = [new Error('boom 1'), new Error('boom 2'), new Error('boom 3'), 50];
    const runner = new LoopRunner({
      name: 'flaky', log: quietLog, sleep: s.sleep, backoffBaseMs: 100, backoffMaxMs: 10_000,
      step: async () => {
        const next = outcomes.shift() ?? 50;
        if (next instanceof Error) throw next;
        return next;
      },
    });
    runner.start();
    for (let i = 1; i <= 3; i++) {
      await waitFor(() => s.delays.length === i, `back-off ${i}`);
      expect(runner.status()).toMatchObject({ state: 'backoff', failures: i, lastError: `boom ${i}` });
      // base · 2^failures, ±20 % jitter
      expect(s.delays[i - 1]).toBeGreaterThanOrEqual(0.8 * 100 * 2 ** i);
      expect(s.delays[i - 1]).toBeLessThanOrEqual(1.2 * 100 * 2 ** i);
      expect(loopsReadiness([runner]).ok).toBe(false);
      s.release();
    }
    await waitFor(() => s.delays.length === 4, 'the sleep after the successful step');
    expect(s.delays[3]).toBe(50);
    // Healthy again; the last error stays visible (with its time) for whoever looks at /readyz.
    expect(runner.status()).toMatchObject({ state: 'waiting', failures: 0, lastError: 'boom 3' });
    expect(runner.status().lastErrorAt).not.toBeNull();
    expect(loopsReadiness([runner]).ok).toBe(true);
    await runner.stop();
  });

  it('caps the back-off at dbBackoffMaxMs while the database is away, and logs a repeated outage once', async () => {
    const s = controlledSleep();
    const log = { warnings: [] as string[], warn(_obj: object, msg: string) { this.warnings.push(msg); } };
    const runner = new LoopRunner({
      name: 'db', log, sleep: s.sleep, backoffBaseMs: 1_000, backoffMaxMs: 600_000, dbBackoffMaxMs: 2_000,
      step: async () => { throw new DatabaseUnavailableError('connect ECONNREFUSED'); },
    });
    runner.start();
    for (let i = 1; i <= 5; i++) {
      await waitFor(() => s.delays.length === i, `back-off ${i}`);
      s.release();
    }
    expect(Math.max(...s.delays)).toBeLessThanOrEqual(2_000 * 1.2);
    expect(log.warnings).toHaveLength(1);
    await runner.stop();
  });

  it('a wake ends a sleep at once, and a wake during a step skips the next sleep', async () => {
    const s = controlledSleep();
    let steps = 0;
    let wakeDuringStep = false;
    const runner = new LoopRunner({
      name: 'wakeable', log: quietLog, sleep: s.sleep,
      step: async () => {
        steps++;
        if (wakeDuringStep) {
          wakeDuringStep = false;
          runner.wake();
        }
        return 60_000;
      },
    });
    runner.start();
    await waitFor(() => s.sleeping(), 'the first sleep');
    runner.wake();
    await waitFor(() => steps === 2 && s.sleeping(), 'the step after the wake');
    wakeDuringStep = true;
    runner.wake();
    // Step 3 wakes itself: step 4 follows without a sleep in between.
    await waitFor(() => steps === 4 && s.sleeping(), 'two steps for one sleep');
    expect(s.delays).toEqual([60_000, 60_000, 60_000]);
    await runner.stop();
  });

  it('stop of a loop never started just marks it stopped; readiness leaves loops never started out', async () => {
    const runner = new LoopRunner({ name: 'idle', log: quietLog, step: async () => 1 });
    expect(loopsReadiness([runner])).toMatchObject({ ok: true, loops: [] });
    await runner.stop();
    expect(runner.status().state).toBe('stopped');
    expect(loopsReadiness([runner])).toMatchObject({ ok: false, detail: 'idle stopped' });
  });

  it('backoffMs grows from the base and never passes the cap (plus jitter)', () => {
    expect(backoffMs(1, 100, 1_000)).toBeGreaterThanOrEqual(160);
    expect(backoffMs(30, 100, 1_000)).toBeLessThanOrEqual(1_200);
  });
});
