// Migration 013: warm-worker affinity without a coordinator. Each node announces in its heartbeat the executors it has
// a warm worker for (`fleet_nodes.warm`, a JSON array of `workspace/name`), and each synchronous job names its executor
// (`sync_jobs.affinity`), so a worker leaves a job to the node that has it warm and takes it after a short delay.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('fleet_nodes').addColumn('warm', 'text').execute();
  await db.schema.alterTable('sync_jobs').addColumn('affinity', 'text').execute();
}
