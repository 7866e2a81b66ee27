// One LISTEN connection on a channel that comes back by itself: a lost connection (database restart) is reconnected
// with back-off, and every (re)connect calls `onConnected`, since notifications sent meanwhile are gone.
import type pg from 'pg';
import { backoffMs, DB_BACKOFF_MAX_MS } from '../loops/loop-runner.js';
import type { DbHealth } from '../store/db-health.js';

export interface PgListenerOptions {
  databaseUrl: string;
  channel: string;
  onNotification(payload: string): void;
  /** After each (re)connect: look for what was announced while nobody listened. */
  onConnected(): void;
  log: { warn(obj: object, msg: string): void };
  health?: DbHealth;
}

export class PgListener {
  private client?: pg.Client;
  private connecting = false;
  private failures = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private unsubscribe?: () => void;

  constructor(private readonly opts: PgListenerOptions) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  start(): void {
    // The database is back: listen again at once rather than at the end of the back-off.
    this.unsubscribe = this.opts.health?.onRecovered(() => {
      if (!this.client && !this.connecting) {
        clearTimeout(this.retry);
        void this.connect();
      }
    });
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    const { default: pgDriver } = await import('pg');
    const client = new pgDriver.Client({ connectionString: this.opts.databaseUrl, connectionTimeoutMillis: 5_000, keepAlive: true });
    let lost = false;
    const fail = (err: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      if (this.failures === 0) this.opts.log.warn({ error: (err as Error)?.message, channel: this.opts.channel }, 'LISTEN connection lost (reconnecting; polling meanwhile)');
      client.end().catch(() => undefined);
      this.schedule();
    };
    // Attached before connecting: an unhandled 'error' event would end the process.
    client.on('error', fail);
    client.on('notification', (n) => this.opts.onNotification(n.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
      if (lost) return;
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.failures = 0;
      this.opts.onConnected();
    } catch (err) {
      fail(err);
    } finally {
      this.connecting = false;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), backoffMs(this.failures++, 250, DB_BACKOFF_MAX_MS));
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
