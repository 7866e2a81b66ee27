// Row shape of `recognition_cache`, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface RecognitionCacheTable {
  workspace_id: string;
  cache_key: string;
  result: string;
  expires_at: number;
}

declare module '../../store/schema.js' {
  interface Database {
    recognition_cache: RecognitionCacheTable;
  }
}
