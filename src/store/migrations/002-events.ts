// Migration 002: the event outbox; an event row is written in the same transaction as the change that caused it.
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

export async function up(db: Kysely<any>, caps: DialectCapabilities): Promise<void> {
  await db.schema.createTable('events')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_workspace_seq').on('events').columns(['workspace_id', 'seq']).execute();
  await db.schema.createIndex('events_workspace_type').on('events').columns(['workspace_id', 'type', 'seq']).execute();
}
