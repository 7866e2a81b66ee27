// The transaction helper: one unit of work per transaction, re-run a bounded number of times on transient conflicts,
// plus row and key locks that become no-ops where the engine serialises transactions anyway (SQLite).
import { sql, type SelectQueryBuilder } from 'kysely';
import type { DialectCapabilities, StoreErrorKind } from './dialect.js';
import type { Db, Tx } from './schema.js';

// Keyed by the Kysely adapter: a Kysely instance and every transaction opened from it share that one object.
const registry = new WeakMap<object, DialectCapabilities>();

/** Remembers which engine a Kysely instance talks to (openStore calls this once). */
export function registerCapabilities(db: Db, caps: DialectCapabilities): void {
  registry.set(db.getExecutor().adapter, caps);
}

/** The capabilities of the engine behind a database handle or transaction. */
export function capabilitiesOf(db: Db | Tx): DialectCapabilities {
  const caps = registry.get(db.getExecutor().adapter);
  if (!caps) throw new Error('this Kysely instance was not opened through openStore (no dialect capabilities registered)');
  return caps;
}

/** Thrown inside a unit of work when what it read changed under it (e.g. a row vanished between two statements): run it again. */
export class RetryTransaction extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

/** Classifies a driver error by the engine's own codes (unique, foreign key, retryable). */
export function storeErrorKind(db: Db | Tx, err: unknown): StoreErrorKind | undefined {
  return capabilitiesOf(db).classifyError(err);
}

export interface TransactOptions {
  /** Total attempts, the first included (default 5). */
  attempts?: number;
  /** Which store errors re-run the work (default: transient ones and unique violations). */
  retryOn?: StoreErrorKind[];
}

/**
 * Runs `work` in a transaction. A unique violation means another transaction won a race for the same key: running
 * the work again lets it see the winner's row and decide (update it, or answer a real 409). Bounded: after the
 * last attempt the error goes to the caller.
 */
export async function transact<T>(db: Db, work: (trx: Tx) => Promise<T>, opts: TransactOptions = {}): Promise<T> {
  // Inside a transaction already (a unit that spans services, such as an import): join it; the outer one retries.
  if (db.isTransaction) return work(db as unknown as Tx);
  const attempts = opts.attempts ?? 5;
  const retryOn = opts.retryOn ?? ['retryable', 'unique'];
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      const kind = err instanceof RetryTransaction ? 'retryable' : storeErrorKind(db, err);
      if (!kind || !retryOn.includes(kind) || attempt >= attempts) throw err;
      // A short, jittered pause so that transactions which collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
    }
  }
}

/**
 * How a transaction holds a row it read: `update` before deleting it, `noKeyUpdate` before changing non-key columns,
 * `keyShare` to keep it from being deleted while rows that refer to it are written (does not block `noKeyUpdate`).
 */
export type RowLock = 'update' | 'noKeyUpdate' | 'keyShare';

/** Adds the row lock to a SELECT where the engine has row locks. */
export function withRowLock<QB extends SelectQueryBuilder<any, any, any>>(db: Db | Tx, qb: QB, mode: RowLock): QB {
  if (!capabilitiesOf(db).rowLocks) return qb;
  if (mode === 'update') return qb.forUpdate() as QB;
  if (mode === 'noKeyUpdate') return qb.forNoKeyUpdate() as QB;
  return qb.forKeyShare() as QB;
}

/**
 * Serialises transactions on an arbitrary key (e.g. "agent intent X in workspace Y") until commit or rollback,
 * for invariants no single row can be locked for (nothing exists yet to lock).
 */
export async function lockKey(trx: Tx, key: string): Promise<void> {
  if (!capabilitiesOf(trx).advisoryLocks) return;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}
