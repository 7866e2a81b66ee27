// Row shapes of `deliveries` and `delivery_attempts`, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
import type { Generated } from 'kysely';

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

declare module '../store/schema.js' {
  interface Database {
    deliveries: DeliveriesTable;
    delivery_attempts: DeliveryAttemptsTable;
  }
}
