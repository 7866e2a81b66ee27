// Publishing events (API, ctx.emit) and the event trace: events, their deliveries and attempts, dead letters, replay.
import { sql } from 'kysely';
import type { Db, Tx } from '../store/index.js';
import type { DialectCapabilities } from '../store/dialect.js';
import type { Metrics } from '../observability/metrics.js';
import { invalid, ProblemError, type FieldError } from '../errors.js';
import { newId } from '../ids.js';
import { appendEvents, outboxSignal, type NewEvent } from './outbox.js';
import { publishableProblem } from './event-types.js';
import { isoOrNull } from '../util/time.js';
import { queueStats as deliveryQueueStats } from './deliveries.repository.js';

export interface EventView {
  id: string;
  type: string;
  occurredAt: string;
  subject: string | null;
  data: unknown;
  source: string | null;
}

/** Most dead letters one bulk replay makes again (a bounded transaction; the caller repeats while `more`). */
export const BULK_REPLAY_MAX = 1000;

const parse = (t: string | null) => (t === null ? null : (JSON.parse(t) as unknown));

function kindOf(type: string): 'custom' | 'platform' {
  return type.startsWith('custom.') ? 'custom' : 'platform';
}

export class EventsService {
  constructor(private readonly db: Db, private readonly caps: DialectCapabilities, private readonly metrics: Metrics) {}

  /** Deliveries per status and the enqueue time of the oldest due pending one (fleet gauges on /metrics). */
  queueStats(now: number): Promise<{ byStatus: Record<string, number>; oldestPendingEnqueuedAt: number | null }> {
    return deliveryQueueStats(this.db, now);
  }

  /** Publishes events of one workspace in one transaction; an unpublishable type is a 400 naming its field. */
  async publish(workspaceId: string, events: NewEvent[], fieldPrefix = ''): Promise<EventView[]> {
    const errors: FieldError[] = [];
    events.forEach((e, i) => {
      const p = publishableProblem(e.type);
      if (p) errors.push({ field: `${fieldPrefix.replace('{i}', String(i))}/type`, message: p });
    });
    if (errors.length) throw invalid(errors);
    const now = Date.now();
    const withTime = events.map((e) => ({ ...e, occurredAt: e.occurredAt ?? now }));
    const ids = await appendEvents(this.db, workspaceId, withTime);
    for (const e of events) this.metrics.eventsPublished.inc({ kind: kindOf(e.type) });
    return withTime.map((e, i) => ({ id: ids[i]!, type: e.type, occurredAt: new Date(e.occurredAt).toISOString(), subject: e.subject ?? null, data: e.data ?? null, source: e.source ?? null }));
  }

  /** `ctx.emit` of a running execution: a custom event. */
  async emit(workspaceId: string, type: string, data: unknown, source: { executionId: string; causationDepth?: number }): Promise<{ id: string }> {
    const [e] = await this.publish(workspaceId, [{ type, data, source: `execution:${source.executionId}`, ...(source.causationDepth !== undefined ? { causationDepth: source.causationDepth } : {}) }]);
    return { id: e!.id };
  }

