// The delivery dispatcher: claims due deliveries with a lease, runs them through the invoke pipeline,
// records every attempt, retries with back-off, and turns exhausted deliveries into dead letters.
//
// Design (why our own tables rather than pg-boss / graphile-worker): an event and its deliveries must be
// written in the same transaction as the business change that caused it, on SQLite as well as on
// PostgreSQL. pg-boss and graphile-worker are PostgreSQL-only and SQLite has no maintained queue engine, so
// a second queue for SQLite would mean two code paths with different failure modes. One claim/lease
// protocol over the `deliveries` table serves both stores and is tested once:
//  - appendEvent (outbox.ts) fans each event out to one `deliveries` row per matching hook in the caller's
//    transaction: when the event exists, its deliveries exist (durable, nothing to relay).
//  - workers claim due rows in batches (status pending → running, locked_by, locked_until); on PostgreSQL
//    with FOR UPDATE SKIP LOCKED (capability `skipLocked`), on SQLite inside the single writer's
//    transaction. The lease-renewal loop extends the leases of running deliveries; a lease that runs out
//    (frozen node), or any lease of a worker whose node heartbeat stopped (killed node, fleet/), is reaped
//    and the delivery runs again. On a single-process store (SQLite) every lease left at start belongs to a
//    dead process and is reaped at once.
//  - the delivery id is the idempotency key: the same across retries and replays, passed to the executor
//    as `input._delivery.id`, as the execution's triggerRef and as the `webhook-id` of a signed apiCall
//    request. Delivery is at least once, so a receiver that must not act twice deduplicates on it.
//  - idle workers sleep until the next delivery falls due, and are woken by appends in this process and,
//    on PostgreSQL, by LISTEN/NOTIFY (capability `listenNotify`) from other nodes; they never spin.
import { wakeableSleep } from '../util/wakeable-sleep.js';
import { LoopRunner, backoffMs, DB_BACKOFF_MAX_MS, type LoopStatus } from '../loops/loop-runner.js';
import type pg from 'pg';
import type { Db } from '../store/index.js';
import type { DialectCapabilities } from '../store/dialect.js';
import type { Metrics } from '../observability/metrics.js';
import type { InvokeService } from '../executors/invoke.service.js';
import { newId } from '../ids.js';
import type { DbHealth } from '../store/db-health.js';
import { isDatabaseUnavailable } from '../store/db-errors.js';
import { outboxSignal } from './outbox.js';
import { triggerFor } from './event-types.js';
import { effectiveRetry, retryDelayMs, type RetryPolicy } from './retry.js';
import * as q from './deliveries.repository.js';
import { iso } from '../util/time.js';
import { DELIVERIES_CHANNEL } from '../store/notify-channels.js';

export interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  db: Db;
  caps: DialectCapabilities;
  invoker: InvokeService;
  metrics: Metrics;
  log: Logger;
  /** PostgreSQL URL for the LISTEN connection (with `listenNotify`). */
  databaseUrl?: string;
  workerId?: string;
  /** Deliveries running at once in this process. */
  maxInFlight?: number;
  /**
   * Deliveries of one workspace running at once in this process (default: half of maxInFlight), so that a flood
   * never holds every slot and another workspace's events start at the next claim.
   */
  maxInFlightPerWorkspace?: number;
  leaseMs?: number;
  /** How often expired leases (and the deliveries of silent workers) are looked for; default half the lease. */
  reapIntervalMs?: number;
  /** Workers whose heartbeat stopped (fleet/nodes.repository.ts): their deliveries are reclaimed without waiting for the lease. */
  silentWorkers?: () => Promise<string[]>;
  /** Longest idle sleep (a safety net under the wake-ups). */
  maxIdleMs?: number;
  /** How long close() waits for running deliveries before handing their leases back. */
  drainMs?: number;
  clock?: () => number;
  /** Deliveries of an event at this causation depth or deeper are not run (a hook chain re-triggering itself). */
  maxEventDepth?: number;
  /** The store's view of the database: the loop, the pending completions and LISTEN resume as soon as it returns. */
  health?: DbHealth;
  /** Slots of this node's `maxInFlight` taken by work that goes first (the api nodes' synchronous jobs): deliveries get the rest. */
  reservedSlots?: () => number;
}

/** When a delivery that could not run because the database was away falls due again. */
const RETRY_AFTER_OUTAGE_MS = 1_000;

