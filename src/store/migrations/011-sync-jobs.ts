// Migration 011: synchronous invocations handed from an api node to a worker (`sync_jobs`): one row per call, claimed
// with SKIP LOCKED, its result written back and announced by NOTIFY; rows are purged shortly after their deadline.
// Also `executions.node_id`: the node that ran each execution.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('sync_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    // The invoke request as JSON (no functions: the log stream and the parent call stay on the api node).
    .addColumn('payload', 'text', (c) => c.notNull())
    // Epoch ms after which the caller has given up (504): a worker neither starts nor finishes it after that.
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    // pending → running → done; or cancelled (the caller gave up).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('sync_jobs_pending').on('sync_jobs').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('sync_jobs_by_deadline').on('sync_jobs').column('deadline').execute();
  // Which node ran an execution (a worker for an api node's call; null for records written before this).
  await db.schema.alterTable('executions').addColumn('node_id', 'text').execute();
}
