// What each database engine can do, as one capability table instead of dialect checks spread around.

export type DialectName = 'sqlite' | 'postgres';

export interface DialectCapabilities {
  name: DialectName;
  /** `FOR UPDATE SKIP LOCKED` for claiming queue rows without blocking other workers. */
  skipLocked: boolean;
  /** LISTEN/NOTIFY to wake idle workers instead of polling. */
  listenNotify: boolean;
  /** Several processes may share the database (SQLite: one process, one writer connection). */
  multiProcess: boolean;
  /** Type used for auto-incrementing sequence columns in migrations. */
  serialType: 'integer' | 'bigserial';
  /**
   * A sequence primary key needs AUTOINCREMENT (SQLite: without it the largest rowid is reused after a delete, and a
   * `seq` cursor could meet a new row behind it); PostgreSQL's bigserial never reuses values.
   */
  autoIncrementKeyword: boolean;
  /**
   * `SELECT … FOR UPDATE / FOR KEY SHARE` row locks. SQLite has none and needs none: all its queries go over one
   * connection and a transaction holds it from BEGIN to COMMIT, so transactions never interleave.
   */
  rowLocks: boolean;
  /** Transaction-scoped advisory locks on an arbitrary key (`pg_advisory_xact_lock`). */
  advisoryLocks: boolean;
  /** What a driver error means for the caller: a constraint that was hit, or a transient failure worth retrying. */
  classifyError(err: unknown): StoreErrorKind | undefined;
}

/** Driver errors the services act on, whatever the engine calls them. */
export type StoreErrorKind = 'unique' | 'foreignKey' | 'retryable';

function pgClassify(err: unknown): StoreErrorKind | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '23505') return 'unique';
  if (code === '23503') return 'foreignKey';
  // serialization_failure, deadlock_detected, lock_not_available: the transaction can simply run again.
  if (code === '40001' || code === '40P01' || code === '55P03') return 'retryable';
  return undefined;
}

function sqliteClassify(err: unknown): StoreErrorKind | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreignKey';
  // Another process holding the file (a CLI next to the server) past busy_timeout.
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'retryable';
  return undefined;
}

export const CAPABILITIES: Record<DialectName, DialectCapabilities> = {
  sqlite: { name: 'sqlite', skipLocked: false, listenNotify: false, multiProcess: false, serialType: 'integer', autoIncrementKeyword: true, rowLocks: false, advisoryLocks: false, classifyError: sqliteClassify },
  postgres: { name: 'postgres', skipLocked: true, listenNotify: true, multiProcess: true, serialType: 'bigserial', autoIncrementKeyword: false, rowLocks: true, advisoryLocks: true, classifyError: pgClassify },
};

/** Classifies a driver error of either engine (their codes do not overlap), for code that has no store handle. */
export function classifyStoreError(err: unknown): StoreErrorKind | undefined {
  return CAPABILITIES.postgres.classifyError(err) ?? CAPABILITIES.sqlite.classifyError(err);
}