/** The `_delivery` part of an event hook's input: the idempotency key and where the attempt stands. */
export interface DeliveryInfo {
  id: string;
  attempt: number;
  eventId: string;
  hook: string;
}

/** Default of OUTRIGGER_MAX_EVENT_DEPTH. */
export const DEFAULT_MAX_EVENT_DEPTH = 8;
/** Longest back-off after any other error (a bug or a persistent failure: do not hammer). */
const ERROR_BACKOFF_MAX_MS = 30_000;

export class Dispatcher {
  readonly workerId: string;
  /** The claim loop on the shared runner (states, back-off, last error for /readyz). */
  readonly loop: LoopRunner;
  /** Extends the leases of running deliveries every third of the lease (on the runner too: its errors show in /readyz). */
  readonly renewal: LoopRunner;
  private readonly abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Running deliveries per workspace (the per-workspace cap of the fair claim). */
  private readonly inFlightByWorkspace = new Map<string, number>();
  /**
   * Workspaces that reached their cap: left out of claims until a quarter of their share is free again, so a flood
   * is claimed in batches (one claim per delivery would cost more than the deliveries, see claimStep).
   */
  private readonly saturated = new Set<string>();
  /** The workspace after which the next claim starts its visit (round robin over workspaces). */
  private claimAfter = '';
  private completions: q.Completion[] = [];
  private flushing: Promise<void> | null = null;
  private blocked = false;
  private emptyStreak = 0;
  private nextReapAt = 0;
  private firstReap: boolean;
  private listener?: pg.Client;
  private listenRetry?: NodeJS.Timeout;
  private listenFailures = 0;
  private listening = false;
  private flushRetry: (() => void) | null = null;
  private unsubscribeHealth?: () => void;
  private closed = false;
  private stopping: Promise<void> | null = null;
  private readonly opts: Required<Omit<DispatcherOptions, 'databaseUrl' | 'health' | 'silentWorkers' | 'reapIntervalMs' | 'maxInFlightPerWorkspace' | 'reservedSlots'>> & Pick<DispatcherOptions, 'databaseUrl' | 'health' | 'silentWorkers' | 'reservedSlots'> & { reapIntervalMs: number; maxInFlightPerWorkspace: number };
  private readonly onSignal = () => this.wake();

  constructor(opts: DispatcherOptions) {
    this.workerId = opts.workerId ?? newId('wkr');
    this.opts = { maxInFlight: 64, leaseMs: 30_000, maxIdleMs: 5_000, drainMs: 10_000, clock: Date.now, workerId: this.workerId, maxEventDepth: DEFAULT_MAX_EVENT_DEPTH, ...opts,
      reapIntervalMs: opts.reapIntervalMs ?? Math.floor((opts.leaseMs ?? 30_000) / 2),
      maxInFlightPerWorkspace: opts.maxInFlightPerWorkspace ?? Math.max(1, Math.floor((opts.maxInFlight ?? 64) / 2)) };
    // On a single-process store (SQLite) every lease left at start belongs to a dead process: reap them all at once.
    this.firstReap = !opts.caps.multiProcess;
    // A recovery of the database wakes the runner's back-off (health.onRecovered), so the cap only matters without one.
    this.loop = new LoopRunner({
      name: 'dispatcher', log: opts.log, health: opts.health, backoffBaseMs: 100, backoffMaxMs: ERROR_BACKOFF_MAX_MS,
      step: () => this.claimStep(),
    });
    const renewEveryMs = Math.max(10, Math.floor(this.opts.leaseMs / 3));
    this.renewal = new LoopRunner({
      name: 'lease-renewal', log: opts.log, health: opts.health, backoffBaseMs: Math.max(5, renewEveryMs >> 3), backoffMaxMs: renewEveryMs,
      step: async () => {
        if (this.inFlight.size) await q.renewLeases(this.opts.db, this.workerId, this.opts.clock() + this.opts.leaseMs);
        return renewEveryMs;
      },
    });
  }

  /** State for /readyz and the console. */
  status(): LoopStatus & { inFlight: number; listening: boolean; unsavedCompletions: number; savingBackoff: boolean } {
    return {
      ...this.loop.status(),
      inFlight: this.inFlight.size, listening: !!this.listener, unsavedCompletions: this.completions.length, savingBackoff: this.flushRetry !== null,
    };
  }

