// Row shapes of `events` (the outbox) and `cron_slots`, as Kysely sees them; registered into the store's Database below. Times are epoch ms; JSON columns hold text.
import type { Generated } from 'kysely';

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

export interface CronSlotsTable {
  workspace_id: string;
  cron_type: string;
  slot_at: number;
  event_id: string;
}

declare module '../store/schema.js' {
  interface Database {
    events: EventsTable;
    cron_slots: CronSlotsTable;
  }
}
