// Migration 007: webhooks and UDFs become kinds (`webhook`, `udf`) of the generic `point_bindings` store; their
// rows are copied there (spec = {name, executor, description}) and the tables of migration 004 are dropped.
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

// 7 columns a row: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 500;

export async function up(db: Kysely<any>, _caps: DialectCapabilities): Promise<void> {
  for (const [table, point] of [['webhooks', 'webhook'], ['udfs', 'udf']] as const) {
    // Copied in JS rather than INSERT … SELECT: the JSON text must be exactly what BindingStore writes, in both dialects.
    const rows = await db.selectFrom(table).selectAll().orderBy('workspace_id').orderBy('name').execute();
    for (let i = 0; i < rows.length; i += CHUNK) {
      await db.insertInto('point_bindings').values(rows.slice(i, i + CHUNK).map((r) => ({
        workspace_id: r.workspace_id, point, name: r.name, executor: r.executor,
        spec: JSON.stringify({ name: r.name, executor: r.executor, description: r.description }),
        created_at: r.created_at, updated_at: r.updated_at,
      }))).execute();
    }
    await db.schema.dropTable(table).execute();
  }
}
