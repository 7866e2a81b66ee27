// Migration 004: the built-in host model (tickets, replies, conversations, profiles, ticket settings) and the
// webhook and UDF bindings.
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

export async function up(db: Kysely<any>, caps: DialectCapabilities): Promise<void> {
  // `seq` orders lists and is the paging cursor; `id` is what the API shows.
  await db.schema.createTable('tickets')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('intent', 'text')
    .addColumn('customer_number', 'text')
    .addColumn('contract_number', 'text')
    .addColumn('queue', 'text')
    .addColumn('assignee', 'text')
    .addColumn('from_address', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .execute();
  await db.schema.createIndex('tickets_workspace_seq').on('tickets').columns(['workspace_id', 'seq']).execute();
  // The inactivity sweep looks for pending tickets by last change.
  await db.schema.createIndex('tickets_workspace_status_updated').on('tickets').columns(['workspace_id', 'status', 'updated_at']).execute();

  await db.schema.createTable('ticket_replies')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('ticket_id', 'text', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text')
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('webhook', 'text')
    .addColumn('execution_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('ticket_replies_ticket').on('ticket_replies').columns(['ticket_id', 'seq']).execute();

  await db.schema.createTable('conversations')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('ticket_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('customer_number', 'text')
    .addColumn('subject', 'text')
    .addColumn('messages', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('conversations_workspace_seq').on('conversations').columns(['workspace_id', 'seq']).execute();

  await db.schema.createTable('profiles')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_number', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('address', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('profiles_workspace_customer', ['workspace_id', 'customer_number'])
    .execute();

  await db.schema.createTable('host_settings')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('host_settings_pk', ['workspace_id', 'key'])
    .execute();

  for (const table of ['webhooks', 'udfs']) {
    await db.schema.createTable(table)
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('executor', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['workspace_id', 'name'])
      .execute();
    await db.schema.createIndex(`${table}_executor`).on(table).columns(['workspace_id', 'executor']).execute();
  }
}