  /** Starts the claim loop, the lease renewal and (PostgreSQL) the LISTEN connection. */
  start(): void {
    if (this.loop.status().state !== 'created') return;
    outboxSignal.on('deliveries', this.onSignal);
    this.renewal.start();
    if (this.opts.caps.listenNotify && this.opts.databaseUrl) void this.listen();
    // The database is back: claim now, write the completions kept meanwhile, listen again.
    this.unsubscribeHealth = this.opts.health?.onRecovered(() => {
      this.flushRetry?.();
      if (!this.listener && !this.listening && this.opts.caps.listenNotify && this.opts.databaseUrl) {
        clearTimeout(this.listenRetry);
        void this.listen();
      }
    });
    this.loop.start();
  }

  /** Wakes the loop (new deliveries, a freed slot); remembered if the loop is busy. */
  wake(): void {
    this.loop.wake();
  }

  /** Errors outside the claim step (lease renewal, the final flush); the runner records the step's own. */
  private lastSideError: string | null = null;

  private recordError(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    const repeated = message === this.lastSideError;
    this.lastSideError = message;
    // While the database is away every retry fails the same way: say so once (the store logs the outage), not per retry.
    if (isDatabaseUnavailable(err)) {
      if (!repeated) this.opts.log.warn({ error: message, worker: this.workerId }, 'event dispatcher: database unavailable (backing off, resumes when it returns)');
      return;
    }
    this.opts.log.warn({ err, worker: this.workerId }, 'event dispatcher: error (will back off and retry)');
  }

  /**
   * One pass of the claim loop: reap expired leases when due, claim what the free slots allow, start it. Resolves to
   * the sleep before the next pass; an error is the runner's to record and back off.
   */
  private async claimStep(): Promise<number> {
    const { db, caps, clock, leaseMs, maxIdleMs, maxInFlight } = this.opts;
    // Synchronous work running on this node goes first: it never waits for a slot, deliveries take what it leaves.
    const free = maxInFlight - this.inFlight.size - (this.opts.reservedSlots?.() ?? 0);
    // Under load, claim in batches of at least a quarter of the slots: one claim transaction per
    // handful of deliveries would cost more than the deliveries (measured in bench/events-bench.ts).
    if (free <= 0 || (this.inFlight.size > 0 && free < Math.max(1, maxInFlight >> 2))) {
      this.blocked = true;
      return maxIdleMs;
    }
    const now = clock();
    if (this.firstReap || now >= this.nextReapAt) {
      await this.reclaim(now);
      this.firstReap = false;
      this.nextReapAt = now + this.opts.reapIntervalMs;
    }
    const cap = this.opts.maxInFlightPerWorkspace;
    let running: ReadonlyMap<string, number> = this.inFlightByWorkspace;
    if (this.saturated.size) {
      const m = new Map(this.inFlightByWorkspace);
      for (const w of this.saturated) m.set(w, cap);
      running = m;
    }
    const claimed = await q.claimDeliveries(db, caps, this.workerId, now, now + leaseMs, free, { perWorkspace: cap, running, after: this.claimAfter });
    this.claimAfter = q.nextClaimStart(this.claimAfter, claimed);
    if (this.abort.signal.aborted) {
      await q.releaseLeases(db, this.workerId, claimed.map((c) => c.id), clock());
      return 0;
    }
    if (claimed.length) {
      this.emptyStreak = 0;
      this.blocked = false;
      const resumeAt = cap - Math.max(1, cap >> 2);
      for (const d of claimed) {
        const ws = d.workspaceId;
        const n = (this.inFlightByWorkspace.get(ws) ?? 0) + 1;
        this.inFlightByWorkspace.set(ws, n);
        if (n >= cap) this.saturated.add(ws);
        const p = this.run(d).finally(() => {
          this.inFlight.delete(d.id);
          const left = (this.inFlightByWorkspace.get(ws) ?? 1) - 1;
          if (left > 0) this.inFlightByWorkspace.set(ws, left);
          else this.inFlightByWorkspace.delete(ws);
          if (this.saturated.has(ws) && left <= resumeAt) {
            this.saturated.delete(ws);
            this.wake();
          } else if (this.blocked) this.wake();
        });
        this.inFlight.set(d.id, p);
      }
      return 0;
    }
    const due = await q.nextDueAt(db);
    let delay = maxIdleMs;
    if (due !== null && due <= now) {
      // Due but not claimable (a hook at its concurrency limit): a finished delivery wakes us; back off meanwhile.
      // Our own saturated workspaces wake us when their share frees up: not every finished delivery then.
      this.blocked = this.saturated.size === 0;
      delay = Math.min(maxIdleMs, 5 * 2 ** Math.min(this.emptyStreak++, 10));
    } else if (due !== null) {
      delay = Math.min(maxIdleMs, due - now);
    }
    // Wake for the next reap too: another node's expired lease is only noticed by reaping.
    return Math.max(1, Math.min(delay, this.nextReapAt - now));
  }

