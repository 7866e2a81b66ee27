// Cron events (CronMinute, CronHour, CronDay, CronWeek) in each workspace's time zone, fired once per slot
// across all nodes: the slot's row in `cron_slots` (primary key workspace + type + slot time) is inserted
// in the same transaction as the event, so a second node's insert does nothing and fires nothing.
import { Cron } from 'croner';
import type { Db } from '../store/index.js';
import type { Metrics } from '../observability/metrics.js';
import { appendEvent, outboxSignal } from './outbox.js';
import { CRON_SCHEDULES, CRON_TYPES, type CronType } from './event-types.js';
import type { Logger } from './dispatcher.js';
import type { DbHealth } from '../store/db-health.js';
import { LoopRunner, type LoopStatus } from '../loops/loop-runner.js';
import { iso } from '../util/time.js';

export interface CronOptions {
  db: Db;
  metrics: Metrics;
  log: Logger;
  /** Injectable clock (tests). */
  clock?: () => number;
  /** Longest sleep between ticks (new hooks, changed time zones are picked up at the latest then). */
  maxSleepMs?: number;
  /** The store's view of the database: a tick in back-off runs as soon as it returns. */
  health?: DbHealth;
}

const patternsByZone = new Map<string, Cron>();

function cronFor(type: CronType, timeZone: string): Cron {
  const key = `${type}|${timeZone}`;
  let c = patternsByZone.get(key);
  if (!c) {
    c = new Cron(CRON_SCHEDULES[type], { timezone: timeZone, paused: true });
    patternsByZone.set(key, c);
  }
  return c;
}

/** The latest slot at or before `now` (ms), or null. */
export function lastSlot(type: CronType, timeZone: string, now: number): number | null {
  const [d] = cronFor(type, timeZone).previousRuns(1, new Date(now + 1));
  return d ? d.getTime() : null;
}

export class CronScheduler {
  /** The tick loop on the shared runner: states, back-off and last error for /readyz. */
  readonly loop: LoopRunner;
  /** Slots this node already knows to be fired, so that most ticks write nothing. */
  private readonly fired = new Map<string, number>();
  private readonly clock: () => number;
  private readonly onHooks = () => this.loop.wake();

  constructor(private readonly opts: CronOptions) {
    this.clock = opts.clock ?? Date.now;
    // While the database is away retry within seconds (its return wakes the loop anyway); other errors back off longer.
    this.loop = new LoopRunner({
      name: 'cron', log: opts.log, health: opts.health, backoffBaseMs: 250, backoffMaxMs: 60_000,
      step: async () => {
        await this.tick();
        return this.sleepMs(this.clock());
      },
    });
  }

  status(): LoopStatus {
    return this.loop.status();
  }

  /**
   * Fires, for every workspace with an enabled hook on a cron type, that type's latest slot at or before
   * `now` unless it was fired already. After downtime only the last missed slot fires (once); a slot older
   * than the workspace's first hook on that type never fires. Returns the ids of the events it fired.
   */
  async tick(now: number = this.clock()): Promise<string[]> {
    const { db } = this.opts;
    const hooks = await db.selectFrom('event_hooks').innerJoin('workspaces', 'workspaces.id', 'event_hooks.workspace_id')
      .select(['event_hooks.workspace_id', 'event_hooks.event_types', 'event_hooks.created_at', 'workspaces.time_zone'])
      .where('event_hooks.enabled', '=', 1).execute();
    const wanted = new Map<string, { workspaceId: string; type: CronType; timeZone: string; since: number }>();
    for (const h of hooks) {
      const types = JSON.parse(h.event_types) as string[];
      for (const t of CRON_TYPES) {
        if (!types.includes(t)) continue;
        const key = `${h.workspace_id}|${t}`;
        const prev = wanted.get(key);
        if (!prev || h.created_at < prev.since) wanted.set(key, { workspaceId: h.workspace_id, type: t, timeZone: h.time_zone, since: h.created_at });
      }
    }
    const firedIds: string[] = [];
    for (const [key, w] of wanted) {
      const slot = lastSlot(w.type, w.timeZone, now);
      if (slot === null || slot < w.since || this.fired.get(key) === slot) continue;
      const id = await db.transaction().execute(async (trx) => {
        const res = await trx.insertInto('cron_slots').values({ workspace_id: w.workspaceId, cron_type: w.type, slot_at: slot, event_id: '' })
          .onConflict((oc) => oc.doNothing()).returning('slot_at').executeTakeFirst();
        if (!res) return null;
        const eventId = await appendEvent(trx, w.workspaceId, {
          type: w.type, subject: null, data: { slot: iso(slot), timeZone: w.timeZone, schedule: CRON_SCHEDULES[w.type] },
          source: 'cron', occurredAt: slot,
        });
        await trx.updateTable('cron_slots').set({ event_id: eventId }).where('workspace_id', '=', w.workspaceId).where('cron_type', '=', w.type).where('slot_at', '=', slot).execute();
        return eventId;
      });
      this.fired.set(key, slot);
      if (id) {
        firedIds.push(id);
        this.opts.metrics.eventsPublished.inc({ kind: 'cron' });
      }
    }
    return firedIds;
  }

  /** Milliseconds until the next slot of any cron type in any of the given zones (capped). */
  private async sleepMs(now: number): Promise<number> {
    const zones = await this.opts.db.selectFrom('workspaces').select('time_zone').distinct().execute();
    let next = now + (this.opts.maxSleepMs ?? 30_000);
    for (const z of zones) {
      for (const t of CRON_TYPES) {
        const n = cronFor(t, z.time_zone).nextRun(new Date(now));
        if (n && n.getTime() < next) next = n.getTime();
      }
    }
    return Math.max(50, next - now + 5);
  }

  start(): void {
    outboxSignal.on('hooks', this.onHooks);
    this.loop.start();
  }

  async stop(): Promise<void> {
    outboxSignal.off('hooks', this.onHooks);
    await this.loop.stop();
  }
}
