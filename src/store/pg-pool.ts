// The PostgreSQL connection pool as Kysely sees it: no driver error can go uncaught (a server restart closes
// idle and busy connections alike), connection failures become DatabaseUnavailableError, and every query
// result tells the store's DbHealth whether the database is there.
import type pgTypes from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { asDatabaseError, DatabaseUnavailableError } from './db-errors.js';
import type { DbHealth } from './db-health.js';

export interface PgPoolOptions {
  connectionString: string;
  max: number;
  /** search_path for every connection (tests give each suite its own schema). */
  schema?: string;
  /** How long connecting, or waiting for a free pooled connection, may take before the query fails. */
  connectTimeoutMs: number;
  /** Server-side limit per statement; 0 leaves PostgreSQL's own setting. */
  statementTimeoutMs: number;
  health: DbHealth;
}

/** A pool for Kysely plus the raw `pg` pool (for closing). */
export interface ResilientPool {
  pool: PostgresPool;
  raw: pgTypes.Pool;
}

function isStatementTimeout(err: unknown): boolean {
  const e = (err instanceof DatabaseUnavailableError ? err.cause : err) as { code?: string } | undefined;
  return e?.code === '57014';
}

/** Creates the pool with error listeners on the pool and on every client it opens. */
export function createResilientPool(pg: typeof pgTypes, opts: PgPoolOptions): ResilientPool {
  const { health } = opts;
  const options = [opts.schema ? `-c search_path=${opts.schema}` : '', opts.statementTimeoutMs > 0 ? `-c statement_timeout=${opts.statementTimeoutMs}` : '']
    .filter(Boolean).join(' ');
  const raw = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    // Notices a silently dead peer (failover, network cut) on idle connections instead of waiting forever.
    keepAlive: true,
    application_name: 'outrigger',
    ...(options ? { options } : {}),
  });

  /** Classifies a failure; an unreachable database (not a slow statement) marks the health down. */
  const failed = (err: unknown): unknown => {
    const converted = asDatabaseError(err);
    if (converted instanceof DatabaseUnavailableError) {
      if (!isStatementTimeout(converted)) health.markDown(converted);
    } else if (!health.up) {
      // The server answered (with an SQL error): it is reachable again.
      health.markUp();
    }
    return converted;
  };
  // Without these listeners, a connection the server closes is an 'error' event nobody handles: the process
  // exits. Idle clients report through the pool; checked-out clients only through themselves.
  raw.on('error', (err) => void failed(err));
  raw.on('connect', (client) => {
    client.on('error', (err) => void failed(err));
  });

  const pool: PostgresPool = {
    async connect(): Promise<PostgresPoolClient> {
      let client: pgTypes.PoolClient;
      try {
        client = await raw.connect();
      } catch (err) {
        throw failed(err);
      }
      return {
        query: ((text: unknown, params?: ReadonlyArray<unknown>) => {
          // Cursors (streaming) pass straight through; Kysely only streams when a cursor class is configured.
          if (typeof text !== 'string') return client.query(text as never);
          return client.query(text, params as unknown[]).then(
            (res) => {
              if (!health.up) health.markUp();
              return res;
            },
            (err: unknown) => {
              throw failed(err);
            },
          );
        }) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => raw.end(),
  };
  return { pool, raw };
}
