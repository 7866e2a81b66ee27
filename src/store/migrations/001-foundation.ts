// Migration 001: workspaces, tokens, executors with versions, secrets, storage objects, executions.
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

export async function up(db: Kysely<any>, caps: DialectCapabilities): Promise<void> {
  await db.schema.createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_tokens_workspace').on('api_tokens').column('workspace_id').execute();

  await db.schema.createTable('executors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('active_version', 'integer', (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('executors_workspace_name', ['workspace_id', 'name'])
    .execute();

  await db.schema.createTable('executor_versions')
    .addColumn('executor_id', 'text', (c) => c.notNull().references('executors.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('executor_versions_pk', ['executor_id', 'version'])
    .execute();

  await db.schema.createTable('secrets')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('secrets_pk', ['workspace_id', 'name'])
    .execute();

  await db.schema.createTable('storage_objects')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('storage_objects_pk', ['workspace_id', 'key'])
    .execute();

  // `seq` orders executions for cursor pagination independently of clock skew between nodes.
  await db.schema.createTable('executions')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('executor_name', 'text', (c) => c.notNull())
    .addColumn('executor_version', 'integer')
    .addColumn('executor_type', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('trigger_ref', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('root_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('input', 'text')
    .addColumn('output', 'text')
    .addColumn('error', 'text')
    .addColumn('logs', 'text')
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('queue_ms', 'double precision', (c) => c.notNull())
    .addColumn('cold_start', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('executions_workspace_seq').on('executions').columns(['workspace_id', 'seq']).execute();
  await db.schema.createIndex('executions_workspace_executor').on('executions').columns(['workspace_id', 'executor_name', 'seq']).execute();
  await db.schema.createIndex('executions_parent').on('executions').column('parent_id').execute();
  await db.schema.createIndex('executions_finished').on('executions').column('finished_at').execute();
}
