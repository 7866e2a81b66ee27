// Row shape of `event_hooks`, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface EventHooksTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  /** JSON array of event types (exact, or a `prefix.*` wildcard). */
  event_types: string;
  /** JSON Logic text or null. */
  filter: string | null;
  executor: string;
  /** JSON text of the retry policy, null for the default. */
  retry: string | null;
  concurrency: number | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

declare module '../store/schema.js' {
  interface Database {
    event_hooks: EventHooksTable;
  }
}
