// Migration 006: when a reply started waiting for its webhook, so replies orphaned by a crash can be failed later.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ticket_replies').addColumn('sending_since', 'bigint').execute();
  await db.schema.createIndex('ticket_replies_sending').on('ticket_replies').columns(['status', 'sending_since']).execute();
}
