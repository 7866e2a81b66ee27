// The inactivity rule: a periodic sweep closes pending tickets untouched for the workspace's `inactivityCloseHours`,
// writing TicketUpdated, TicketClosed and TicketClosedDueToInactivity with each closure.
import type { Db } from '../store/index.js';
import * as repo from './tickets.repository.js';
import { toTicket } from './tickets.model.js';
import { emitHostEvent, SYSTEM_ACTOR, type Clock } from './host-events.js';
import type { TicketSettingsService } from './ticket-settings.service.js';
import { MAX_TIMEOUT_MS } from '../executors/definition.js';
import type { DbHealth } from '../store/db-health.js';
import { LoopRunner, type LoopStatus } from '../loops/loop-runner.js';
import { iso } from '../util/time.js';

const BATCH = 200;
/** Slack beyond the longest executor time-out before a `sending` reply counts as orphaned. */
const ORPHAN_MARGIN_MS = 60_000;
/** Longest back-off after failed sweeps, as a multiple of the interval. */
const MAX_BACKOFF_FACTOR = 10;

export interface SweepLog {
  warn(obj: object, msg: string): void;
}

export interface InactivitySweepDeps {
  db: Db;
  clock: Clock;
  settings: TicketSettingsService;
  intervalMs: number;
  log: SweepLog;
  /** The store's view of the database: a sweep that failed while it was away runs again as soon as it returns. */
  health?: DbHealth;
}

/** The sweep loop on the shared runner (states, back-off, last error in /readyz); runOnce can also be called directly (tests, tools). */
export class InactivitySweep {
  readonly loop: LoopRunner;
  lastRunAt: number | null = null;

  constructor(private readonly deps: InactivitySweepDeps) {
    this.loop = new LoopRunner({
      name: 'inactivity-sweep', log: deps.log, health: deps.health,
      backoffBaseMs: deps.intervalMs, backoffMaxMs: deps.intervalMs * MAX_BACKOFF_FACTOR,
      step: async () => {
        await this.runOnce();
        return deps.intervalMs;
      },
    });
  }

  status(): LoopStatus {
    return this.loop.status();
  }

  /**
   * Closes every pending ticket past its workspace's inactivity limit now, and fails replies orphaned by a crash
   * (still `sending` after the longest possible webhook run); returns how many of each.
   */
  async runOnce(): Promise<{ closed: number; orphanedReplies: number }> {
    const { db, clock } = this.deps;
    const orphanedReplies = await this.failOrphanedReplies();
    let closed = 0;
    for (const rule of await this.deps.settings.inactivityRules()) {
      const cutoff = clock() - rule.hours * 3_600_000;
      for (;;) {
        const candidates = await repo.listInactivePending(db, rule.workspaceId, cutoff, BATCH);
        for (const row of candidates) if (await this.close(rule.workspaceId, row, rule.hours)) closed++;
        if (candidates.length < BATCH) break;
      }
    }
    this.lastRunAt = clock();
    return { closed, orphanedReplies };
  }

  /**
   * A reply waits in `sending` while its webhook runs, and no run outlives MAX_TIMEOUT_MS: one still sending well
   * after that lost its server mid-call. It becomes `failed` (retryable) instead of hanging forever; whether the
   * peripheral system received it is unknown, which the error says.
   */
  private async failOrphanedReplies(): Promise<number> {
    const cutoff = this.deps.clock() - MAX_TIMEOUT_MS - ORPHAN_MARGIN_MS;
    const error = JSON.stringify({ code: 'INTERRUPTED', message: 'the server stopped while the webhook ran; it is unknown whether the reply reached the recipient — check, then retry' });
    const res = await this.deps.db.updateTable('ticket_replies').set({ status: 'failed', error, sending_since: null })
      .where('status', '=', 'sending').where('sending_since', '<', cutoff).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  private async close(workspaceId: string, row: repo.TicketRow, hours: number): Promise<boolean> {
    const now = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      // Only if nothing happened since we looked: the same status and last change. With several workers sweeping
      // (PostgreSQL), the row lock of this UPDATE lets exactly one of them win; the others update zero rows.
      const res = await trx.updateTable('tickets').set({ status: 'closed', closed_at: now, updated_at: now })
        .where('id', '=', row.id).where('status', '=', 'pending').where('updated_at', '=', row.updated_at).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      const ticket = toTicket({ ...row, status: 'closed', closed_at: now, updated_at: now });
      const base = { ticketId: row.id, userId: null };
      await emitHostEvent(trx, workspaceId, 'TicketUpdated', row.id, { ...base, changes: { status: 'closed' }, previous: { status: 'pending' }, ticket }, SYSTEM_ACTOR, now);
      await emitHostEvent(trx, workspaceId, 'TicketClosed', row.id, { ...base, reason: 'inactivity', ticket }, SYSTEM_ACTOR, now);
      await emitHostEvent(trx, workspaceId, 'TicketClosedDueToInactivity', row.id, {
        ...base, inactiveSince: iso(row.updated_at), inactivityCloseHours: hours, ticket,
      }, SYSTEM_ACTOR, now);
      return true;
    });
  }

  /** Starts the periodic loop (idempotent). */
  start(): void {
    this.loop.start();
  }

  /** Stops the loop and waits for a sweep in progress to finish. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
