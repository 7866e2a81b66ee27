// Aggregates over execution records and deliveries, computed in the database (window functions on both dialects).
import { sql } from 'kysely';
import type { Db } from '../store/index.js';

export interface ExecutorWindowRow {
  executor_name: string;
  invocations: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/**
 * Per executor since `since` (epoch ms): count, errors and nearest-rank p50/p95 of the duration. The rank is
 * compared as rn * 100 >= q * n, so no ceil() is needed (SQLite has none without its math extension).
 */
export async function executorWindowStats(db: Db, workspaceId: string, since: number): Promise<ExecutorWindowRow[]> {
  const r = await sql<ExecutorWindowRow>`
    with ranked as (
      select executor_name, status, duration_ms,
        row_number() over (partition by executor_name order by duration_ms) as rn,
        count(*) over (partition by executor_name) as n
      from executions where workspace_id = ${workspaceId} and started_at >= ${since}
    )
    select executor_name, max(n) as invocations,
      sum(case when status = 'error' then 1 else 0 end) as errors,
      min(case when rn * 100 >= 50 * n then duration_ms end) as p50_ms,
      min(case when rn * 100 >= 95 * n then duration_ms end) as p95_ms
    from ranked group by executor_name order by executor_name`.execute(db);
  return r.rows.map((x) => ({ ...x, invocations: Number(x.invocations), errors: Number(x.errors), p50_ms: x.p50_ms === null ? null : Number(x.p50_ms), p95_ms: x.p95_ms === null ? null : Number(x.p95_ms) }));
}

export interface LastRunRow {
  executor_name: string;
  status: string;
  started_at: number;
}

/** The newest execution of each named executor (one index probe per name on executions_workspace_executor). */
export async function lastRuns(db: Db, workspaceId: string, names: string[]): Promise<LastRunRow[]> {
  if (!names.length) return [];
  const rows = await db.selectFrom('executions as e').select(['e.executor_name', 'e.status', 'e.started_at'])
    .where('e.workspace_id', '=', workspaceId).where('e.executor_name', 'in', names)
    .where('e.seq', '=', (eb) => eb.selectFrom('executions as x').select((x) => x.fn.max('x.seq').as('m'))
      .where('x.workspace_id', '=', workspaceId).whereRef('x.executor_name', '=', 'e.executor_name'))
    .execute();
  return rows.map((r) => ({ ...r, started_at: Number(r.started_at) }));
}

export interface BucketRow {
  /** Start of the bucket, epoch ms. */
  start: number;
  invocations: number;
  errors: number;
}

/** Invocations and errors per `bucketMs` slice (a minute, an hour) since `since`, grouped in the database. */
export async function invocationsPerBucket(db: Db, workspaceId: string, since: number, bucketMs: number): Promise<BucketRow[]> {
  // A literal, not a parameter: PostgreSQL matches the grouped expression to the selected one only when they are identical.
  const size = sql.lit(Math.trunc(bucketMs));
  const r = await sql<{ bucket: number; invocations: number; errors: number }>`
    select (started_at - (started_at % ${size})) / ${size} as bucket, count(*) as invocations,
      sum(case when status = 'error' then 1 else 0 end) as errors
    from executions where workspace_id = ${workspaceId} and started_at >= ${since}
    group by (started_at - (started_at % ${size})) / ${size} order by bucket`.execute(db);
  return r.rows.map((x) => ({ start: Number(x.bucket) * bucketMs, invocations: Number(x.invocations), errors: Number(x.errors) }));
}

/** Dead letters per hook, most first. */
export async function deadLettersByHook(db: Db, workspaceId: string): Promise<{ hook: string; count: number }[]> {
  const rows = await db.selectFrom('deliveries').select(['hook_name', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId).where('status', '=', 'dead').groupBy('hook_name').execute();
  return rows.map((r) => ({ hook: r.hook_name, count: Number(r.n) })).sort((a, b) => b.count - a.count || a.hook.localeCompare(b.hook));
}

/** Deliveries waiting or running (the queue) and dead letters of the workspace. */
export async function deliveryCounts(db: Db, workspaceId: string): Promise<{ queued: number; running: number; dead: number }> {
  const rows = await db.selectFrom('deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId).where('status', 'in', ['pending', 'running', 'dead']).groupBy('status').execute();
  const count = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { queued: count('pending'), running: count('running'), dead: count('dead') };
}

/** Names of the workspace's executors. */
export async function executorNames(db: Db, workspaceId: string): Promise<string[]> {
  return (await db.selectFrom('executors').select('name').where('workspace_id', '=', workspaceId).execute()).map((r) => r.name);
}
