// Migration 005: bindings of customer recognition, rule-based agents, AI tools and smart agents, and the recognition cache.
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

export async function up(db: Kysely<any>, _caps: DialectCapabilities): Promise<void> {
  // One table for the four binding kinds of this branch: they share CRUD semantics (SPEC 3) and differ only in
  // their JSON spec; `executor` is a column so that deleting a referenced executor can be refused with one query.
  await db.schema.createTable('point_bindings')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('point', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('executor', 'text')
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('point_bindings_pk', ['workspace_id', 'point', 'name'])
    .execute();
  await db.schema.createIndex('point_bindings_executor').on('point_bindings').columns(['workspace_id', 'executor']).execute();

  // Shared by all nodes, so that a source change invalidates every node's cache at once.
  await db.schema.createTable('recognition_cache')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('cache_key', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('recognition_cache_pk', ['workspace_id', 'cache_key'])
    .execute();
  await db.schema.createIndex('recognition_cache_expires').on('recognition_cache').column('expires_at').execute();
}
