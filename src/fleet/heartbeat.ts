// The node heartbeat: a loop on the shared runner that writes this node's row in `fleet_nodes` every interval
// (role, version, start time, work in flight, the executors it has warm); a clean stop removes the row.
import type { Db } from '../store/index.js';
import type { DbHealth } from '../store/db-health.js';
import { LoopRunner, type LoopLog } from '../loops/loop-runner.js';
import * as nodes from './nodes.repository.js';

export interface HeartbeatOptions {
  db: Db;
  nodeId: string;
  role: string;
  version: string;
  intervalMs: number;
  /** Work running on this node right now (deliveries in flight). */
  inFlight: () => number;
  /** Executors with a warm worker on this node (warm-worker affinity of synchronous jobs). */
  warm?: () => string[];
  log: LoopLog;
  health?: DbHealth;
  clock?: () => number;
}

export class NodeHeartbeat {
  readonly loop: LoopRunner;
  private readonly startedAt: number;
  private readonly clock: () => number;

  constructor(private readonly opts: HeartbeatOptions) {
    this.clock = opts.clock ?? Date.now;
    this.startedAt = this.clock();
    // Back-off capped at the interval: a beat that is late by more than that makes the node look dead.
    this.loop = new LoopRunner({
      name: 'heartbeat', log: opts.log, health: opts.health, backoffBaseMs: Math.max(10, opts.intervalMs >> 3), backoffMaxMs: opts.intervalMs,
      step: async () => {
        await this.beatOnce();
        return opts.intervalMs;
      },
    });
  }

  /** Writes one beat now (also the first, before the node takes work). */
  async beatOnce(): Promise<void> {
    const { db, nodeId, role, version } = this.opts;
    await nodes.beat(db, { nodeId, role, version, startedAt: this.startedAt, inFlight: this.opts.inFlight(), warm: this.opts.warm?.() ?? [] }, this.clock());
  }

  start(): void {
    this.loop.start();
  }

  /** Stops beating and leaves the table (best effort: a node that cannot reach the database is reaped as silent). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await nodes.removeNode(this.opts.db, this.opts.nodeId).catch(() => undefined);
  }
}
