// Opens the store (SQLite by default, PostgreSQL by DATABASE_URL) and applies migrations.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import { CAPABILITIES, type DialectCapabilities } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type { Database } from './schema.js';

export interface Store {
  db: Db;
  caps: DialectCapabilities;
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
}

// int8 columns (epoch milliseconds, counters) fit in a JS number; parse them as numbers, not strings.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens the database and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let db: Db;
  let caps: DialectCapabilities;
  if (opts.databaseUrl) {
    caps = CAPABILITIES.postgres;
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.pgPoolSize ?? 10,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    if (opts.pgSchema) {
      const client = await pool.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${opts.pgSchema.replaceAll('"', '')}"`);
      } finally {
        client.release();
      }
    }
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    caps = CAPABILITIES.sqlite;
    const file = opts.sqlitePath ?? ':memory:';
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    // WAL lets readers proceed while the single writer commits; NORMAL sync is durable at checkpoints
    // and crash-safe (no corruption), the usual trade-off for an embedded server database.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Kysely's SqliteDialect serialises all queries over this one connection: SQLite has one writer anyway.
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  // Kysely looks for its migration tables in every schema unless told which one: with a schema per test
  // (or per tenant) another schema's tables would be taken for ours.
  const migrator = new Migrator({ db, provider: migrationProvider(caps), ...(opts.pgSchema ? { migrationTableSchema: opts.pgSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
  return { db, caps, close: () => db.destroy() };
}
