// Row shape of `secrets` (encrypted values), as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface SecretsTable {
  workspace_id: string;
  name: string;
  /** base64 of iv(12) | tag(16) | ciphertext, AES-256-GCM with the workspace id as additional data. */
  ciphertext: string;
  created_at: number;
  updated_at: number;
}

declare module '../store/schema.js' {
  interface Database {
    secrets: SecretsTable;
  }
}
