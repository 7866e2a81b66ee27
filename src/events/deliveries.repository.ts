// The delivery queue over our own tables: claim with a lease, renew, complete in batches, reap expired leases.
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
}

/**
 * Claims up to `limit` due deliveries of enabled hooks for `worker` until `leaseUntil`, interleaving workspaces:
 * due rows are ranked per workspace (row_number over the workspace, oldest due first) and taken rank by rank, so
 * one workspace's flood of 5,000 takes one slot per round like a workspace with one event (round robin), and no
 * workspace gets more than `fair.perWorkspace` running on this worker.
 * PostgreSQL: the ranked candidates are locked `FOR UPDATE SKIP LOCKED` (the window is in a subquery: a locking
 * clause cannot sit on the window's own level), so concurrent claimers on other nodes take different rows without
 * waiting. SQLite: one process and one writer connection, so the transaction itself is the mutual exclusion.
 * Per-hook concurrency limits are checked inside the same transaction; on PostgreSQL the limited hooks' rows are
 * locked first so that two nodes cannot both take the last slot.
 * Cost: the ranking reads every due pending row (one index range), a few ms per 10,000 waiting deliveries.
 */
export async function claimDeliveries(db: Db, caps: DialectCapabilities, worker: string, now: number, leaseUntil: number, limit: number,
  fair: ClaimFairness = { perWorkspace: limit, running: new Map() }): Promise<ClaimedDelivery[]> {
  const perWorkspace = Math.max(1, fair.perWorkspace);
  const full = [...fair.running].filter(([, n]) => n >= perWorkspace).map(([w]) => w);
  // Candidates of partly busy workspaces beyond their remaining share are dropped below: fetch that many more.
  let busy = 0;
  for (const n of fair.running.values()) if (n < perWorkspace) busy += n;
  const left = (ws: string) => perWorkspace - (fair.running.get(ws) ?? 0);
  return db.transaction().execute(async (trx) => {
    let due = trx.selectFrom('deliveries as d').innerJoin('event_hooks as h', 'h.id', 'd.hook_id')
      .select((eb) => ['d.id', 'd.hook_id', 'd.workspace_id', 'd.next_attempt_at', 'h.concurrency',
        eb.fn.agg<number>('row_number').over((ob) => ob.partitionBy('d.workspace_id').orderBy('d.next_attempt_at').orderBy('d.seq')).as('rn')])
      .where('d.status', '=', 'pending').where('d.next_attempt_at', '<=', now).where('h.enabled', '=', 1);
    if (full.length) due = due.where('d.workspace_id', 'not in', full);
    const ranked = due.as('r');
    let q = trx.selectFrom('deliveries as c').innerJoin(ranked, 'r.id', 'c.id')
      .select(['c.id', 'c.hook_id', 'c.workspace_id', 'r.concurrency', 'r.rn'])
      .where('c.status', '=', 'pending').where('r.rn', '<=', perWorkspace)
      .orderBy('r.rn').orderBy('r.next_attempt_at').limit(limit + busy);
    if (caps.skipLocked) q = q.forUpdate('c').skipLocked();
    const candidates = (await q.execute()).filter((c) => Number(c.rn) <= left(c.workspace_id)).slice(0, limit);
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
