// Tickets of the built-in host model: create, list, read, change (status, tags, customer link, routing), forward.
// Every change writes its events in the same transaction as the change itself.
import type { Db, Tx } from '../store/index.js';
import type { DialectCapabilities } from '../store/dialect.js';
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import * as repo from './tickets.repository.js';
import { toReply, toTicket, type Reply, type TicketCreateBody, type TicketListQuery, type TicketPatchBody, type TicketSnapshot } from './tickets.model.js';
import { emitHostEvent, type Actor, type Clock } from './host-events.js';
import { nextCursor, pageLimit } from '../util/paging.js';

export interface TicketsDeps {
  db: Db;
  caps: DialectCapabilities;
  clock: Clock;
}

type Changes = Partial<Pick<TicketSnapshot, 'subject' | 'status' | 'tags' | 'intent' | 'customer' | 'queue' | 'assignee'>>;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class TicketsService {
  constructor(private readonly deps: TicketsDeps) {}

  /** Reads a ticket in a transaction, locked where the engine has row locks (SQLite serialises writers anyway). */
  async lockTicket(trx: Tx, workspaceId: string, id: string): Promise<repo.TicketRow> {
    const row = await repo.findTicket(trx, workspaceId, id, this.deps.caps.skipLocked);
    if (!row) throw new ProblemError('NOT_FOUND', `ticket ${id} does not exist`);
    return row;
  }

  async create(workspaceId: string, body: TicketCreateBody, actor: Actor): Promise<TicketSnapshot> {
    const now = this.deps.clock();
    const status = body.status ?? 'open';
    const row: repo.NewTicketRow = {
      id: newId('tkt'), workspace_id: workspaceId, subject: body.subject, body: body.body ?? '', channel: body.channel, status,
      tags: JSON.stringify(body.tags ?? []), intent: body.intent ?? null,
      customer_number: body.customer?.customerNumber ?? null, contract_number: body.customer?.contractNumber ?? null,
      queue: body.queue ?? null, assignee: body.assignee ?? null, from_address: body.from ?? null,
      created_at: now, updated_at: now, closed_at: status === 'closed' ? now : null,
    };
    const ticket = toTicket(row);
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertTicket(trx, row);
      await emitHostEvent(trx, workspaceId, 'TicketCreated', row.id, { ticketId: row.id, userId: actor.userId, ticket }, actor, now);
    });
    return ticket;
  }

  async list(workspaceId: string, q: TicketListQuery): Promise<{ items: TicketSnapshot[]; nextCursor: number | null }> {
    const limit = pageLimit(q.limit);
    const rows = await repo.listTickets(this.deps.db, workspaceId, { ...q, before: q.cursor, limit });
    return { items: rows.map(toTicket), nextCursor: nextCursor(rows, limit) };
  }

  async get(workspaceId: string, id: string): Promise<TicketSnapshot & { replies: Reply[] }> {
    const row = await repo.findTicket(this.deps.db, workspaceId, id);
    if (!row) throw new ProblemError('NOT_FOUND', `ticket ${id} does not exist`);
    return { ...toTicket(row), replies: (await repo.listReplies(this.deps.db, id)).map(toReply) };
  }

  /**
   * Applies a change inside the caller's transaction and writes TicketUpdated (`{userId, changes, ticketId}` as the
   * reference platform does, plus `previous` and the new snapshot), TicketClosed and TicketRouted as they apply.
   * A change that changes nothing writes nothing.
   */
  async applyChange(trx: Tx, workspaceId: string, row: repo.TicketRow, patch: TicketPatchBody, actor: Actor, now: number, closeReason = 'manual'): Promise<TicketSnapshot> {
    const before = toTicket(row);
    const changes: Changes = {};
    const previous: Changes = {};
    const wanted: Changes = {
      ...(patch.subject !== undefined ? { subject: patch.subject } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      ...(patch.intent !== undefined ? { intent: patch.intent } : {}),
      ...(patch.customer !== undefined ? { customer: patch.customer && { customerNumber: patch.customer.customerNumber, contractNumber: patch.customer.contractNumber ?? null } } : {}),
      ...(patch.queue !== undefined ? { queue: patch.queue } : {}),
      ...(patch.assignee !== undefined ? { assignee: patch.assignee } : {}),
    };
    for (const [k, v] of Object.entries(wanted) as Array<[keyof Changes, unknown]>) {
      if (!same(before[k], v)) {
        (changes as Record<string, unknown>)[k] = v;
        (previous as Record<string, unknown>)[k] = before[k];
      }
    }
    if (!Object.keys(changes).length) return before;
    const values: Partial<repo.NewTicketRow> = { updated_at: now };
    if (changes.subject !== undefined) values.subject = changes.subject;
    if (changes.status !== undefined) {
      values.status = changes.status;
      values.closed_at = changes.status === 'closed' ? now : null;
    }
    if (changes.tags !== undefined) values.tags = JSON.stringify(changes.tags);
    if ('intent' in changes) values.intent = changes.intent ?? null;
    if ('customer' in changes) {
      values.customer_number = changes.customer?.customerNumber ?? null;
      values.contract_number = changes.customer?.contractNumber ?? null;
    }
    if ('queue' in changes) values.queue = changes.queue ?? null;
    if ('assignee' in changes) values.assignee = changes.assignee ?? null;
    await repo.updateTicket(trx, row.id, values);
    const ticket = toTicket({ ...row, ...values });
    const base = { ticketId: row.id, userId: actor.userId };
    await emitHostEvent(trx, workspaceId, 'TicketUpdated', row.id, { ...base, changes, previous, ticket }, actor, now);
    if (changes.status === 'closed') await emitHostEvent(trx, workspaceId, 'TicketClosed', row.id, { ...base, reason: closeReason, ticket }, actor, now);
    if ('queue' in changes || 'assignee' in changes) {
      await emitHostEvent(trx, workspaceId, 'TicketRouted', row.id, {
        ...base, from: { queue: before.queue, assignee: before.assignee }, to: { queue: ticket.queue, assignee: ticket.assignee }, ticket,
      }, actor, now);
    }
    return ticket;
  }

  async update(workspaceId: string, id: string, patch: TicketPatchBody, actor: Actor): Promise<TicketSnapshot> {
    const now = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockTicket(trx, workspaceId, id);
      return this.applyChange(trx, workspaceId, row, patch, actor, now);
    });
  }

  /** Forwards a ticket to someone outside (TicketForwarded; an event hook or the platform does the sending). */
  async forward(workspaceId: string, id: string, body: { to: string; note?: string }, actor: Actor): Promise<{ ticketId: string; to: string; note: string | null; eventId: string; ticket: TicketSnapshot }> {
    const now = this.deps.clock();
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockTicket(trx, workspaceId, id);
      // Forwarding is activity: it restarts the inactivity clock.
      await repo.updateTicket(trx, row.id, { updated_at: now });
      const ticket = toTicket({ ...row, updated_at: now });
      const eventId = await emitHostEvent(trx, workspaceId, 'TicketForwarded', row.id, { ticketId: row.id, userId: actor.userId, to: body.to, note: body.note ?? null, ticket }, actor, now);
      return { ticketId: row.id, to: body.to, note: body.note ?? null, eventId, ticket };
    });
  }
}
