// Queries on `fleet_nodes`: a node's heartbeat, the live workers, the workers whose heartbeat stopped.
import type { Db } from '../store/index.js';
import './nodes.table.js';

export interface NodeBeat {
  nodeId: string;
  role: string;
  version: string;
  startedAt: number;
  inFlight: number;
  /** Executors (`workspace/name`) with a warm worker on this node. */
  warm: string[];
}

/** Roles that claim work (the workers of the fleet). */
const WORKING_ROLES = ['all', 'worker'];

/** Records a node's heartbeat (its row is created on the first). */
export async function beat(db: Db, node: NodeBeat, now: number): Promise<void> {
  const warm = node.warm.length ? JSON.stringify(node.warm) : null;
  await db.insertInto('fleet_nodes')
    .values({ node_id: node.nodeId, role: node.role, version: node.version, started_at: node.startedAt, last_beat_at: now, in_flight: node.inFlight, warm })
    .onConflict((oc) => oc.column('node_id').doUpdateSet({ last_beat_at: now, in_flight: node.inFlight, role: node.role, version: node.version, warm }))
    .execute();
}

/** Workers (roles all and worker, or those of `roles`) whose last beat is at or after `since`. */
export async function liveWorkerCount(db: Db, since: number, roles: string[] = WORKING_ROLES): Promise<number> {
  const r = await db.selectFrom('fleet_nodes').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', 'in', roles).where('last_beat_at', '>=', since).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Workers whose heartbeat stopped before `before` (crashed, killed, cut off): their claimed work is to be reclaimed. */
export async function silentWorkers(db: Db, before: number): Promise<string[]> {
  const rows = await db.selectFrom('fleet_nodes').select('node_id').where('role', 'in', WORKING_ROLES).where('last_beat_at', '<', before).execute();
  return rows.map((r) => r.node_id);
}

/** A node that stops cleanly leaves the table (its leases were handed back already). */
export async function removeNode(db: Db, nodeId: string): Promise<void> {
  await db.deleteFrom('fleet_nodes').where('node_id', '=', nodeId).execute();
}

/** Forgets nodes silent since before `before` whose work is reclaimed (keeps the table to the recent fleet). */
export async function forgetSilentNodes(db: Db, before: number): Promise<number> {
  const res = await db.deleteFrom('fleet_nodes').where('last_beat_at', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
