// Row shape of `point_bindings` (every binding kind; webhooks and udfs moved here by migration 007), as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface PointBindingsTable {
  workspace_id: string;
  /** `webhook` | `udf` | `recognitionSource` | `agent` | `aiTool` | `aiAgent`. */
  point: string;
  name: string;
  executor: string | null;
  /** The binding as its API object (JSON text). */
  spec: string;
  created_at: number;
  updated_at: number;
}

declare module '../../store/schema.js' {
  interface Database {
    point_bindings: PointBindingsTable;
  }
}
