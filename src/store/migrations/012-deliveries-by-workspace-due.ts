// Migration 012: an index that lets the fair claim visit workspaces with pending deliveries one by one (a loose
// index scan over `workspace_id`) and read each one's oldest due rows in order, instead of ranking every due row.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('deliveries_pending_by_workspace').on('deliveries')
    .columns(['status', 'workspace_id', 'next_attempt_at', 'seq']).execute();
}
