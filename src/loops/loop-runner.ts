// One runner for every background loop (dispatcher, lease reaper, cron, inactivity sweep, node heartbeat): explicit
// states, a stop through an AbortController, errors recorded and backed off (never thrown out), early wake-ups.
//
// Modelled on pg-boss' worker.ts: a loop is a `step` run again and again; the step says how long to sleep before the
// next one. Everything the loops used to write by hand (states, sleeping, back-off, jitter, waking on new work or the
// database's return) lives here once, so /readyz can report every loop the same way.
import { isDatabaseUnavailable } from '../store/db-errors.js';
import { wakeableSleep } from '../util/wakeable-sleep.js';
import type { DbHealth } from '../store/db-health.js';
import { isoOrNull } from '../util/time.js';

export type LoopState = 'created' | 'running' | 'waiting' | 'backoff' | 'stopping' | 'stopped';

export interface LoopStatus {
  name: string;
  state: LoopState;
  lastError: string | null;
  lastErrorAt: string | null;
  /** When the last step finished without an error (ISO), null before the first. */
  lastSuccessAt: string | null;
  /** Consecutive failed steps (0 while healthy). */
  failures: number;
}

export interface LoopLog {
  warn(obj: object, msg: string): void;
}

export interface LoopRunnerOptions {
  /** Reported in /readyz and logs (`dispatcher`, `cron`, …). */
  name: string;
  /**
   * One pass of the loop; resolves to the milliseconds to sleep before the next pass (0: at once). The signal aborts
   * on stop: a long step should check it. A thrown error is recorded, logged once per distinct message, backed off.
   */
  step(signal: AbortSignal): Promise<number>;
  log: LoopLog;
  /** The store's view of the database: a sleeping loop is woken as soon as the database returns. */
  health?: DbHealth;
  /** Back-off after a failed step: base and cap (ms). While the database is away the cap is `dbBackoffMaxMs`. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  dbBackoffMaxMs?: number;
  /** The sleep between steps (tests inject one that records the delays and resolves when they say). */
  sleep?: typeof wakeableSleep;
}

/** Longest back-off while the database is away: short, since the outage ends with the database's restart. */
export const DB_BACKOFF_MAX_MS = 5_000;

/** Exponential back-off with ±20 % jitter, so that a fleet does not retry in lock-step after an outage. */
export function backoffMs(streak: number, baseMs: number, maxMs: number): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.min(streak, 20));
  return Math.round(plain * (0.8 + Math.random() * 0.4));
}

export class LoopRunner {
  readonly name: string;
  private state: LoopState = 'created';
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private lastSuccessAt: number | null = null;
  private failures = 0;
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private wakeSleep: (() => void) | null = null;
  private wakePending = false;
  private unsubscribeHealth?: () => void;

  constructor(private readonly opts: LoopRunnerOptions) {
    this.name = opts.name;
  }

  /** Aborts when the loop stops (for work the step starts that outlives it). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  status(): LoopStatus {
    return {
      name: this.name, state: this.state, lastError: this.lastError, lastErrorAt: isoOrNull(this.lastErrorAt), lastSuccessAt: isoOrNull(this.lastSuccessAt),
      failures: this.failures,
    };
  }

  start(): void {
    if (this.state !== 'created') return;
    this.state = 'running';
    this.unsubscribeHealth = this.opts.health?.onRecovered(() => this.wake());
    this.done = this.loop();
  }

  /** Ends the current sleep at once; a wake during a step makes the next sleep return at once (nothing is missed). */
  wake(): void {
    if (this.wakeSleep) this.wakeSleep();
    else this.wakePending = true;
  }

  /** Stops after the current step (which sees the signal abort); resolves once the loop has left. */
  async stop(): Promise<void> {
    if (this.state === 'created') {
      this.state = 'stopped';
      return;
    }
    if (this.state !== 'stopped') this.state = 'stopping';
    this.abort.abort();
    this.unsubscribeHealth?.();
    await this.done;
    this.state = 'stopped';
  }

  private async loop(): Promise<void> {
    const { step, backoffBaseMs = 100, backoffMaxMs = 30_000, dbBackoffMaxMs = DB_BACKOFF_MAX_MS } = this.opts;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let delay: number;
      // Wakes from here on belong to this step's successor: the step itself will see whatever they announced.
      this.wakePending = false;
      try {
        if (this.state !== 'backoff') this.state = 'running';
        delay = await step(signal);
        this.failures = 0;
        this.lastSuccessAt = Date.now();
        this.state = delay > 0 ? 'waiting' : 'running';
      } catch (err) {
        this.record(err);
        this.state = 'backoff';
        const dbAway = isDatabaseUnavailable(err);
        delay = backoffMs(++this.failures, backoffBaseMs, dbAway ? Math.min(dbBackoffMaxMs, backoffMaxMs) : backoffMaxMs);
      }
      if (signal.aborted) break;
      if (delay > 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return Promise.resolve();
    }
    return (this.opts.sleep ?? wakeableSleep)(ms, this.abort.signal, (wake) => (this.wakeSleep = wake));
  }

  private record(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    const repeated = message === this.lastError && this.failures > 0;
    this.lastError = message;
    this.lastErrorAt = Date.now();
    // While the database is away every retry fails the same way (the store logs the outage once): not news.
    if (repeated && isDatabaseUnavailable(err)) return;
    if (isDatabaseUnavailable(err)) this.opts.log.warn({ error: message, loop: this.name }, `${this.name}: database unavailable (backing off, resumes when it returns)`);
    else this.opts.log.warn({ err, loop: this.name }, `${this.name}: error (will back off and retry)`);
  }
}


/**
 * The readiness snapshot of a node's loops: every loop started on this node with its state and last error; not ok
 * while any is backing off after a failure or has stopped on its own. Loops never started (roles without them) are left out.
 */
export function loopsReadiness(loops: LoopRunner[]): { ok: boolean; detail: string; loops: LoopStatus[] } {
  const started = loops.map((l) => l.status()).filter((s) => s.state !== 'created');
  const failing = started.filter((s) => s.state === 'backoff' || s.state === 'stopped' || s.state === 'stopping');
  const detail = started.length
    ? started.map((s) => `${s.name} ${s.state}${s.lastError ? ` (last error: ${s.lastError})` : ''}`).join('; ')
    : 'no background loops on this node';
  return { ok: failing.length === 0, detail, loops: started };
}
