// Row shape of `storage_objects`, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface StorageObjectsTable {
  workspace_id: string;
  key: string;
  value: string;
  expires_at: number | null;
  updated_at: number;
}

declare module '../store/schema.js' {
  interface Database {
    storage_objects: StorageObjectsTable;
  }
}
