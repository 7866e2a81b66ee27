// Row shape of `fleet_nodes` (migration 010), registered into the store's Database. Times are epoch ms.
export interface FleetNodesTable {
  node_id: string;
  role: string;
  version: string;
  started_at: number;
  last_beat_at: number;
  in_flight: number;
  /** JSON array of the executors (`workspace/name`) this node has a warm worker for (migration 013). */
  warm: string | null;
}

declare module '../store/schema.js' {
  interface Database {
    fleet_nodes: FleetNodesTable;
  }
}
