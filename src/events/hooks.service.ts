// Event hooks (SPEC 3): create, replace, enable/disable, delete; every definition is checked before saving.
import { Type, type Static } from '@sinclair/typebox';
import type { Db } from '../store/index.js';
import { invalid, ProblemError, type FieldError } from '../errors.js';
import { newId } from '../ids.js';
import { ExecutorReference } from '../names.js';
import { hookTypeProblem } from './event-types.js';
import { filterProblem } from './filter.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { outboxSignal } from './outbox.js';
import * as repo from './hooks.repository.js';
import { iso } from '../util/time.js';
import { transact } from '../store/transaction.js';
import { holdExecutor, missingExecutor } from '../executors/executor-references.js';

const DAY_MS = 86_400_000;

export const RetryPolicySchema = Type.Object({
  attempts: Type.Integer({ minimum: 1, maximum: 50, description: 'total attempts including the first' }),
  schedule: Type.Optional(Type.Union([
    Type.Array(Type.Integer({ minimum: 0, maximum: 7 * DAY_MS }), { minItems: 1, maxItems: 50, description: 'delays (ms) before the 2nd, 3rd … attempt; the last repeats' }),
    Type.Object({
      backoff: Type.Literal('exponential'),
      baseMs: Type.Integer({ minimum: 1, maximum: DAY_MS }),
      maxMs: Type.Integer({ minimum: 1, maximum: 7 * DAY_MS }),
      jitter: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'fraction, default 0.2' })),
    }, { additionalProperties: false }),
  ])),
}, { additionalProperties: false, description: 'default: 8 attempts at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±10 % jitter)' });

export const HookName = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' });

export const HookInput = Type.Object({
  name: HookName,
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  eventTypes: Type.Array(Type.String({ minLength: 1, maxLength: 120 }), { minItems: 1, maxItems: 50 }),
  filter: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'JSON Logic over {type, subject, data}' })),
  executor: ExecutorReference,
  retry: Type.Optional(Type.Union([RetryPolicySchema, Type.Null()])),
  concurrency: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()], { description: 'at most this many deliveries of the hook run at once (all nodes)' })),
  enabled: Type.Optional(Type.Boolean({ default: true })),
}, { additionalProperties: false });
export type HookInput = Static<typeof HookInput>;

export interface HookView {
  name: string;
  description: string;
  eventTypes: string[];
  filter: unknown;
  executor: string;
  retry: RetryPolicy;
  retryIsDefault: boolean;
  concurrency: number | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}


function view(r: repo.HookRow): HookView {
  const retry = r.retry ? (JSON.parse(r.retry) as RetryPolicy) : DEFAULT_RETRY;
  return {
    name: r.name, description: r.description, eventTypes: JSON.parse(r.event_types) as string[], filter: r.filter ? JSON.parse(r.filter) : null,
    executor: r.executor, retry, retryIsDefault: !r.retry, concurrency: r.concurrency, enabled: r.enabled === 1, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  };
}

export class HooksService {
  constructor(private readonly db: Db) {}

  /** Semantic checks the schema cannot express; all problems at once, each with its field. */
  private async check(workspaceId: string, h: HookInput): Promise<void> {
    const errors: FieldError[] = [];
    h.eventTypes.forEach((t, i) => {
      const p = hookTypeProblem(t);
      if (p) errors.push({ field: `/eventTypes/${i}`, message: p });
    });
    if (h.filter !== undefined && h.filter !== null) {
      const p = filterProblem(h.filter);
      if (p) errors.push({ field: '/filter', message: p });
    }
    const s = h.retry?.schedule;
    if (s && !Array.isArray(s) && s.baseMs > s.maxMs) errors.push({ field: '/retry/schedule/maxMs', message: 'must be at least baseMs' });
    const executorProblem = await missingExecutor(this.db, workspaceId, h.executor);
    if (executorProblem) errors.push(executorProblem);
    if (errors.length) throw invalid(errors);
  }

  async list(workspaceId: string): Promise<HookView[]> {
    return (await repo.listHookRows(this.db, workspaceId)).map(view);
  }

  async get(workspaceId: string, name: string): Promise<HookView> {
    const r = await repo.findHookRow(this.db, workspaceId, name);
    if (!r) throw new ProblemError('NOT_FOUND', `event hook ${name} does not exist`);
    return view(r);
  }

  /** Creates (mustNotExist) or creates-or-replaces a hook. */
  async put(workspaceId: string, h: HookInput, opts: { mustNotExist?: boolean } = {}): Promise<{ created: boolean; hook: HookView }> {
    await this.check(workspaceId, h);
    const now = Date.now();
    const values = {
      description: h.description ?? '', event_types: JSON.stringify(h.eventTypes), filter: h.filter ? JSON.stringify(h.filter) : null,
      executor: h.executor, retry: h.retry ? JSON.stringify(h.retry) : null, concurrency: h.concurrency ?? null, enabled: h.enabled === false ? 0 : 1, updated_at: now,
    };
    // A racing create of the same name hits the unique key: transact runs this again, which then sees that row.
    const created = await transact(this.db, async (trx) => {
      await holdExecutor(trx, workspaceId, h.executor);
      const existing = await repo.findHookRow(trx, workspaceId, h.name);
      if (existing && opts.mustNotExist) throw new ProblemError('CONFLICT', `event hook ${h.name} already exists; use PUT /api/event-hooks/${h.name} to replace it`);
      if (existing) {
        await repo.updateHookRow(trx, existing.id, values);
        return false;
      }
      await repo.insertHookRow(trx, { id: newId('hk'), workspace_id: workspaceId, name: h.name, created_at: now, ...values });
      return true;
    });
    // The cron scheduler looks again (a new cron hook), the dispatcher too (an enabled hook's waiting deliveries).
    outboxSignal.emit('hooks');
    outboxSignal.emit('deliveries');
    return { created, hook: await this.get(workspaceId, h.name) };
  }

  /** Enables or disables a hook; a disabled hook gets no new deliveries and its pending ones wait. */
  async setEnabled(workspaceId: string, name: string, enabled: boolean): Promise<HookView> {
    const r = await repo.findHookRow(this.db, workspaceId, name);
    if (!r) throw new ProblemError('NOT_FOUND', `event hook ${name} does not exist`);
    await repo.updateHookRow(this.db, r.id, { enabled: enabled ? 1 : 0, updated_at: Date.now() });
    outboxSignal.emit('hooks');
    outboxSignal.emit('deliveries');
    return this.get(workspaceId, name);
  }

  async delete(workspaceId: string, name: string): Promise<void> {
    const r = await repo.findHookRow(this.db, workspaceId, name);
    if (!r) throw new ProblemError('NOT_FOUND', `event hook ${name} does not exist`);
    await this.db.transaction().execute((trx) => repo.deleteHookRow(trx, r.id, Date.now()));
  }
}
