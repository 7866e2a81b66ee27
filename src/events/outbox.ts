// The transactional outbox: appendEvent writes an event inside the caller's transaction, so the event
// exists exactly when the change that caused it was committed. In the same transaction it fans the event
// out into one `deliveries` row per matching hook, so the work queue is durable at the same instant:
// no separate relay step can lose or delay it, on either store (see dispatcher.ts for the design).
import { EventEmitter } from 'node:events';
import type { Db, Tx } from '../store/index.js';
import type { DeliveriesTable } from './deliveries.table.js';
import { newId } from '../ids.js';
import { typeMatches } from './event-types.js';
import { filterMatches, LogicSession } from './filter.js';
import { currentEventDepth } from '../executors/nesting.js';

export interface NewEvent {
  type: string;
  subject?: string | null;
  data: unknown;
  source?: string;
  occurredAt?: number;
  /** Event hops that caused it; by default one more than the running execution writing it (nesting.ts), else 0. */
  causationDepth?: number;
}

/**
 * Process-local signal raised after deliveries were written (possibly before the caller commits): it wakes
 * this process's dispatcher at once. On SQLite the dispatcher's claim then waits for the single connection,
 * i.e. for the commit; on PostgreSQL other nodes are woken by a NOTIFY trigger at commit (migration 003).
 */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);

interface HookForFanout {
  id: string;
  name: string;
  types: string[];
  filter: unknown;
}

function deliveryRows(workspaceId: string, eventId: string, e: NewEvent, hooks: HookForFanout[], now: number, filters: LogicSession): Omit<DeliveriesTable, 'seq'>[] {
  const rows: Omit<DeliveriesTable, 'seq'>[] = [];
  for (const h of hooks) {
    if (!typeMatches(h.types, e.type)) continue;
    let status = 'pending';
    let lastError: string | null = null;
    if (h.filter !== null) {
      try {
        if (!filterMatches(h.filter, { type: e.type, subject: e.subject ?? null, data: e.data ?? null }, filters)) continue;
      } catch (err) {
        // A filter that fails on this event is the hook's failure: visible in the trace and the dead letters.
        status = 'dead';
        lastError = JSON.stringify({ code: 'FILTER_FAILED', message: `the hook's filter failed on this event: ${(err as Error).message}` });
      }
    }
    rows.push({
      id: newId('dlv'), workspace_id: workspaceId, event_id: eventId, hook_id: h.id, hook_name: h.name, status, attempts: 0, budget_start: 0,
      next_attempt_at: now, locked_by: null, locked_until: null, last_error: lastError, enqueued_at: now, updated_at: now,
    });
  }
  return rows;
}

const CHUNK = 200;

async function appendIn(trx: Db | Tx, workspaceId: string, events: NewEvent[]): Promise<string[]> {
  const now = Date.now();
  const hooks: HookForFanout[] = (await trx.selectFrom('event_hooks').select(['id', 'name', 'event_types', 'filter'])
    .where('workspace_id', '=', workspaceId).where('enabled', '=', 1).execute())
    .map((h) => ({ id: h.id, name: h.name, types: JSON.parse(h.event_types) as string[], filter: h.filter ? (JSON.parse(h.filter) as unknown) : null }));
  const ids: string[] = [];
  // One operation budget for every filter of this batch, so a batch cannot multiply a costly filter.
  const filters = new LogicSession();
  const eventRows = [];
  const deliveries: Omit<DeliveriesTable, 'seq'>[] = [];
  // Host events written while an execution's ctx.api request runs (a ticket it creates, …) are caused by it too.
  const ambientDepth = currentEventDepth();
  for (const e of events) {
    const id = newId('evt');
    ids.push(id);
    eventRows.push({
      id, workspace_id: workspaceId, type: e.type, subject: e.subject ?? null, data: JSON.stringify(e.data ?? null),
      source: e.source ?? null, occurred_at: e.occurredAt ?? now, causation_depth: e.causationDepth ?? ambientDepth,
    });
    if (hooks.length) deliveries.push(...deliveryRows(workspaceId, id, e, hooks, now, filters));
  }
  // Multi-row inserts, chunked below SQLite's bound-parameter limit.
  for (let i = 0; i < eventRows.length; i += CHUNK) await trx.insertInto('events').values(eventRows.slice(i, i + CHUNK)).execute();
  for (let i = 0; i < deliveries.length; i += CHUNK) await trx.insertInto('deliveries').values(deliveries.slice(i, i + CHUNK)).execute();
  if (deliveries.length) queueMicrotask(() => outboxSignal.emit('deliveries'));
  return ids;
}

/** Writes an event in the given transaction (or, given a connection, in a transaction of its own); returns its id. */
export async function appendEvent(q: Db | Tx, workspaceId: string, e: NewEvent): Promise<string> {
  const [id] = await appendEvents(q, workspaceId, [e]);
  return id!;
}

/** Writes several events of one workspace with their deliveries in one transaction; returns their ids in order. */
export async function appendEvents(q: Db | Tx, workspaceId: string, events: NewEvent[]): Promise<string[]> {
  if (q.isTransaction) return appendIn(q, workspaceId, events);
  return (q as Db).transaction().execute((trx) => appendIn(trx, workspaceId, events));
}

/**
 * Retention: removes events older than the cut-off together with their finished deliveries and attempts,
 * and old cron slot markers. Events with a delivery still pending or running are kept.
 */
export async function purgeEventsBefore(db: Db, cutoff: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const old = trx.selectFrom('deliveries').select('id').where('updated_at', '<', cutoff).where('status', 'not in', ['pending', 'running']);
    await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', old).execute();
    await trx.deleteFrom('deliveries').where('updated_at', '<', cutoff).where('status', 'not in', ['pending', 'running']).execute();
    const res = await trx.deleteFrom('events').where('occurred_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.event_id', '=', 'events.id'))))
      .executeTakeFirst();
    await trx.deleteFrom('cron_slots').where('slot_at', '<', cutoff).execute();
    return Number(res.numDeletedRows);
  });
}
