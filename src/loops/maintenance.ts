// The maintenance loop: the periodic purges (expired tokens and storage objects, executions and events past their
// retention) as one named loop on the shared runner, so that /readyz reports it like every other background loop.
// The purges themselves belong to their features; the composition root (server.ts) hands them in as tasks.
import { LoopRunner, type LoopLog } from './loop-runner.js';
import type { DbHealth } from '../store/db-health.js';
import { isDatabaseUnavailable } from '../store/db-errors.js';

export interface MaintenanceTask {
  /** Named in the loop's last error when it fails (`executions retention`, …). */
  name: string;
  run(now: number): Promise<unknown>;
}

export interface MaintenanceOptions {
  tasks: MaintenanceTask[];
  intervalMs: number;
  log: LoopLog;
  health?: DbHealth;
  clock?: () => number;
}

/** Runs every task in turn; a failing one does not keep the others from running, and the step fails naming it. */
export function maintenanceLoop(opts: MaintenanceOptions): LoopRunner {
  const clock = opts.clock ?? Date.now;
  return new LoopRunner({
    name: 'maintenance', log: opts.log, health: opts.health,
    // A failed purge is retried within minutes, not hammered: it is housekeeping, nothing waits for it.
    backoffBaseMs: Math.min(opts.intervalMs, 5_000), backoffMaxMs: opts.intervalMs * 5,
    step: async (signal) => {
      const failed: Array<{ task: string; err: unknown }> = [];
      for (const task of opts.tasks) {
        if (signal.aborted) break;
        try {
          await task.run(clock());
        } catch (err) {
          failed.push({ task: task.name, err });
        }
      }
      if (!failed.length) return opts.intervalMs;
      // The database away: the runner's quiet, short back-off (the store reports the outage once).
      if (failed.every((f) => isDatabaseUnavailable(f.err))) throw failed[0]!.err;
      throw new Error(failed.map((f) => `${f.task}: ${(f.err as Error)?.message ?? String(f.err)}`).join('; '), { cause: failed[0]!.err });
    },
  });
}
