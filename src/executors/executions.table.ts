// Row shape of `executions` (the executions log), as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
import type { Generated } from 'kysely';

export interface ExecutionsTable {
  id: string;
  workspace_id: string;
  executor_name: string;
  executor_version: number | null;
  executor_type: string;
  trigger: string;
  trigger_ref: string | null;
  parent_id: string | null;
  root_id: string;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  logs: string | null;
  duration_ms: number;
  queue_ms: number;
  cold_start: number;
  attempt: number;
  started_at: number;
  finished_at: number;
  /** The node that ran it (migration 011; null in older records). */
  node_id: string | null;
  seq: Generated<number>;
}

declare module '../store/schema.js' {
  interface Database {
    executions: ExecutionsTable;
  }
}