  /** Events newest first, each with counts of its deliveries by status. */
  async list(workspaceId: string, f: { type?: string; subject?: string; from?: number; to?: number; before?: number; limit: number }) {
    let q = this.db.selectFrom('events').select(['seq', 'id', 'type', 'subject', 'source', 'occurred_at', 'causation_depth']).where('workspace_id', '=', workspaceId);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.subject) q = q.where('subject', '=', f.subject);
    if (f.from !== undefined) q = q.where('occurred_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('occurred_at', '<', f.to);
    if (f.before !== undefined) q = q.where('seq', '<', f.before);
    const rows = await q.orderBy('seq', 'desc').limit(f.limit).execute();
    const counts = new Map<string, Record<string, number>>();
    if (rows.length) {
      const c = await this.db.selectFrom('deliveries').select(['event_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('event_id', 'in', rows.map((r) => r.id)).groupBy(['event_id', 'status']).execute();
      for (const r of c) {
        const m = counts.get(r.event_id) ?? {};
        m[r.status] = Number(r.n);
        counts.set(r.event_id, m);
      }
    }
    return {
      items: rows.map((r) => ({ id: r.id, type: r.type, occurredAt: isoOrNull(r.occurred_at), subject: r.subject, source: r.source, causationDepth: Number(r.causation_depth), deliveries: counts.get(r.id) ?? {} })),
      nextCursor: rows.length === f.limit ? rows[rows.length - 1]!.seq : null,
    };
  }

  /** One event with every delivery and every attempt. */
  async get(workspaceId: string, id: string) {
    const e = await this.db.selectFrom('events').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!e) throw new ProblemError('NOT_FOUND', `event ${id} does not exist`);
    const deliveries = await this.db.selectFrom('deliveries').selectAll().where('event_id', '=', id).orderBy('seq').execute();
    const attempts = deliveries.length
      ? await this.db.selectFrom('delivery_attempts').selectAll().where('delivery_id', 'in', deliveries.map((d) => d.id)).orderBy('attempt').execute()
      : [];
    return {
      id: e.id, type: e.type, occurredAt: isoOrNull(e.occurred_at), subject: e.subject, data: parse(e.data), source: e.source,
      causationDepth: Number(e.causation_depth),
      deliveries: deliveries.map((d) => ({
        ...this.deliveryView(d),
        attempts: attempts.filter((a) => a.delivery_id === d.id).map((a) => ({
          attempt: a.attempt, status: a.status, executionId: a.execution_id, error: parse(a.error), startedAt: isoOrNull(a.started_at), durationMs: a.duration_ms,
        })),
      })),
    };
  }

  private deliveryView(d: { id: string; hook_name: string; status: string; attempts: number; next_attempt_at: number; last_error: string | null; enqueued_at: number; updated_at: number }) {
    return {
      id: d.id, hook: d.hook_name, status: d.status, attemptCount: d.attempts,
      nextAttemptAt: d.status === 'pending' ? isoOrNull(d.next_attempt_at) : null, lastError: parse(d.last_error), enqueuedAt: isoOrNull(d.enqueued_at), updatedAt: isoOrNull(d.updated_at),
    };
  }

  /** Deliveries whose attempts are exhausted, newest first. */
  async deadLetters(workspaceId: string, f: { hook?: string; from?: number; to?: number; before?: number; limit: number }) {
    let q = this.db.selectFrom('deliveries as d').innerJoin('events as e', 'e.id', 'd.event_id')
      .select(['d.seq', 'd.id', 'd.hook_name', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_error', 'd.enqueued_at', 'd.updated_at', 'd.event_id', 'e.type'])
      .where('d.workspace_id', '=', workspaceId).where('d.status', '=', 'dead');
    if (f.hook) q = q.where('d.hook_name', '=', f.hook);
    // A dead delivery is not touched again until replayed: its updated_at is when it was given up.
    if (f.from !== undefined) q = q.where('d.updated_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('d.updated_at', '<', f.to);
    if (f.before !== undefined) q = q.where('d.seq', '<', f.before);
    const rows = await q.orderBy('d.seq', 'desc').limit(f.limit).execute();
    return {
      items: rows.map((r) => ({ ...this.deliveryView(r), eventId: r.event_id, eventType: r.type })),
      nextCursor: rows.length === f.limit ? rows[rows.length - 1]!.seq : null,
    };
  }

  /**
   * Replays an event: its dead deliveries run again with a fresh retry budget and the same delivery id.
   * With `hook`, only that hook's delivery — even a succeeded one — or a new delivery when the hook had none
   * (created later, or its filter skipped the event).
   */
  async replay(workspaceId: string, eventId: string, hook?: string): Promise<{ replayed: string[] }> {
    const now = Date.now();
    const replayed = await this.db.transaction().execute(async (trx) => {
      const e = await trx.selectFrom('events').select(['id']).where('workspace_id', '=', workspaceId).where('id', '=', eventId).executeTakeFirst();
      if (!e) throw new ProblemError('NOT_FOUND', `event ${eventId} does not exist`);
      let q = trx.selectFrom('deliveries').select(['id', 'status', 'hook_id']).where('event_id', '=', eventId);
      if (hook) {
        const h = await trx.selectFrom('event_hooks').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('name', '=', hook).executeTakeFirst();
        if (!h) throw new ProblemError('VALIDATION_FAILED', `event hook ${hook} does not exist`, { errors: [{ field: '/hook', message: 'no such event hook' }] });
        const existing = await q.where('hook_id', '=', h.id).executeTakeFirst();
        if (!existing) {
          const id = newId('dlv');
          await trx.insertInto('deliveries').values({
            id, workspace_id: workspaceId, event_id: eventId, hook_id: h.id, hook_name: h.name, status: 'pending', attempts: 0, budget_start: 0,
            next_attempt_at: now, locked_by: null, locked_until: null, last_error: null, enqueued_at: now, updated_at: now,
          }).execute();
          return [id];
        }
        if (existing.status === 'pending' || existing.status === 'running') return [];
        q = q.where('id', '=', existing.id);
      } else {
        q = q.where('status', '=', 'dead');
      }
      const ids = (await q.execute()).map((d) => d.id);
      await requeue(trx, ids, now);
      return ids;
    });
    await this.wakeDispatchers(replayed.length);
    return { replayed };
  }

  /**
   * Bulk replay of dead letters, of one hook and/or given up within [from, to): oldest first, at most `limit`
   * in one transaction. Only rows still dead are requeued (`status = 'dead'` in the update), so two operators
   * replaying the same range at once requeue each delivery once.
   */
  async replayDead(workspaceId: string, f: { hook?: string; from?: number; to?: number; limit: number }): Promise<{ replayed: string[]; more: boolean }> {
    const now = Date.now();
    const out = await this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('deliveries').select(['id']).where('workspace_id', '=', workspaceId).where('status', '=', 'dead');
      if (f.hook) q = q.where('hook_name', '=', f.hook);
      if (f.from !== undefined) q = q.where('updated_at', '>=', f.from);
      if (f.to !== undefined) q = q.where('updated_at', '<', f.to);
      const rows = await q.orderBy('seq').limit(f.limit + 1).execute();
      const ids = rows.slice(0, f.limit).map((r) => r.id);
      const requeued = await requeue(trx, ids, now);
      return { replayed: requeued, more: rows.length > f.limit };
    });
    await this.wakeDispatchers(out.replayed.length);
    return out;
  }

  private async wakeDispatchers(n: number): Promise<void> {
    if (!n) return;
    outboxSignal.emit('deliveries');
    if (this.caps.listenNotify) await sql`select pg_notify('outrigger_deliveries', '')`.execute(this.db);
  }
}

/** Makes deliveries due again with a fresh retry budget and the same id; answers the ids it changed, in order. */
async function requeue(trx: Tx, ids: string[], now: number): Promise<string[]> {
  if (!ids.length) return [];
  const changed = await trx.updateTable('deliveries')
    .set({ status: 'pending', budget_start: sql<number>`attempts`, next_attempt_at: now, locked_by: null, locked_until: null, enqueued_at: now, updated_at: now })
    .where('id', 'in', ids).where('status', 'not in', ['pending', 'running']).returning('id').execute();
  const set = new Set(changed.map((r) => r.id));
  return ids.filter((id) => set.has(id));
}
