// Row shapes of `executors` and `executor_versions`, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface ExecutorsTable {
  id: string;
  workspace_id: string;
  name: string;
  type: string;
  active_version: number;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

export interface ExecutorVersionsTable {
  executor_id: string;
  version: number;
  definition: string;
  content_hash: string;
  created_by: string;
  message: string | null;
  created_at: number;
}

declare module '../store/schema.js' {
  interface Database {
    executors: ExecutorsTable;
    executor_versions: ExecutorVersionsTable;
  }
}
