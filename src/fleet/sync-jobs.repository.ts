// Queries on `sync_jobs` (PostgreSQL only: api and worker roles need it): enqueue with a wake-up, claim with SKIP LOCKED,
// complete with a NOTIFY that carries the result when it fits, cancel, purge.
import { sql } from 'kysely';
import type { Db } from '../store/index.js';
import './sync-jobs.table.js';

/** Wakes idle workers: a new job (payload: its id). */
export const JOBS_CHANNEL = 'outrigger_sync_jobs';
/** Wakes the waiting api node: a job is done (payload: its id, then a newline and the result when it fits). */
export const DONE_CHANNEL = 'outrigger_sync_done';
/** NOTIFY payloads are limited to 8000 bytes: a larger result is read from the row. */
const NOTIFY_RESULT_MAX_BYTES = 7000;

export interface ClaimedJob {
  id: string;
  payload: string;
  deadline: number;
}

/**
 * Why enqueue and complete commit without waiting for the WAL flush (`synchronous_commit` off for that one statement,
 * through the joined `set_config`): a job lives for one call's deadline, and a row lost with a crash of the database
 * within the flush delay only means that the caller, who holds no answer yet, gets its 504, as it would for the
 * crash anyway; the execution record the worker writes stays a durable commit. The claim keeps the durable commit, so
 * that a claimed job is never handed out twice. It saves a disk flush on two of the three writes of each remote call.
 */
const FAST_COMMIT = sql`(select set_config('synchronous_commit', 'off', true) as c) fast_commit`;

/** Inserts a pending job and wakes the workers, in one statement (one round trip). */
export async function enqueue(db: Db, job: { id: string; workspaceId: string; payload: string; deadline: number; affinity: string | null }, now: number): Promise<void> {
  await sql`with j as (
      insert into sync_jobs (id, workspace_id, payload, deadline, state, created_at, affinity)
      values (${job.id}, ${job.workspaceId}, ${job.payload}, ${job.deadline}, 'pending', ${now}, ${job.affinity}) returning id)
    select pg_notify(${JOBS_CHANNEL}, id) from j, ${FAST_COMMIT}`.execute(db);
}

/** Which jobs this worker takes at once, and which it leaves for a moment to a node that has their executor warm. */
export interface ClaimAffinity {
  /** Executors (`workspace/name`) this worker has warm now: their jobs it takes at once. */
  warm: string[];
  /** A job left to another node is taken by anyone once it waited this long (the warm node is busy or slow). */
  stealAfterMs: number;
  /** Heartbeats at or after this time are live (a dead node's warm list does not hold jobs back). */
  liveSince: number;
}

/**
 * Claims up to `limit` pending jobs, oldest first, whose deadline leaves at least `minLeftMs` (the others are the
 * caller's 504 already). SKIP LOCKED: workers claiming at once take different rows and never wait for each other.
 * Affinity: a job whose executor another live node announced warm (and this one has not) is left to that node until it
 * waited `stealAfterMs`; a job nobody has warm, or with no executor named, is taken at once. No coordinator: each node
 * decides from the heartbeats, and the worst case is a cold start (as without affinity) after a short wait.
 */
export async function claim(db: Db, nodeId: string, now: number, minLeftMs: number, limit: number, affinity?: ClaimAffinity): Promise<ClaimedJob[]> {
  const leftToOthers = affinity ? sql`and (j.affinity is null or j.affinity = any(${affinity.warm}::text[]) or j.created_at <= ${now - affinity.stealAfterMs}
      or not exists (select 1 from fleet_nodes n where n.node_id <> ${nodeId} and n.last_beat_at >= ${affinity.liveSince}
                     and n.warm is not null and jsonb_exists(n.warm::jsonb, j.affinity)))` : sql``;
  const r = await sql<{ id: string; payload: string; deadline: string | number }>`update sync_jobs set state = 'running', claimed_by = ${nodeId}, claimed_at = ${now}
    where id in (select j.id from sync_jobs j where j.state = 'pending' and j.deadline > ${now + minLeftMs} ${leftToOthers}
                 order by j.created_at limit ${limit} for update skip locked)
    returning id, payload, deadline`.execute(db);
  return r.rows.map((row) => ({ id: row.id, payload: row.payload, deadline: Number(row.deadline) }));
}

/** Writes the result of a job this node holds and announces it; a job cancelled meanwhile is left alone (nobody waits). */
export async function complete(db: Db, id: string, nodeId: string, result: string, now: number): Promise<void> {
  await sql`with u as (
      update sync_jobs set state = 'done', result = ${result}, finished_at = ${now}
      where id = ${id} and state = 'running' and claimed_by = ${nodeId} returning id, result)
    select pg_notify(${DONE_CHANNEL}, case when octet_length(result) <= ${NOTIFY_RESULT_MAX_BYTES} then id || E'\n' || result else id end) from u, ${FAST_COMMIT}`.execute(db);
}

/** The results of those of `ids` that are done (the fallback poll and results too large for a notification). */
export async function finished(db: Db, ids: string[]): Promise<Array<{ id: string; result: string }>> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('sync_jobs').select(['id', 'result']).where('id', 'in', ids).where('state', '=', 'done').execute();
  return rows.map((r) => ({ id: r.id, result: r.result ?? 'null' }));
}

/** The caller gave up (deadline): a pending job is never started, a running one's result is ignored. */
export async function cancel(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sync_jobs').set({ state: 'cancelled', finished_at: now }).where('id', '=', id).where('state', 'in', ['pending', 'running']).execute();
}

/** Deletes jobs whose deadline passed before `before` (their callers have their answer or their 504). */
export async function purge(db: Db, before: number): Promise<number> {
  const res = await db.deleteFrom('sync_jobs').where('deadline', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
