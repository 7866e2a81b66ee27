// Ordered list of schema migrations; Kysely's Migrator applies each in its own transaction under a lock.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';
import * as m001 from './001-foundation.js';
import * as m002 from './002-events.js';
import * as m003 from './003-event-delivery.js';
// host model, webhooks, UDFs
import * as m004 from './004-host-model.js';
// customer recognition, agents, AI tools
import * as m005 from './005-points.js';
import * as m006 from './006-reply-sending-since.js';
// webhooks and UDFs into point_bindings
import * as m007 from './007-bindings-into-point-bindings.js';
// causation depth of events (nested work is bounded)
import * as m008 from './008-event-causation-depth.js';
// store facts: the master key's check value
import * as m009 from './009-store-meta.js';
// fleet: node heartbeats
import * as m010 from './010-fleet-nodes.js';
// fleet: synchronous invocations run by workers for api nodes
import * as m011 from './011-sync-jobs.js';
// fair claims: pending deliveries by workspace, oldest due first
import * as m012 from './012-deliveries-by-workspace-due.js';
// fleet: warm-worker affinity of synchronous jobs
import * as m013 from './013-warm-affinity.js';

type DialectMigration = { up(db: Kysely<any>, caps: DialectCapabilities): Promise<void> };

const MIGRATIONS: Record<string, DialectMigration> = {
  '001-foundation': m001,
  '002-events': m002,
  '003-event-delivery': m003,
  '004-host-model': m004,
  '005-points': m005,
  '006-reply-sending-since': m006,
  '007-bindings-into-point-bindings': m007,
  '008-event-causation-depth': m008,
  '009-store-meta': m009,
  '010-fleet-nodes': m010,
  '011-sync-jobs': m011,
  '012-deliveries-by-workspace-due': m012,
  '013-warm-affinity': m013,
};

/** Provides the migrations with the dialect's capabilities bound in. */
export function migrationProvider(caps: DialectCapabilities): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => m.up(db, caps) };
      return out;
    },
  };
}
