// Honest fleet health: this node's heartbeat, whether any worker is alive (readiness of api nodes), the workers
// whose heartbeat stopped (their work is reclaimed), and the queue's gauges on /metrics.
import { Gauge } from 'prom-client';
import type { Store } from '../store/index.js';
import type { EventsService } from '../events/events.service.js';
import type { Metrics } from '../observability/metrics.js';
import type { FleetTiming } from '../config.js';
import type { LoopLog } from '../loops/loop-runner.js';
import { NodeHeartbeat } from './heartbeat.js';
import * as nodes from './nodes.repository.js';

/** Missed heartbeats after which a worker counts as dead. */
export const MISSED_BEATS = 3;

export interface Fleet {
  nodeId: string;
  /** Set by start (the heartbeat logs through the app's logger). */
  heartbeat?: NodeHeartbeat;
  /** Writes the first beat, then beats every interval. */
  start(log: LoopLog): Promise<void>;
  stop(): Promise<void>;
  /** Workers silent for MISSED_BEATS intervals (never this node). */
  silentWorkers(): Promise<string[]>;
  liveWorkers(): Promise<number>;
  /** Live nodes that run api nodes' synchronous invocations (role worker). */
  liveSyncWorkers(): Promise<number>;
  /** For /readyz on an api node: not ready while no worker beats. Other roles are workers themselves. */
  readiness: { name: string; check(): Promise<{ ok: boolean; detail?: string }> };
}

export function createFleet(o: { store: Store; events: Pick<EventsService, 'queueStats'>; metrics: Metrics; timing: FleetTiming; role: string; nodeId: string; version: string; inFlight: () => number; warm?: () => string[]; clock?: () => number }): Fleet {
  const { db } = o.store;
  const clock = o.clock ?? Date.now;
  const staleBefore = () => clock() - MISSED_BEATS * o.timing.heartbeatMs;
  const fleet: Fleet = {
    nodeId: o.nodeId,
    async start(log) {
      fleet.heartbeat = new NodeHeartbeat({
        db, nodeId: o.nodeId, role: o.role, version: o.version, intervalMs: o.timing.heartbeatMs, inFlight: o.inFlight, warm: o.warm, health: o.store.health, clock, log,
      });
      // The first beat before any work, so that an api node sees this worker at once (an outage: the loop retries).
      await fleet.heartbeat.beatOnce().catch(() => undefined);
      fleet.heartbeat.start();
    },
    async stop() {
      await fleet.heartbeat?.stop();
    },
    silentWorkers: async () => (await nodes.silentWorkers(db, staleBefore())).filter((id) => id !== o.nodeId),
    liveWorkers: () => nodes.liveWorkerCount(db, staleBefore()),
    liveSyncWorkers: () => nodes.liveWorkerCount(db, staleBefore(), ['worker']),
    readiness: {
      name: 'workers',
      async check() {
        if (o.role !== 'api') return { ok: true, detail: `this node is a worker (role ${o.role})` };
        const live = await fleet.liveWorkers();
        return live > 0
          ? { ok: true, detail: `${live} live worker(s)` }
          : { ok: false, detail: `no worker has beaten in the last ${MISSED_BEATS * o.timing.heartbeatMs} ms: accepted events wait until one runs` };
      },
    },
  };
  registerFleetGauges(o.metrics, fleet, o.events, clock);
  return fleet;
}

/** Gauges read from the database when /metrics is scraped (a failed read leaves the gauge unset, not the scrape failed). */
function registerFleetGauges(metrics: Metrics, fleet: Fleet, events: Pick<EventsService, 'queueStats'>, clock: () => number): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'outrigger_fleet_live_workers', help: 'Workers (roles all, worker) with a fresh heartbeat', registers,
    async collect() { this.set(await fleet.liveWorkers().catch(() => NaN)); },
  });
  // One query per scrape for both gauges: the depth gauge (collected first) also sets the oldest pending age.
  const oldest = new Gauge({ name: 'outrigger_event_deliveries_oldest_pending_age_seconds', help: 'Age of the oldest due pending event delivery (0: none waits)', registers: [] });
  new Gauge({
    name: 'outrigger_event_deliveries_queue_depth', help: 'Event deliveries by status (pending, running, succeeded, dead)', labelNames: ['status'], registers,
    async collect() {
      const now = clock();
      const stats = await events.queueStats(now).catch(() => null);
      if (!stats) return;
      this.reset();
      for (const [status, n] of Object.entries(stats.byStatus)) this.set({ status }, n);
      oldest.set(stats.oldestPendingEnqueuedAt === null ? 0 : Math.max(0, now - stats.oldestPendingEnqueuedAt) / 1000);
    },
  });
  metrics.registry.registerMetric(oldest);
}
