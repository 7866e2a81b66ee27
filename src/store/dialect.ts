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
}

export const CAPABILITIES: Record<DialectName, DialectCapabilities> = {
  sqlite: { name: 'sqlite', skipLocked: false, listenNotify: false, multiProcess: false, serialType: 'integer' },
  postgres: { name: 'postgres', skipLocked: true, listenNotify: true, multiProcess: true, serialType: 'bigserial' },
};
