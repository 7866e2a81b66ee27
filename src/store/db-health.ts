// Whether the database is reachable right now, as seen by the store's own queries: goes `down` on the first
// connection failure, probes until a query succeeds again, then tells the background loops to resume at once.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { DatabaseUnavailableError } from './db-errors.js';
import { isoOrNull } from '../util/time.js';

export interface DbHealthLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface DbHealthStatus {
  state: 'up' | 'down';
  /** ISO time the current outage started (null while up). */
  downSince: string | null;
  lastError: string | null;
  /** Outages seen since start. */
  outages: number;
}

/** How often a down database is probed (one connection attempt each); also bounds how late a recovery is noticed. */
const DEFAULT_PROBE_INTERVAL_MS = 500;

export class DbHealth {
  private state: 'up' | 'down' = 'up';
  private downSince: number | null = null;
  private lastError: string | null = null;
  private outages = 0;
  private readonly recovered = new Set<() => void>();
  private probeTimer?: NodeJS.Timeout;
  private probing = false;
  private closed = false;
  private probe?: () => Promise<unknown>;
  private readonly probeIntervalMs: number;
  /** Replaced by the composition root once the app's logger exists. */
  log: DbHealthLog;

  constructor(opts: { log?: DbHealthLog; probeIntervalMs?: number } = {}) {
    this.log = opts.log ?? { warn: () => undefined, info: () => undefined };
    this.probeIntervalMs = opts.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  }

  /** The query that proves the database is back (set by the store once its connection exists). */
  setProbe(probe: () => Promise<unknown>): void {
    this.probe = probe;
  }

  get up(): boolean {
    return this.state === 'up';
  }

  status(): DbHealthStatus {
    return { state: this.state, downSince: isoOrNull(this.downSince), lastError: this.lastError, outages: this.outages };
  }

  /** A query failed because the database is away. Idempotent during an outage. */
  markDown(err: unknown): void {
    this.lastError = (err as Error)?.message ?? String(err);
    if (this.state === 'down' || this.closed) return;
    this.state = 'down';
    this.downSince = Date.now();
    this.outages++;
    // One line per outage, without a stack: this is weather, not a bug.
    this.log.warn({ error: this.lastError }, 'database unavailable: requests answer 503 and background work backs off until it returns');
    this.scheduleProbe();
  }

  /** A query succeeded: the outage (if any) is over; wakes everyone waiting for that. */
  markUp(): void {
    if (this.state === 'up') return;
    const downMs = this.downSince ? Date.now() - this.downSince : 0;
    this.state = 'up';
    this.downSince = null;
    clearTimeout(this.probeTimer);
    this.log.info({ downMs }, 'database available again');
    for (const fn of [...this.recovered]) {
      try {
        fn();
      } catch (err) {
        this.log.warn({ err }, 'database recovery listener failed');
      }
    }
  }

  /** Calls `fn` each time the database comes back; returns the unsubscribe function. */
  onRecovered(fn: () => void): () => void {
    this.recovered.add(fn);
    return () => this.recovered.delete(fn);
  }

  private scheduleProbe(): void {
    if (this.closed || !this.probe || this.state === 'up') return;
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.runProbe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private async runProbe(): Promise<void> {
    if (this.probing || !this.probe) return;
    this.probing = true;
    try {
      // A success marks the health up through the store's own query path.
      await this.probe();
    } catch {
      // still down: try again after the interval
    } finally {
      this.probing = false;
    }
    if (this.state === 'down') this.scheduleProbe();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.recovered.clear();
  }
}

/** `select 1` with a client-side deadline: a readiness probe must answer quickly even when connecting hangs. */
export async function pingDatabase(db: Kysely<any>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
