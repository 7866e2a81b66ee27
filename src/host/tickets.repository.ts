// Ticket and reply rows: plain functions over the database or a transaction.
import { sql, type Selectable } from 'kysely';
import type { Db, Tx } from '../store/index.js';
import type { TicketRepliesTable, TicketsTable } from './host.table.js';

type Q = Db | Tx;
export type TicketRow = Selectable<TicketsTable>;
export type NewTicketRow = Omit<TicketRow, 'seq'>;
export type ReplyRow = Selectable<TicketRepliesTable>;

export async function insertTicket(q: Q, row: NewTicketRow): Promise<void> {
  await q.insertInto('tickets').values(row).execute();
}

/** One ticket; `lock` takes a row lock where the engine has them (PostgreSQL), so concurrent changes serialise. */
export function findTicket(q: Q, workspaceId: string, id: string, lock = false): Promise<TicketRow | undefined> {
  let query = q.selectFrom('tickets').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface TicketFilter {
  status?: string;
  channel?: string;
  tag?: string;
  customerNumber?: string;
  contractNumber?: string;
  queue?: string;
  assignee?: string;
  intent?: string;
  before?: number;
  limit: number;
}

/** Tickets newest first, paged by `seq`. */
export function listTickets(q: Q, workspaceId: string, f: TicketFilter): Promise<TicketRow[]> {
  let query = q.selectFrom('tickets').selectAll().where('workspace_id', '=', workspaceId);
  if (f.status) query = query.where('status', '=', f.status);
  if (f.channel) query = query.where('channel', '=', f.channel);
  if (f.customerNumber) query = query.where('customer_number', '=', f.customerNumber);
  if (f.contractNumber) query = query.where('contract_number', '=', f.contractNumber);
  if (f.queue) query = query.where('queue', '=', f.queue);
  if (f.assignee) query = query.where('assignee', '=', f.assignee);
  if (f.intent) query = query.where('intent', '=', f.intent);
  // Tags are a JSON array of strings without quotes or %; `_` is escaped so it matches itself.
  if (f.tag) query = query.where(sql<boolean>`tags like ${`%"${f.tag.replaceAll('_', '\\_')}"%`} escape '\\'`);
  if (f.before !== undefined) query = query.where('seq', '<', f.before);
  return query.orderBy('seq', 'desc').limit(f.limit).execute();
}

export async function updateTicket(q: Q, id: string, values: Partial<NewTicketRow>): Promise<void> {
  await q.updateTable('tickets').set(values).where('id', '=', id).execute();
}

export async function insertReply(q: Q, row: Omit<ReplyRow, 'seq'>): Promise<void> {
  await q.insertInto('ticket_replies').values(row).execute();
}

export async function updateReply(q: Q, id: string, values: Partial<Omit<ReplyRow, 'seq' | 'id'>>): Promise<void> {
  await q.updateTable('ticket_replies').set(values).where('id', '=', id).execute();
}

export function findReply(q: Q, id: string): Promise<ReplyRow | undefined> {
  return q.selectFrom('ticket_replies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listReplies(q: Q, ticketId: string): Promise<ReplyRow[]> {
  return q.selectFrom('ticket_replies').selectAll().where('ticket_id', '=', ticketId).orderBy('seq').execute();
}

/** Pending tickets of a workspace untouched since `cutoff` (the inactivity rule's candidates). */
export function listInactivePending(q: Q, workspaceId: string, cutoff: number, limit: number): Promise<TicketRow[]> {
  return q.selectFrom('tickets').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'pending')
    .where('updated_at', '<', cutoff).orderBy('updated_at').limit(limit).execute();
}
