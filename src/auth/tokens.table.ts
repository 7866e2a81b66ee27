// Row shape of `api_tokens` (hashed bearer tokens), as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  token_hash: string;
  prefix: string;
  /** Set for the short-lived tokens handed to a running execution. */
  expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
}

declare module '../store/schema.js' {
  interface Database {
    api_tokens: ApiTokensTable;
  }
}