  /** Makes claimed work of dead workers due again: expired leases, and every lease of a worker whose heartbeat stopped. */
  private async reclaim(now: number): Promise<void> {
    const { db, metrics, silentWorkers } = this.opts;
    const expired = await q.reapExpiredLeases(db, now, this.firstReap);
    if (expired) metrics.deliveriesReclaimed.inc({ reason: 'lease_expired' }, expired);
    const silent = silentWorkers ? (await silentWorkers()).filter((w) => w !== this.workerId) : [];
    const ofSilent = await q.releaseLeasesOf(db, silent, now);
    if (ofSilent) metrics.deliveriesReclaimed.inc({ reason: 'worker_silent' }, ofSilent);
  }

  private async run(d: q.ClaimedDelivery): Promise<void> {
    const { invoker, metrics, clock } = this.opts;
    const startedAt = clock();
    if (d.attempt === 1) metrics.deliveryStartDelay.observe(Math.max(0, startedAt - d.enqueuedAt) / 1000);
    const executionId = newId('exe');
    const delivery: DeliveryInfo = { id: d.id, attempt: d.attempt, eventId: d.eventId, hook: d.hookName };
    const data = JSON.parse(d.event.data) as unknown;
    const input = {
      id: d.event.id, type: d.event.type, occurredAt: iso(d.event.occurredAt), subject: d.event.subject,
      data, _delivery: delivery,
    };
    // For code, the payload's fields also at the top level, as the reference platform hands them to hooks
    // (`$in->ticketId`, `$in->changes`), so its hook code runs unchanged; our envelope fields win a clash.
    const codeInputExtras = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    const t0 = performance.now();
    let ok = false;
    let error: string | null = null;
    let recordedExecution: string | null = null;
    const depth = d.event.causationDepth;
    const refused = depth >= this.opts.maxEventDepth;
    let databaseAway = false;
    try {
      // Not run, and not retried: the trace says why (an event hook chain that re-triggers itself ends here).
      if (refused) {
        error = JSON.stringify({
          code: 'LIMIT_EXCEEDED',
          message: `not run: this event is ${depth} causation steps deep (events emitted by executions run for events), the limit is ${this.opts.maxEventDepth}; does a hook re-trigger itself?`,
          details: { causationDepth: depth, limit: this.opts.maxEventDepth },
        });
      } else {
        const res = await invoker.invoke({
          workspaceId: d.workspaceId, executorName: d.executor, input, ...(codeInputExtras ? { codeInputExtras } : {}), trigger: triggerFor(d.event.type), triggerRef: d.id,
          attempt: d.attempt, enqueuedAt: d.enqueuedAt, executionId, causationDepth: depth, idempotencyKey: d.id,
        });
        recordedExecution = res.executionId;
        ok = res.status === 'ok';
        if (!ok) error = JSON.stringify(res.error ?? { code: 'RUNTIME_ERROR', message: 'failed' });
      }
    } catch (err) {
      // The run could not start (executor gone, sandbox unavailable): a failed attempt like any other, except
      // when the database is away: that is no fault of the hook and must not use up its retry budget.
      databaseAway = isDatabaseUnavailable(err);
      const e = err as { code?: string; message?: string };
      error = JSON.stringify({ code: databaseAway ? 'DATABASE_UNAVAILABLE' : (e.code ?? 'INTERNAL'), message: e.message ?? String(err) });
    }
    const durationMs = Math.round((performance.now() - t0) * 100) / 100;
    const policy = effectiveRetry(d.retry ? (JSON.parse(d.retry) as RetryPolicy) : null);
    const used = d.attempt - d.budgetStart;
    const now = clock();
    let next: q.Completion['next'] = 'succeeded';
    let nextAttemptAt = now;
    if (databaseAway) {
      next = 'pending';
      nextAttemptAt = now + RETRY_AFTER_OUTAGE_MS;
    } else if (!ok) {
      if (refused || used >= policy.attempts) next = 'dead';
      else {
        next = 'pending';
        nextAttemptAt = now + retryDelayMs(policy, used);
      }
    }
    metrics.deliveries.inc({ outcome: ok ? 'ok' : refused ? 'refused' : next === 'dead' ? 'dead' : 'retry' });
    this.completions.push({
      deliveryId: d.id, workspaceId: d.workspaceId, attempt: d.attempt, status: ok ? 'ok' : 'error', executionId: recordedExecution,
      error, startedAt, durationMs, next, nextAttemptAt, ...(databaseAway ? { refund: true } : {}),
    });
    await this.flush();
  }

