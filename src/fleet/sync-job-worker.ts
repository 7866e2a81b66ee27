// The worker's side of synchronous invocations from api nodes: a claim loop on the shared runner, woken by LISTEN
// (and a modest idle poll), that runs each job through the local invoke pipeline within the caller's deadline and
// writes the result back. Its slots are its own: a sync call never waits behind event deliveries on this node.
import type { Db } from '../store/index.js';
import type { DbHealth } from '../store/db-health.js';
import type { InvokeRequest, InvokeService, PortableInvokeRequest } from '../executors/invoke.service.js';
import { LoopRunner, type LoopLog } from '../loops/loop-runner.js';
import { PgListener } from './pg-listener.js';
import { encodeOutcome } from './sync-job-codec.js';
import * as jobs from './sync-jobs.repository.js';

export interface SyncJobWorkerOptions {
  db: Db;
  databaseUrl: string;
  nodeId: string;
  invoker: Pick<InvokeService, 'invoke'>;
  log: LoopLog;
  health?: DbHealth;
  /** Sync jobs running at once on this node. */
  maxInFlight?: number;
  /** A job ended (its slot is free for event deliveries again: the dispatcher counts running jobs as reserved). */
  onFinished?: () => void;
  /** Warm-worker affinity (absent: every job is taken at once). */
  affinity?: { warm: () => string[]; stealAfterMs: number; liveForMs: number };
  /** Longest idle sleep (a notification lost with a LISTEN connection is noticed by then). */
  idlePollMs?: number;
  clock?: () => number;
}

/**
 * Taken off the caller's deadline for the run: the result must still be written and reach the api node before the
 * caller gives up. A job with less left than this is not started (its caller gets the 504).
 */
export const RESULT_MARGIN_MS = 250;
/** How long after their deadline finished rows are kept (an operator can look at a recent one). */
const KEEP_AFTER_DEADLINE_MS = 60_000;
const PURGE_EVERY_MS = 30_000;

export class SyncJobWorker {
  readonly loop: LoopRunner;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listener: PgListener;
  private readonly clock: () => number;
  private readonly max: number;
  private nextPurgeAt = 0;
  /** A job was announced since the last claim (one left to a warm node is looked at again after the steal delay). */
  private notified = false;

  constructor(private readonly opts: SyncJobWorkerOptions) {
    this.clock = opts.clock ?? Date.now;
    this.max = opts.maxInFlight ?? 32;
    this.loop = new LoopRunner({
      name: 'sync-jobs', log: opts.log, health: opts.health, backoffBaseMs: 50, backoffMaxMs: 5_000,
      step: () => this.step(),
    });
    this.listener = new PgListener({
      databaseUrl: opts.databaseUrl, channel: jobs.JOBS_CHANNEL, log: opts.log, health: opts.health,
      onNotification: () => {
        this.notified = true;
        this.loop.wake();
      },
      onConnected: () => this.loop.wake(),
    });
  }

  /** Jobs running on this node now (the heartbeat's in-flight work). */
  get running(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.listener.start();
    this.loop.start();
  }

  private async step(): Promise<number> {
    const { db, nodeId } = this.opts;
    const idle = this.opts.idlePollMs ?? 2_000;
    const now = this.clock();
    if (now >= this.nextPurgeAt) {
      this.nextPurgeAt = now + PURGE_EVERY_MS;
      await jobs.purge(db, now - KEEP_AFTER_DEADLINE_MS);
    }
    const free = this.max - this.inFlight.size;
    // Full: a finishing job wakes the loop.
    if (free <= 0) return idle;
    const announced = this.notified;
    this.notified = false;
    const a = this.opts.affinity;
    const claimed = await jobs.claim(db, nodeId, now, RESULT_MARGIN_MS, free, a && { warm: a.warm(), stealAfterMs: a.stealAfterMs, liveSince: now - a.liveForMs });
    for (const job of claimed) {
      const p = this.run(job).finally(() => {
        this.inFlight.delete(p);
        this.loop.wake();
        this.opts.onFinished?.();
      });
      this.inFlight.add(p);
    }
    // A full batch: there may be more waiting. After an announcement, a job may have been left to a warm node: look
    // again when it may be taken by anyone (if the warm node took it, that look finds nothing).
    if (claimed.length === free) return 0;
    return announced && a ? Math.min(idle, a.stealAfterMs + 1) : idle;
  }

  private async run(job: jobs.ClaimedJob): Promise<void> {
    let text: string;
    try {
      const req = JSON.parse(job.payload) as PortableInvokeRequest;
      const local: InvokeRequest = { ...req, deadline: job.deadline - RESULT_MARGIN_MS };
      text = encodeOutcome({ result: await this.opts.invoker.invoke(local) });
    } catch (err) {
      text = encodeOutcome({ error: err });
    }
    try {
      await jobs.complete(this.opts.db, job.id, this.opts.nodeId, text, this.clock());
    } catch (err) {
      // The caller gets its 504 at the deadline; the execution record (if the run got that far) shows what happened.
      this.opts.log.warn({ err, job: job.id }, 'sync-jobs: could not write a result');
    }
  }

  /** No new claims; running jobs finish (each within its deadline) and write their results. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.listener.stop();
    await Promise.allSettled([...this.inFlight]);
  }
}
