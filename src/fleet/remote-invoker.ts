// The api node's side of a synchronous invocation: a durable job row for the workers, then a wait for its result on
// LISTEN (a fallback poll covers a lost notification) until the caller's deadline; 503 at once when no worker lives.
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import type { Db } from '../store/index.js';
import type { DbHealth } from '../store/db-health.js';
import type { InvocationResult, PortableInvokeRequest, RemoteInvocationPort } from '../executors/invoke.service.js';
import { PgListener } from './pg-listener.js';
import { decodeOutcome } from './sync-job-codec.js';
import * as jobs from './sync-jobs.repository.js';

export interface RemoteInvokerOptions {
  db: Db;
  databaseUrl: string;
  /** Live nodes that run sync jobs (the heartbeat table). */
  liveWorkers(): Promise<number>;
  /** How long a positive answer of liveWorkers is trusted (a heartbeat interval: a dead worker is noticed within three). */
  liveCacheMs: number;
  /** The fallback poll for results while calls wait (a notification lost with a LISTEN connection). */
  pollMs?: number;
  log: { warn(obj: object, msg: string): void };
  health?: DbHealth;
  clock?: () => number;
}

interface Waiter {
  resolve(text: string | null): void;
}

/** Seconds a caller is asked to wait when no worker is alive (about the time a starting worker takes to beat). */
const NO_WORKER_RETRY_AFTER_SECONDS = 5;

export class RemoteInvoker implements RemoteInvocationPort {
  private readonly waiters = new Map<string, Waiter>();
  private readonly listener: PgListener;
  private pollTimer?: NodeJS.Timeout;
  private polling = false;
  private liveUntil = 0;
  private readonly clock: () => number;

  constructor(private readonly opts: RemoteInvokerOptions) {
    this.clock = opts.clock ?? Date.now;
    this.listener = new PgListener({
      databaseUrl: opts.databaseUrl, channel: jobs.DONE_CHANNEL, log: opts.log, health: opts.health,
      onNotification: (payload) => this.onDone(payload),
      // Results announced while nobody listened: read them from the rows.
      onConnected: () => void this.poll(),
    });
  }

  start(): void {
    this.listener.start();
  }

  /** Calls waiting for a worker right now. */
  get waiting(): number {
    return this.waiters.size;
  }

  async run(req: PortableInvokeRequest, deadline: number): Promise<InvocationResult> {
    await this.requireWorker();
    const id = newId('sjb');
    // Registered before the insert: a worker may finish before the insert's round trip is back.
    const outcome = new Promise<string | null>((resolve) => this.waiters.set(id, { resolve }));
    const timer = setTimeout(() => this.settle(id, null), Math.max(0, deadline - this.clock()));
    this.schedulePoll();
    try {
      // A saved executor's job prefers a worker that has it warm; a draft (a test run) has no warm worker anywhere.
      const affinity = req.draft ? null : `${req.workspaceId}/${req.executorName}`;
      await jobs.enqueue(this.opts.db, { id, workspaceId: req.workspaceId, payload: JSON.stringify({ ...req, deadline }), deadline, affinity }, this.clock());
    } catch (err) {
      clearTimeout(timer);
      this.waiters.delete(id);
      throw err;
    }
    const text = await outcome;
    clearTimeout(timer);
    if (text === null) {
      // Nobody will wait for it: a worker that has not started it never will, one that runs it has its result ignored.
      await jobs.cancel(this.opts.db, id, this.clock()).catch(() => undefined);
      throw new ProblemError('GATEWAY_TIMEOUT', `no worker answered before the deadline (${new Date(deadline).toISOString()}): the workers are busy, stalled or were stopped during the call`, {
        extra: { executor: req.executorName, executionId: req.executionId },
      });
    }
    return decodeOutcome(text);
  }

  /** 503 at once without a live worker: a job would only wait for its deadline. */
  private async requireWorker(): Promise<void> {
    if (this.clock() < this.liveUntil) return;
    const live = await this.opts.liveWorkers();
    if (live > 0) {
      this.liveUntil = this.clock() + this.opts.liveCacheMs;
      return;
    }
    throw new ProblemError('SERVICE_UNAVAILABLE', 'no worker node is alive to run this invocation (this is an api node: code and calls run on --role worker nodes)', { retryAfterSeconds: NO_WORKER_RETRY_AFTER_SECONDS });
  }

  private settle(id: string, text: string | null): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    w.resolve(text);
  }

  /** `id`, or `id\n<result>` when the result fitted into the notification. */
  private onDone(payload: string): void {
    const nl = payload.indexOf('\n');
    const id = nl < 0 ? payload : payload.slice(0, nl);
    if (!this.waiters.has(id)) return;
    if (nl >= 0) {
      this.settle(id, payload.slice(nl + 1));
      return;
    }
    jobs.finished(this.opts.db, [id]).then((rows) => {
      for (const r of rows) this.settle(r.id, r.result);
    }, () => undefined); // the fallback poll tries again
  }

  private schedulePoll(): void {
    if (this.pollTimer || !this.waiters.size) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll().finally(() => this.schedulePoll());
    }, this.opts.pollMs ?? 1_000);
    this.pollTimer.unref();
  }

  /** Reads the results of every waiting call that is done (one query for all). */
  private async poll(): Promise<void> {
    if (this.polling || !this.waiters.size) return;
    this.polling = true;
    try {
      for (const r of await jobs.finished(this.opts.db, [...this.waiters.keys()])) this.settle(r.id, r.result);
    } catch {
      // The database is away: the deadline answers the callers if it does not return in time.
    } finally {
      this.polling = false;
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.listener.stop();
    // Callers still waiting get their 504 now rather than at the deadline: this node is going away.
    for (const id of [...this.waiters.keys()]) this.settle(id, null);
  }
}
