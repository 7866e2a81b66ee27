// Migration 010: the fleet's node heartbeats (one row per running node), so that an api node knows whether any
// worker is alive and a dead worker's claimed deliveries are reclaimed without waiting for their leases.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('fleet_nodes')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_beat_at', 'bigint', (c) => c.notNull())
    .addColumn('in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('fleet_nodes_by_beat').on('fleet_nodes').columns(['role', 'last_beat_at']).execute();
}
