// Reads the events the host model wrote, straight from the outbox table (the events API lives on another branch).
import type { TestServer } from '../helpers/server.js';

export interface EventRow {
  id: string;
  type: string;
  subject: string | null;
  source: string | null;
  occurredAt: number;
  data: any;
}

/** Every event of the server, oldest first; `after` skips events up to that count. */
export async function readEvents(s: TestServer, types?: string[]): Promise<EventRow[]> {
  let q = s.o.store.db.selectFrom('events').selectAll().orderBy('seq');
  if (types) q = q.where('type', 'in', types);
  const rows = await q.execute();
  return rows.map((r) => ({ id: r.id, type: r.type, subject: r.subject, source: r.source, occurredAt: Number(r.occurred_at), data: JSON.parse(r.data) }));
}

/** Counts the events so that a test can look only at what happened after a point. */
export async function eventCount(s: TestServer): Promise<number> {
  return (await readEvents(s)).length;
}

/** Events written after `count` earlier ones. */
export async function eventsSince(s: TestServer, count: number): Promise<EventRow[]> {
  return (await readEvents(s)).slice(count);
}
