// Row shapes of every table, as Kysely sees them. Times are epoch milliseconds; JSON columns hold JSON text.
import type { Generated } from 'kysely';

export interface WorkspacesTable {
  id: string;
  name: string;
  time_zone: string;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  token_hash: string;
  prefix: string;
  /** Set for the short-lived tokens handed to a running execution. */
  expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
}

export interface ExecutorsTable {
  id: string;
  workspace_id: string;
  name: string;
  type: string;
  active_version: number;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

export interface ExecutorVersionsTable {
  executor_id: string;
  version: number;
  definition: string;
  content_hash: string;
  created_by: string;
  message: string | null;
  created_at: number;
}

export interface SecretsTable {
  workspace_id: string;
  name: string;
  /** base64 of iv(12) | tag(16) | ciphertext, AES-256-GCM with the workspace id as additional data. */
  ciphertext: string;
  created_at: number;
  updated_at: number;
}

export interface StorageObjectsTable {
  workspace_id: string;
  key: string;
  value: string;
  expires_at: number | null;
  updated_at: number;
}

export interface ExecutionsTable {
  id: string;
  workspace_id: string;
  executor_name: string;
  executor_version: number | null;
  executor_type: string;
  trigger: string;
  trigger_ref: string | null;
  parent_id: string | null;
  root_id: string;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  logs: string | null;
  duration_ms: number;
  queue_ms: number;
  cold_start: number;
  attempt: number;
  started_at: number;
  finished_at: number;
  seq: Generated<number>;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  type: string;
  subject: string | null;
  data: string;
  /** What published it: `host`, `api`, `execution:<id>`, `cron`. */
  source: string | null;
  occurred_at: number;
  /** Event hops that caused it (migration 008): 0 from outside, n + 1 when written by a run for an event at depth n. */
  causation_depth: Generated<number>;
}

// host model, webhooks, UDFs
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

export interface PointBindingsTable {
  workspace_id: string;
  /** `webhook` | `udf` | `recognitionSource` | `agent` | `aiTool` | `aiAgent`. */
  point: string;
  name: string;
  executor: string | null;
  /** The binding as its API object (JSON text). */
  spec: string;
  created_at: number;
  updated_at: number;
}

export interface RecognitionCacheTable {
  workspace_id: string;
  cache_key: string;
  result: string;
  expires_at: number;
}

// events
export interface EventHooksTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  /** JSON array of event types (exact, or a `prefix.*` wildcard). */
  event_types: string;
  /** JSON Logic text or null. */
  filter: string | null;
  executor: string;
  /** JSON text of the retry policy, null for the default. */
  retry: string | null;
  concurrency: number | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface DeliveriesTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  event_id: string;
  hook_id: string;
  hook_name: string;
  status: string;
  attempts: number;
  budget_start: number;
  next_attempt_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  enqueued_at: number;
  updated_at: number;
}

export interface DeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  workspace_id: string;
  status: string;
  execution_id: string | null;
  error: string | null;
  started_at: number;
  duration_ms: number;
  worker: string;
}

export interface CronSlotsTable {
  workspace_id: string;
  cron_type: string;
  slot_at: number;
  event_id: string;
}

/** Facts about the store itself (migration 008), e.g. `master_key_check`. */
export interface StoreMetaTable {
  key: string;
  value: string;
  created_at: number;
}

export interface Database {
  workspaces: WorkspacesTable;
  api_tokens: ApiTokensTable;
  executors: ExecutorsTable;
  executor_versions: ExecutorVersionsTable;
  secrets: SecretsTable;
  storage_objects: StorageObjectsTable;
  executions: ExecutionsTable;
  events: EventsTable;
  event_hooks: EventHooksTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  cron_slots: CronSlotsTable;
  // host model (migration 004; its webhooks and udfs tables moved into point_bindings by 007)
  tickets: TicketsTable;
  ticket_replies: TicketRepliesTable;
  conversations: ConversationsTable;
  profiles: ProfilesTable;
  host_settings: HostSettingsTable;
  point_bindings: PointBindingsTable;
  recognition_cache: RecognitionCacheTable;
  store_meta: StoreMetaTable;
}
