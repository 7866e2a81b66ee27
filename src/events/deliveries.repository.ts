// The delivery queue over our own tables: claim with a lease, renew, complete in batches, reap expired leases.
import { sql } from 'kysely';
import type { Db } from '../store/index.js';
import type { DialectCapabilities } from '../store/dialect.js';

/** A claimed delivery with everything needed to run it (one query per batch, not per delivery). */
export interface ClaimedDelivery {
  id: string;
  workspaceId: string;
  eventId: string;
  hookId: string;
  hookName: string;
  executor: string;
  retry: string | null;
  attempt: number;
  budgetStart: number;
  enqueuedAt: number;
  event: { id: string; type: string; subject: string | null; data: string; occurredAt: number; causationDepth: number };
}

/** How one claim shares the free slots among workspaces (the per-workspace cap counts this worker's running deliveries). */
export interface ClaimFairness {
  /** Most deliveries of one workspace running at once on this worker. */
  perWorkspace: number;
  /** Deliveries of each workspace running on this worker now. */
  running: ReadonlyMap<string, number>;
  /**
   * Where the visit of workspaces starts (after this id, then wrapping around): the dispatcher passes the last
   * workspace it was given, so that with more workspaces waiting than one claim visits, each gets its turn.
   */
  after?: string;
}

type Candidate = { id: string; hook_id: string; workspace_id: string; concurrency: number | null };

/**
 * The workspaces that have pending deliveries, in id order from after `after` (wrapping around), at most `max`:
 * a loose index scan (one index seek per workspace, whatever the number of pending rows), in one statement.
 */
async function workspacesWithPending(trx: Db, after: string, max: number): Promise<string[]> {
  const scan = async (from: string, n: number) => (await sql<{ id: string }>`
    WITH RECURSIVE ws(id) AS (
      SELECT (SELECT min(workspace_id) FROM deliveries WHERE status = 'pending' AND workspace_id > ${from})
      UNION ALL
      SELECT (SELECT min(d.workspace_id) FROM deliveries d WHERE d.status = 'pending' AND d.workspace_id > ws.id)
      FROM ws WHERE ws.id IS NOT NULL
    )
    SELECT id FROM ws WHERE id IS NOT NULL LIMIT ${n}`.execute(trx)).rows.map((r) => r.id);
  const first = await scan(after, max);
  if (first.length >= max || after === '') return first;
  const seen = new Set(first);
  return [...first, ...(await scan('', max - first.length)).filter((w) => !seen.has(w))];
}

/**
 * Claims up to `limit` due deliveries of enabled hooks for `worker` until `leaseUntil`, interleaving workspaces:
 * it visits the workspaces with pending deliveries (at most `limit` of them, round robin through `fair.after`), reads
 * each one's oldest due rows up to its remaining share (an index range, whatever that workspace's backlog), and takes
 * them rank by rank, so one workspace's flood of 5,000 takes one slot per round like a workspace with one event, and
 * no workspace gets more than `fair.perWorkspace` running on this worker. The cost grows with the number of
 * workspaces visited and the rows taken, not with the number waiting (bench/events-bench.ts measured the ranking of
 * every due row that this replaced at a third of the throughput with 10,000 waiting).
 * PostgreSQL: each workspace's rows are locked `FOR UPDATE SKIP LOCKED`, so concurrent claimers on other nodes take
 * different rows without waiting. SQLite: one process and one writer connection, so the transaction itself is the
 * mutual exclusion.
 * Per-hook concurrency limits are checked inside the same transaction; on PostgreSQL the limited hooks' rows are
 * locked first so that two nodes cannot both take the last slot.
 */