  /** Group commit: completions that arrive while a flush runs are written together by the next one. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.completions.length ? this.flush() : undefined));
    this.flushing = (async () => {
      await new Promise((r) => setImmediate(r));
      let failures = 0;
      while (this.completions.length && !this.closed) {
        const batch = this.completions;
        this.completions = [];
        try {
          await q.completeDeliveries(this.opts.db, this.workerId, batch, this.opts.clock());
          if (batch.some((c) => c.next === 'pending')) this.wake();
        } catch (err) {
          // Kept for the next flush; if this node dies first, the lease runs out and the delivery runs again.
          this.completions.unshift(...batch);
          this.recordError(err);
          failures++;
          // Stopping: the leases run out and the deliveries run again elsewhere; do not wait for the database.
          if (this.abort.signal.aborted) break;
          // Woken early when the database returns (flushRetry); a stop ends the wait as well.
          await wakeableSleep(backoffMs(failures, 200, DB_BACKOFF_MAX_MS), this.abort.signal, (wake) => (this.flushRetry = wake));
        }
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async listen(): Promise<void> {
    if (this.abort.signal.aborted || this.listening) return;
    this.listening = true;
    // Only PostgreSQL servers listen; the driver is loaded then (SQLite servers never load it).
    const { default: pgDriver } = await import('pg');
    const client = new pgDriver.Client({ connectionString: this.opts.databaseUrl, connectionTimeoutMillis: 5_000, keepAlive: true });
    let lost = false;
    // Attached before connecting: a connection cut while LISTEN is being set up is an 'error' event too, and
    // an unhandled one would end the process.
    client.on('error', (err) => {
      if (lost) return;
      lost = true;
      this.recordError(err);
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      this.scheduleListen();
    });
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${DELIVERIES_CHANNEL}`);
      if (lost) return;
      if (this.abort.signal.aborted) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      this.listenFailures = 0;
      // Notifications sent while no connection listened are gone: look for due work once now.
      this.wake();
    } catch (err) {
      if (!lost) {
        lost = true;
        this.recordError(err);
        client.end().catch(() => undefined);
        this.scheduleListen();
      }
    } finally {
      this.listening = false;
    }
  }

  private scheduleListen(): void {
    if (this.abort.signal.aborted) return;
    // Polling (maxIdleMs) covers the gap until LISTEN works again; a recovery of the database retries at once.
    clearTimeout(this.listenRetry);
    this.listenRetry = setTimeout(() => void this.listen(), backoffMs(this.listenFailures++, 250, DB_BACKOFF_MAX_MS));
    this.listenRetry.unref();
  }

  /**
   * Graceful stop: no new claims; running deliveries get `drainMs` to finish and be recorded; the leases
   * of those still running are handed back so that another node (or the next start) runs them.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    outboxSignal.off('deliveries', this.onSignal);
    this.abort.abort();
    await this.loop.stop();
    const running = [...this.inFlight.values()];
    if (running.length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(running), new Promise((r) => { timer = setTimeout(r, this.opts.drainMs); })]);
      clearTimeout(timer);
    }
    try {
      await this.flush();
      if (this.inFlight.size) await q.releaseLeases(this.opts.db, this.workerId, [...this.inFlight.keys()], this.opts.clock());
    } catch (err) {
      this.recordError(err);
    }
    this.closed = true;
    this.unsubscribeHealth?.();
    await this.renewal.stop();
    clearTimeout(this.listenRetry);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }
}
