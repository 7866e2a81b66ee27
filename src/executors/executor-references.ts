// Rows that name an executor (bindings, event hooks) are written while holding the executor row, so a concurrent delete waits or wins.
import type { Db, Tx } from '../store/index.js';
import { invalid, type FieldError } from '../errors.js';
import { findExecutor, lockExecutor } from './executors.repository.js';

const problem = (executor: string, field: string): FieldError => ({ field, message: `executor ${executor} does not exist` });
const missing = (executor: string, field: string) => invalid(problem(executor, field), `executor ${executor} does not exist`);

/**
 * The field error of a reference to an executor that does not exist, or undefined: an early check outside any
 * transaction, for a write that reports every problem of its body at once (holdExecutor still decides at commit).
 */
export async function missingExecutor(db: Db | Tx, workspaceId: string, executor: string, field = '/executor'): Promise<FieldError | undefined> {
  return (await findExecutor(db, workspaceId, executor)) ? undefined : problem(executor, field);
}

/**
 * Inside the transaction that writes a reference: locks the executor row against deletion until commit
 * (`FOR KEY SHARE` on PostgreSQL: executor PUTs are not blocked, a delete is) and refuses a missing one (400).
 * The delete locks the same row `FOR UPDATE` and then looks for references, so the two can never both succeed.
 */
export async function holdExecutor(trx: Tx, workspaceId: string, executor: string, field = '/executor'): Promise<void> {
  if (!(await lockExecutor(trx, workspaceId, executor, 'keyShare'))) throw missing(executor, field);
}
