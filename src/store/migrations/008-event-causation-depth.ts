// Migration 008: how many event hops caused an event, so that a hook chain that re-triggers itself stops at a limit.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // 0: published from outside (API, host model, cron); n + 1: written by an execution run for an event at depth n.
  await db.schema.alterTable('events').addColumn('causation_depth', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