export async function claimDeliveries(db: Db, caps: DialectCapabilities, worker: string, now: number, leaseUntil: number, limit: number,
  fair: ClaimFairness = { perWorkspace: limit, running: new Map() }): Promise<ClaimedDelivery[]> {
  const perWorkspace = Math.max(1, fair.perWorkspace);
  const left = (ws: string) => Math.min(limit, perWorkspace - (fair.running.get(ws) ?? 0));
  return db.transaction().execute(async (trx) => {
    const ranked: Array<Candidate & { rank: number; visit: number }> = [];
    const workspaces = await workspacesWithPending(trx, fair.after ?? '', limit);
    for (const [visit, ws] of workspaces.entries()) {
      const share = left(ws);
      if (share <= 0) continue;
      let q = trx.selectFrom('deliveries as d').innerJoin('event_hooks as h', 'h.id', 'd.hook_id')
        .select(['d.id', 'd.hook_id', 'd.workspace_id', 'h.concurrency'])
        .where('d.status', '=', 'pending').where('d.workspace_id', '=', ws).where('d.next_attempt_at', '<=', now).where('h.enabled', '=', 1)
        .orderBy('d.next_attempt_at').orderBy('d.seq').limit(share);
      if (caps.skipLocked) q = q.forUpdate('d').skipLocked();
      for (const [rank, c] of (await q.execute()).entries()) ranked.push({ ...c, rank, visit });
    }
    const candidates: Candidate[] = ranked.sort((a, b) => a.rank - b.rank || a.visit - b.visit).slice(0, limit);
    if (!candidates.length) return [];
    let chosen = candidates;
    const limited = [...new Set(candidates.filter((c) => c.concurrency !== null).map((c) => c.hook_id))];
    if (limited.length) {
      if (caps.skipLocked) await trx.selectFrom('event_hooks').select('id').where('id', 'in', limited).orderBy('id').forUpdate().execute();
      const running = await trx.selectFrom('deliveries').select(['hook_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('hook_id', 'in', limited).where('status', '=', 'running').groupBy('hook_id').execute();
      const free = new Map<string, number>();
      for (const c of candidates) if (c.concurrency !== null) free.set(c.hook_id, c.concurrency);
      for (const r of running) free.set(r.hook_id, (free.get(r.hook_id) ?? 0) - Number(r.n));
      chosen = candidates.filter((c) => {
        if (c.concurrency === null) return true;
        const left = free.get(c.hook_id)!;
        free.set(c.hook_id, left - 1);
        return left > 0;
      });
      if (!chosen.length) return [];
    }
    const ids = chosen.map((c) => c.id);
    await trx.updateTable('deliveries')
      .set((eb) => ({ status: 'running', locked_by: worker, locked_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', 'in', ids).where('status', '=', 'pending').execute();
    const rows = await trx.selectFrom('deliveries as d').innerJoin('event_hooks as h', 'h.id', 'd.hook_id').innerJoin('events as e', 'e.id', 'd.event_id')
      .select(['d.id', 'd.workspace_id', 'd.event_id', 'd.hook_id', 'd.hook_name', 'd.attempts', 'd.budget_start', 'd.enqueued_at', 'h.executor', 'h.retry',
        'e.type', 'e.subject', 'e.data', 'e.occurred_at', 'e.causation_depth'])
      .where('d.id', 'in', ids).where('d.locked_by', '=', worker).where('d.status', '=', 'running').orderBy('d.next_attempt_at').execute();
    return rows.map((r) => ({
      id: r.id, workspaceId: r.workspace_id, eventId: r.event_id, hookId: r.hook_id, hookName: r.hook_name, executor: r.executor, retry: r.retry,
      attempt: r.attempts, budgetStart: r.budget_start, enqueuedAt: r.enqueued_at,
      event: { id: r.event_id, type: r.type, subject: r.subject, data: r.data, occurredAt: r.occurred_at, causationDepth: Number(r.causation_depth) },
    }));
  });
}

/**
 * Where the claim after this one starts: the last workspace served in visit order (ids after `after` came first,
 * then the wrapped-around ones), so that the workspaces not visited this time come first next time.
 */
export function nextClaimStart(after: string, claimed: readonly ClaimedDelivery[]): string {
  if (!claimed.length) return after;
  const ids = claimed.map((d) => d.workspaceId);
  const wrapped = ids.filter((w) => w <= after);
  return (wrapped.length ? wrapped : ids).reduce((a, b) => (b > a ? b : a));
}

/** The result of one attempt, applied to its delivery. */
export interface Completion {
  deliveryId: string;
  workspaceId: string;
  attempt: number;
  status: 'ok' | 'error';
  executionId: string | null;
  error: string | null;
  startedAt: number;
  durationMs: number;
  /** succeeded, dead, or pending again at `nextAttemptAt`. */
  next: 'succeeded' | 'dead' | 'pending';
  nextAttemptAt: number;
  /**
   * The attempt never got going because the database was away: it is not recorded and does not count
   * against the retry budget (the delivery is pending again with its previous attempt count).
   */
  refund?: boolean;
}

/**
 * Records attempts and moves their deliveries on, many in one transaction (group commit: one fsync for
 * a batch). A delivery is only moved if this worker still holds it for this attempt; a lease lost to
 * another node keeps the other node's state (the attempt is still recorded).
 */
export async function completeDeliveries(db: Db, worker: string, items: Completion[], now: number): Promise<void> {
  if (!items.length) return;
  await db.transaction().execute(async (trx) => {
    const recorded = items.filter((c) => !c.refund);
    for (let i = 0; i < recorded.length; i += 200) {
      await trx.insertInto('delivery_attempts').values(recorded.slice(i, i + 200).map((c) => ({
        delivery_id: c.deliveryId, attempt: c.attempt, workspace_id: c.workspaceId, status: c.status, execution_id: c.executionId,
        error: c.error, started_at: c.startedAt, duration_ms: c.durationMs, worker,
      }))).execute();
    }
    const succeeded = items.filter((c) => c.next === 'succeeded');
    // Successes (the common case) in one statement; the guard on locked_by keeps a retaken delivery's state.
    for (let i = 0; i < succeeded.length; i += 200) {
      const chunk = succeeded.slice(i, i + 200);
      await trx.updateTable('deliveries').set({ status: 'succeeded', locked_by: null, locked_until: null, last_error: null, updated_at: now })
        .where('id', 'in', chunk.map((c) => c.deliveryId)).where('locked_by', '=', worker).where('status', '=', 'running').execute();
    }
    for (const c of items) {
      if (c.next === 'succeeded') continue;
      await trx.updateTable('deliveries').set({
        status: c.next, locked_by: null, locked_until: null, last_error: c.error, next_attempt_at: c.nextAttemptAt, updated_at: now,
        ...(c.refund ? { attempts: c.attempt - 1 } : {}),
      })
        .where('id', '=', c.deliveryId).where('locked_by', '=', worker).where('attempts', '=', c.attempt).where('status', '=', 'running').execute();
    }
  });
}

/** Extends the leases of this worker's running deliveries (heartbeat). */
export async function renewLeases(db: Db, worker: string, leaseUntil: number): Promise<void> {
  await db.updateTable('deliveries').set({ locked_until: leaseUntil }).where('locked_by', '=', worker).where('status', '=', 'running').execute();
}

/** Hands this worker's running deliveries back (shutdown): due at once, for any node. */
export async function releaseLeases(db: Db, worker: string, ids: string[] | 'all', now: number): Promise<number> {
  let q = db.updateTable('deliveries').set({ status: 'pending', locked_by: null, locked_until: null, next_attempt_at: now, updated_at: now })
    .where('locked_by', '=', worker).where('status', '=', 'running');
  if (ids !== 'all') {
    if (!ids.length) return 0;
    q = q.where('id', 'in', ids);
  }
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/**
 * Makes deliveries whose lease ran out due again (their node crashed or stalled). `everyLease` also takes
 * unexpired leases: right for a single-process store at start, where no other process can hold one.
 */
export async function reapExpiredLeases(db: Db, now: number, everyLease = false): Promise<number> {
  let q = db.updateTable('deliveries').set({ status: 'pending', locked_by: null, locked_until: null, next_attempt_at: now, updated_at: now })
    .where('status', '=', 'running');
  if (!everyLease) q = q.where('locked_until', '<', now);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** When the next pending delivery of an enabled hook falls due, or null when nothing waits. */
export async function nextDueAt(db: Db): Promise<number | null> {
  const r = await db.selectFrom('deliveries as d').innerJoin('event_hooks as h', 'h.id', 'd.hook_id')
    .select((eb) => eb.fn.min<number | null>('d.next_attempt_at').as('due'))
    .where('d.status', '=', 'pending').where('h.enabled', '=', 1).executeTakeFirst();
  return r?.due === null || r?.due === undefined ? null : Number(r.due);
}

/** Hands back every running delivery held by the given workers (their heartbeat stopped): due at once, for any worker. */
export async function releaseLeasesOf(db: Db, workers: string[], now: number): Promise<number> {
  if (!workers.length) return 0;
  const res = await db.updateTable('deliveries').set({ status: 'pending', locked_by: null, locked_until: null, next_attempt_at: now, updated_at: now })
    .where('status', '=', 'running').where('locked_by', 'in', workers).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Deliveries per status, and when the oldest due pending one was enqueued (null: none waits), for /metrics. */
export async function queueStats(db: Db, now: number): Promise<{ byStatus: Record<string, number>; oldestPendingEnqueuedAt: number | null }> {
  const rows = await db.selectFrom('deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const oldest = await db.selectFrom('deliveries').select((eb) => eb.fn.min<number | null>('enqueued_at').as('at'))
    .where('status', '=', 'pending').where('next_attempt_at', '<=', now).executeTakeFirst();
  return { byStatus: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])), oldestPendingEnqueuedAt: oldest?.at == null ? null : Number(oldest.at) };
}
