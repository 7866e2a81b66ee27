// Conversations of the built-in host model (a thread of messages, optionally on a ticket); creating one writes ConversationCreated.
import { Type, type Static } from '@sinclair/typebox';
import type { Db } from '../store/index.js';
import type { ConversationsTable } from './host.table.js';
import { ProblemError } from '../errors.js';
import { newId } from '../ids.js';
import { Channel } from './tickets.model.js';
import { HostId, Text } from './text.js';
import { emitHostEvent, type Actor, type Clock } from './host-events.js';
import { nextCursor, pageLimit, SeqPaging } from '../util/paging.js';
import { iso } from '../util/time.js';

export const Message = Type.Object({
  from: Type.Union([Type.Literal('customer'), Type.Literal('agent'), Type.Literal('bot')]),
  text: Type.String({ minLength: 1, maxLength: 100_000 }), // stored as JSON text, NUL is escaped there
  at: Type.Optional(Type.String({ format: 'date-time' })),
}, { additionalProperties: false });

export const ConversationCreateBody = Type.Object({
  channel: Channel,
  ticketId: Type.Optional(HostId),
  customerNumber: Type.Optional(Text(100)),
  subject: Type.Optional(Text(500)),
  messages: Type.Optional(Type.Array(Message, { maxItems: 1000 })),
}, { additionalProperties: false });
export type ConversationCreateBody = Static<typeof ConversationCreateBody>;

export const ConversationListQuery = Type.Object({
  ticketId: Type.Optional(HostId),
  customerNumber: Type.Optional(Text(100)),
  ...SeqPaging,
}, { additionalProperties: false });

export interface Conversation {
  id: string;
  channel: string;
  ticketId: string | null;
  customerNumber: string | null;
  subject: string | null;
  messages: Array<Static<typeof Message>>;
  createdAt: string;
}

function toConversation(r: Omit<ConversationsTable, 'seq'>): Conversation {
  return {
    id: r.id, channel: r.channel, ticketId: r.ticket_id, customerNumber: r.customer_number, subject: r.subject,
    messages: JSON.parse(r.messages) as Conversation['messages'], createdAt: iso(r.created_at),
  };
}

export class ConversationsService {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  async create(workspaceId: string, body: ConversationCreateBody, actor: Actor): Promise<Conversation> {
    const now = this.clock();
    const at = iso(now);
    const row = {
      id: newId('cnv'), workspace_id: workspaceId, ticket_id: body.ticketId ?? null, channel: body.channel, customer_number: body.customerNumber ?? null,
      subject: body.subject ?? null, messages: JSON.stringify((body.messages ?? []).map((m) => ({ ...m, at: m.at ?? at }))), created_at: now,
    };
    const conversation = toConversation(row);
    await this.db.transaction().execute(async (trx) => {
      if (body.ticketId) {
        const t = await trx.selectFrom('tickets').select('id').where('workspace_id', '=', workspaceId).where('id', '=', body.ticketId).executeTakeFirst();
        if (!t) throw new ProblemError('VALIDATION_FAILED', `ticket ${body.ticketId} does not exist`, { errors: [{ field: '/ticketId', message: 'no such ticket' }] });
      }
      await trx.insertInto('conversations').values(row).execute();
      await emitHostEvent(trx, workspaceId, 'ConversationCreated', row.id, { conversationId: row.id, ticketId: row.ticket_id, userId: actor.userId, conversation }, actor, now);
    });
    return conversation;
  }

  async list(workspaceId: string, q: Static<typeof ConversationListQuery>): Promise<{ items: Conversation[]; nextCursor: number | null }> {
    const limit = pageLimit(q.limit);
    let query = this.db.selectFrom('conversations').selectAll().where('workspace_id', '=', workspaceId);
    if (q.ticketId) query = query.where('ticket_id', '=', q.ticketId);
    if (q.customerNumber) query = query.where('customer_number', '=', q.customerNumber);
    if (q.cursor !== undefined) query = query.where('seq', '<', q.cursor);
    const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
    return { items: rows.map(toConversation), nextCursor: nextCursor(rows, limit) };
  }

  async get(workspaceId: string, id: string): Promise<Conversation> {
    const row = await this.db.selectFrom('conversations').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new ProblemError('NOT_FOUND', `conversation ${id} does not exist`);
    return toConversation(row);
  }
}
