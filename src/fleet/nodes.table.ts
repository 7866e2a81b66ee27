// Row shape of `fleet_nodes` (migration 010), registered into the store's Database. Times are epoch ms.
export interface FleetNodesTable {
  node_id: string;
  role: string;
  version: string;
  started_at: number;
  last_beat_at: number;
  in_flight: number;
}

declare module '../store/schema.js' {
  interface Database {
    fleet_nodes: FleetNodesTable;
  }
}
