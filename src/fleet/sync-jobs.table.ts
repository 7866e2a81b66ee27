// Row shape of `sync_jobs` (migration 011), registered into the store's Database. Times are epoch ms.
export interface SyncJobsTable {
  id: string;
  workspace_id: string;
  payload: string;
  deadline: number;
  state: 'pending' | 'running' | 'done' | 'cancelled';
  result: string | null;
  claimed_by: string | null;
  created_at: number;
  claimed_at: number | null;
  finished_at: number | null;
  /** The executor (`workspace/name`) whose warm worker should take this job (migration 013). */
  affinity: string | null;
}

declare module '../store/schema.js' {
  interface Database {
    sync_jobs: SyncJobsTable;
  }
}
