// Opens the store (SQLite by default, PostgreSQL by DATABASE_URL) and applies migrations.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type pgTypes from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { CAPABILITIES, type DialectCapabilities } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database, Db } from './schema.js';
import { BoundedMap } from '../util/bounded-map.js';
import { registerCapabilities } from './transaction.js';
import { DbHealth, pingDatabase, type DbHealthLog } from './db-health.js';
import { createResilientPool } from './pg-pool.js';

export type { Database, Db, Tx } from './schema.js';

export interface Store {
  db: Db;
  caps: DialectCapabilities;
  /** Reachability of the database as the store's queries see it (always up on SQLite). */
  health: DbHealth;
  /** `select 1` within the deadline; throws DatabaseUnavailableError otherwise (readiness). */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…`; absent selects SQLite. */
  databaseUrl?: string;
  /** SQLite file path (`:memory:` allowed). */
  sqlitePath?: string;
  /** PostgreSQL schema to use (tests give each suite its own). */
  pgSchema?: string;
  pgPoolSize?: number;
  /** Connect (or wait for a pooled connection) at most this long before a query fails (default 5 s). */
  pgConnectTimeoutMs?: number;
  /** Server-side statement limit; 0 (default) leaves PostgreSQL's own. */
  pgStatementTimeoutMs?: number;
  /** Where outages and recoveries are reported (the composition root may replace it later through `health.log`). */
  log?: DbHealthLog;
}

/** The PostgreSQL driver, loaded only when a DATABASE_URL asks for it (SQLite servers never pay for it). */
async function loadPg(): Promise<typeof pgTypes> {
  const { default: pg } = await import('pg');
  // int8 columns (epoch milliseconds, counters) fit in a JS number; parse them as numbers, not strings.
  pg.types.setTypeParser(20, (v) => Number(v));
  return pg;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running a small indexed query, so keep
 * prepared statements by SQL text (statements are reusable; the SQL text carries no values).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new BoundedMap<string, SqliteDatabase.Statement>(STATEMENT_CACHE_SIZE);
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return (text: string) => cache.getOrCreate(text, () => target.prepare(text));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Opens the database and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let db: Db;
  let caps: DialectCapabilities;
  // Migrations may run longer than a statement limit meant for requests: they get their own connection pool then.
  let migrationDb: Db | undefined;
  const health = new DbHealth({ log: opts.log });
  const pg = opts.databaseUrl ? await loadPg() : undefined;
  if (opts.databaseUrl && pg) {
    caps = CAPABILITIES.postgres;
    const poolOptions = { connectionString: opts.databaseUrl, schema: opts.pgSchema, connectTimeoutMs: opts.pgConnectTimeoutMs ?? 5_000, health };
    const { pool } = createResilientPool(pg, { ...poolOptions, max: opts.pgPoolSize ?? 10, statementTimeoutMs: opts.pgStatementTimeoutMs ?? 0 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    if (opts.pgStatementTimeoutMs) {
      migrationDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createResilientPool(pg, { ...poolOptions, max: 2, statementTimeoutMs: 0 }).pool }) });
    }
  } else {
    caps = CAPABILITIES.sqlite;
    const file = opts.sqlitePath ?? ':memory:';
    if (file !== ':memory:') {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // The database holds encrypted secrets, token hashes and every execution's input and output: owner only.
      // SQLite creates -wal and -shm with the main file's mode, so creating that one 0600 covers all three.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
    }
    const sqlite = new SqliteDatabase(file);
    // WAL lets readers proceed while the single writer commits; NORMAL sync is durable at checkpoints
    // and crash-safe (no corruption), the usual trade-off for an embedded server database.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Kysely's SqliteDialect serialises all queries over this one connection: SQLite has one writer anyway.
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  // Kysely looks for its bookkeeping tables across all schemas unless told which one is ours.
  // Unordered: branches add numbered migrations in parallel; a database that already ran a later number
  // must still accept an earlier one that arrives with a merge (each migration is independent).
  const migrator = new Migrator({ db: migrationDb ?? db, provider: migrationProvider(caps), allowUnorderedMigrations: true, ...(opts.pgSchema ? { migrationTableSchema: opts.pgSchema } : {}) });
  // Several nodes may start at once on one PostgreSQL: Kysely's own migration lock table is created
  // without a lock, so serialise whole start-up migrations with a session advisory lock held on a
  // dedicated connection (not one of the pool's, which the migrator needs).
  const lockClient = opts.databaseUrl && pg ? new pg.Client({ connectionString: opts.databaseUrl, connectionTimeoutMillis: opts.pgConnectTimeoutMs ?? 5_000 }) : undefined;
  if (lockClient) {
    // A connection lost while migrating fails the migration (and the start); it must not be an unhandled 'error' event.
    lockClient.on('error', () => undefined);
    await lockClient.connect();
    await lockClient.query("SELECT pg_advisory_lock(hashtext('outrigger:migrate'))");
    if (opts.pgSchema) await lockClient.query(`CREATE SCHEMA IF NOT EXISTS "${opts.pgSchema.replaceAll('"', '')}"`);
  }
  const { error, results } = await migrator.migrateToLatest().finally(async () => {
    if (lockClient) {
      await lockClient.query("SELECT pg_advisory_unlock(hashtext('outrigger:migrate'))").catch(() => undefined);
      await lockClient.end().catch(() => undefined);
    }
    await migrationDb?.destroy();
  });
  if (error) {
    health.close();
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
  registerCapabilities(db, caps);
  health.setProbe(() => sql`select 1`.execute(db));
  return {
    db, caps, health,
    ping: (timeoutMs) => pingDatabase(db, timeoutMs),
    async close() {
      health.close();
      await db.destroy();
    },
  };
}
