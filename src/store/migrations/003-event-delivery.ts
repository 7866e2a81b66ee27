// Migration 003: event hooks, their deliveries (the work queue) with attempts, and cron slots fired once.
import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';
import { DELIVERIES_CHANNEL } from '../notify-channels.js';

export async function up(db: Kysely<any>, caps: DialectCapabilities): Promise<void> {
  await db.schema.createTable('event_hooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('filter', 'text')
    .addColumn('executor', 'text', (c) => c.notNull())
    .addColumn('retry', 'text')
    .addColumn('concurrency', 'integer')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('event_hooks_workspace_name', ['workspace_id', 'name'])
    .execute();
  await db.schema.createIndex('event_hooks_executor').on('event_hooks').columns(['workspace_id', 'executor']).execute();

  // One row per (event, hook): the unit of at-least-once delivery. Its id is the idempotency key handed to
  // the executor and never changes across retries or replays.
  await db.schema.createTable('deliveries')
    .addColumn('seq', caps.serialType, (c) => (caps.autoIncrementKeyword ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('hook_id', 'text', (c) => c.notNull())
    .addColumn('hook_name', 'text', (c) => c.notNull())
    // pending (due at next_attempt_at) | running (leased) | succeeded | dead | cancelled (hook deleted)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // attempts already used when the current retry budget started (a replay starts a new budget)
    .addColumn('budget_start', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('deliveries_event_hook', ['event_id', 'hook_id'])
    .execute();
  await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('deliveries_hook_status').on('deliveries').columns(['hook_id', 'status']).execute();
  await db.schema.createIndex('deliveries_workspace_status').on('deliveries').columns(['workspace_id', 'status', 'seq']).execute();

  await db.schema.createTable('delivery_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('execution_id', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .addColumn('worker', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_attempts_delivery').on('delivery_attempts').columns(['delivery_id', 'attempt']).execute();

  // The unique key makes a cron slot fire once even when several nodes tick at the same moment.
  await db.schema.createTable('cron_slots')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('cron_type', 'text', (c) => c.notNull())
    .addColumn('slot_at', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cron_slots_pk', ['workspace_id', 'cron_type', 'slot_at'])
    .execute();

  if (caps.listenNotify) {
    // Wakes idle dispatchers of every node once per inserting statement (not per row), at commit.
    await sql`CREATE FUNCTION outrigger_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify(${sql.lit(DELIVERIES_CHANNEL)}, ''); RETURN NULL; END $$`.execute(db);
    await sql`CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION outrigger_deliveries_notify()`.execute(db);
  }
}
