// Row shape of `workspaces` (the tenants), as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
export interface WorkspacesTable {
  id: string;
  name: string;
  time_zone: string;
  created_at: number;
}

declare module '../store/schema.js' {
  interface Database {
    workspaces: WorkspacesTable;
  }
}
