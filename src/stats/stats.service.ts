// Operational figures for the console: per-executor health and the workspace dashboard (SPEC 4).
import type { Db } from '../store/index.js';
import { deliveryCounts, executorNames, executorWindowStats, invocationsPerMinute, lastRuns, type ExecutorWindowRow } from './stats.repository.js';
import { iso } from '../util/time.js';

export interface ExecutorStats {
  executor: string;
  invocations: number;
  errors: number;
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  lastStatus: string | null;
  lastRunAt: string | null;
}

const view = (r: ExecutorWindowRow) => ({
  executor: r.executor_name, invocations: r.invocations, errors: r.errors,
  errorRate: r.invocations ? r.errors / r.invocations : 0, p50Ms: r.p50_ms, p95Ms: r.p95_ms,
});

export class StatsService {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** Every executor of the workspace (and any deleted one that ran in the window) with its figures and last run. */
  async executors(workspaceId: string, windowMinutes: number): Promise<ExecutorStats[]> {
    const [windowRows, names] = await Promise.all([executorWindowStats(this.db, workspaceId, this.now() - windowMinutes * 60_000), executorNames(this.db, workspaceId)]);
    const all = [...new Set([...windowRows.map((r) => r.executor_name), ...names])].sort();
    const last = new Map((await lastRuns(this.db, workspaceId, all)).map((r) => [r.executor_name, r]));
    const byName = new Map(windowRows.map((r) => [r.executor_name, r]));
    return all.map((name) => {
      const w = byName.get(name) ?? { executor_name: name, invocations: 0, errors: 0, p50_ms: null, p95_ms: null };
      const l = last.get(name);
      return { ...view(w), lastStatus: l?.status ?? null, lastRunAt: l ? iso(l.started_at) : null };
    });
  }

  /** Invocations per minute and per-executor figures over the last hour and day, the delivery queue and dead letters. */
  async dashboard(workspaceId: string) {
    const now = this.now();
    const [perMinute, hour, day, deliveries] = await Promise.all([
      invocationsPerMinute(this.db, workspaceId, now - 60 * 60_000),
      executorWindowStats(this.db, workspaceId, now - 60 * 60_000),
      executorWindowStats(this.db, workspaceId, now - 24 * 60 * 60_000),
      deliveryCounts(this.db, workspaceId),
    ]);
    return {
      generatedAt: iso(now),
      perMinute: perMinute.map((m) => ({ minute: iso(m.minute * 60_000), invocations: m.invocations, errors: m.errors })),
      lastHour: hour.map(view),
      lastDay: day.map(view),
      queue: { queued: deliveries.queued, running: deliveries.running },
      deadLetters: deliveries.dead,
    };
  }
}
