// The ticket's API shapes (TypeBox), and the mapping from rows to the API object and event snapshot.
import { Type, type Static } from '@sinclair/typebox';
import type { Selectable } from 'kysely';
import type { TicketRepliesTable, TicketsTable } from './host.table.js';
import { Text } from './text.js';
import { iso } from '../util/time.js';
import { SeqPaging } from '../util/paging.js';

export const CHANNELS = ['email', 'chat', 'phone', 'letter', 'web'] as const;
export const STATUSES = ['open', 'pending', 'closed'] as const;
export type Channel = (typeof CHANNELS)[number];
export type TicketStatus = (typeof STATUSES)[number];

export const Channel = Type.Union(CHANNELS.map((c) => Type.Literal(c)));
export const TicketStatus = Type.Union(STATUSES.map((s) => Type.Literal(s)));
// No quotes, backslashes, % or control characters: tags are stored as JSON text and filtered with LIKE.
export const Tag = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^"\\\\%\\u0000-\\u001f]+$' });
const Tags = Type.Array(Tag, { maxItems: 50, uniqueItems: true });
const ShortText = (max: number) => Text(max);

export const CustomerLink = Type.Object({
  customerNumber: ShortText(100),
  contractNumber: Type.Optional(Type.Union([ShortText(100), Type.Null()])),
}, { additionalProperties: false });

/** What a change may set on a ticket (creating sets them too). */
const changeableFields = {
  status: Type.Optional(TicketStatus),
  tags: Type.Optional(Tags),
  intent: Type.Optional(Type.Union([ShortText(100), Type.Null()])),
  customer: Type.Optional(Type.Union([CustomerLink, Type.Null()])),
  queue: Type.Optional(Type.Union([ShortText(100), Type.Null()])),
  assignee: Type.Optional(Type.Union([ShortText(200), Type.Null()])),
};

export const TicketCreateBody = Type.Object({
  subject: ShortText(500),
  body: Type.Optional(Text(100_000, 0)),
  channel: Channel,
  ...changeableFields,
  from: Type.Optional(Type.Union([ShortText(320), Type.Null()], { description: 'the sender (an e-mail address, phone number, chat handle)' })),
}, { additionalProperties: false });
export type TicketCreateBody = Static<typeof TicketCreateBody>;

export const TicketPatchBody = Type.Object({
  subject: Type.Optional(ShortText(500)),
  ...changeableFields,
}, { additionalProperties: false, minProperties: 1 });
export type TicketPatchBody = Static<typeof TicketPatchBody>;

/** The name of a webhook binding. */
export const WebhookRef = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' });

export const ReplyBody = Type.Object({
  body: ShortText(100_000),
  to: Type.Optional(Type.Union([ShortText(320), Type.Null()], { description: 'recipient; defaults to the ticket’s sender' })),
  viaWebhook: Type.Optional(Type.Union([WebhookRef, Type.Null()], {
    description: 'send through this webhook; null sends without one; absent uses the ticket settings (per channel, then default)',
  })),
  status: Type.Optional(TicketStatus),
}, { additionalProperties: false });
export type ReplyBody = Static<typeof ReplyBody>;

export const RetryBody = Type.Object({ viaWebhook: Type.Optional(WebhookRef), status: Type.Optional(TicketStatus) }, { additionalProperties: false });

export const ForwardBody = Type.Object({
  to: ShortText(320),
  note: Type.Optional(Text(10_000, 0)),
}, { additionalProperties: false });

export const TicketListQuery = Type.Object({
  status: Type.Optional(TicketStatus),
  channel: Type.Optional(Channel),
  tag: Type.Optional(Tag),
  customerNumber: Type.Optional(ShortText(100)),
  contractNumber: Type.Optional(ShortText(100)),
  queue: Type.Optional(ShortText(100)),
  assignee: Type.Optional(ShortText(200)),
  intent: Type.Optional(ShortText(100)),
  ...SeqPaging,
}, { additionalProperties: false });
export type TicketListQuery = Static<typeof TicketListQuery>;

/** What events carry and the API shows of a ticket (without replies). */
export interface TicketSnapshot {
  id: string;
  subject: string;
  body: string;
  channel: Channel;
  status: TicketStatus;
  tags: string[];
  intent: string | null;
  customer: { customerNumber: string; contractNumber: string | null } | null;
  queue: string | null;
  assignee: string | null;
  from: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface Reply {
  id: string;
  ticketId: string;
  body: string;
  to: string | null;
  author: string;
  status: 'sending' | 'sent' | 'failed';
  webhook: string | null;
  executionId: string | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  sentAt: string | null;
}


/** Maps a ticket row to its API object / event snapshot. */
export function toTicket(r: Omit<Selectable<TicketsTable>, 'seq'>): TicketSnapshot {
  return {
    id: r.id, subject: r.subject, body: r.body, channel: r.channel as Channel, status: r.status as TicketStatus,
    tags: JSON.parse(r.tags) as string[], intent: r.intent,
    customer: r.customer_number ? { customerNumber: r.customer_number, contractNumber: r.contract_number } : null,
    queue: r.queue, assignee: r.assignee, from: r.from_address,
    createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), closedAt: r.closed_at === null ? null : iso(r.closed_at),
  };
}

/** Maps a reply row to its API object. */
export function toReply(r: Omit<Selectable<TicketRepliesTable>, 'seq'>): Reply {
  return {
    id: r.id, ticketId: r.ticket_id, body: r.body, to: r.to_address, author: r.author, status: r.status as Reply['status'],
    webhook: r.webhook, executionId: r.execution_id, error: r.error ? JSON.parse(r.error) as Reply['error'] : null,
    createdAt: iso(r.created_at), sentAt: r.sent_at === null ? null : iso(r.sent_at),
  };
}
