// Row shapes of the built-in host model (migration 004): tickets, replies, conversations, profiles, settings, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
import type { Generated } from 'kysely';

export interface TicketsTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  subject: string;
  body: string;
  channel: string;
  status: string;
  /** JSON array of strings. */
  tags: string;
  intent: string | null;
  customer_number: string | null;
  contract_number: string | null;
  queue: string | null;
  assignee: string | null;
  from_address: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

export interface TicketRepliesTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  ticket_id: string;
  body: string;
  to_address: string | null;
  author: string;
  /** `sending` while a bound webhook runs, then `sent` or `failed`. */
  status: string;
  webhook: string | null;
  execution_id: string | null;
  error: string | null;
  created_at: number;
  sent_at: number | null;
  /** When the reply last entered `sending` (null otherwise). */
  sending_since: Generated<number | null>;
}

export interface ConversationsTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  ticket_id: string | null;
  channel: string;
  customer_number: string | null;
  subject: string | null;
  /** JSON array of messages. */
  messages: string;
  created_at: number;
}

export interface ProfilesTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  customer_number: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  attributes: string;
  created_at: number;
  updated_at: number;
}

export interface HostSettingsTable {
  workspace_id: string;
  key: string;
  value: string;
  updated_at: number;
}

declare module '../store/schema.js' {
  interface Database {
    tickets: TicketsTable;
    ticket_replies: TicketRepliesTable;
    conversations: ConversationsTable;
    profiles: ProfilesTable;
    host_settings: HostSettingsTable;
  }
}
