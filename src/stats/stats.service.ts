// Operational figures for the console: per-executor health and the workspace dashboard (SPEC 4).
import type { Db } from '../store/index.js';
import { deadLettersByHook, deliveryCounts, executorNames, executorWindowStats, invocationsPerBucket, lastRuns, type BucketRow, type ExecutorWindowRow } from './stats.repository.js';

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

const bucketView = (b: BucketRow) => ({ invocations: b.invocations, errors: b.errors });

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
      return { ...view(w), lastStatus: l?.status ?? null, lastRunAt: l ? new Date(l.started_at).toISOString() : null };
    });
  }

  /** Invocations per minute (hour) and per hour (day), per-executor figures over both, the delivery queue and dead letters. */
  async dashboard(workspaceId: string) {
    const now = this.now();
    const [perMinute, perHour, hour, day, deliveries, deadByHook] = await Promise.all([
      invocationsPerBucket(this.db, workspaceId, now - 60 * 60_000, 60_000),
      invocationsPerBucket(this.db, workspaceId, now - 24 * 60 * 60_000, 60 * 60_000),
      executorWindowStats(this.db, workspaceId, now - 60 * 60_000),
      executorWindowStats(this.db, workspaceId, now - 24 * 60 * 60_000),
      deliveryCounts(this.db, workspaceId),
      deadLettersByHook(this.db, workspaceId),
    ]);
    return {
      generatedAt: new Date(now).toISOString(),
      perMinute: perMinute.map((m) => ({ minute: new Date(m.start).toISOString(), ...bucketView(m) })),
      perHour: perHour.map((h) => ({ hour: new Date(h.start).toISOString(), ...bucketView(h) })),
      deadLettersByHook: deadByHook,
      lastHour: hour.map(view),
      lastDay: day.map(view),
      queue: { queued: deliveries.queued, running: deliveries.running },
      deadLetters: deliveries.dead,
    };
  }
}
