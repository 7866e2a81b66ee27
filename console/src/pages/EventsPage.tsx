// Event trace: events newest first (type, subject, time range), and one event with every delivery and attempt.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { Delivery, EventDetail, EventSummary, Paged } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { rangeParams, TimeRangeFields, when, type Range } from '../components/TimeRange';
import { useSession } from '../session';
import { PagerButtons, usePager } from '../components/Pager';
import './operations.css';

export default function EventsPage() {
  const { id } = useParams();
  return id ? <EventView id={id} /> : <EventsList />;
}

/** Delivery counts by status as small badges. */
export function DeliveryCounts({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts);
  if (!entries.length) return <span className="muted">no deliveries</span>;
  return <span className="counts">{entries.map(([s, n]) => <span key={s} className={`status status-${s}`}>{n} {s}</span>)}</span>;
}

function EventsList() {
  const [type, setType] = useState('');
  const [subject, setSubject] = useState('');
  const [range, setRange] = useState<Range>({ from: '', to: '' });
  const filter = new URLSearchParams({ limit: '100', ...(type ? { type } : {}), ...(subject ? { subject } : {}), ...rangeParams(range) });
  const pager = usePager(filter.toString());
  const params = new URLSearchParams(filter);
  if (pager.cursor !== undefined) params.set('cursor', String(pager.cursor));
  const q = useQuery({ queryKey: ['events', params.toString()], queryFn: () => api<Paged<EventSummary>>('GET', `/api/events?${params}`) });
  return (
    <section>
      <div className="page-head"><h1>Event trace</h1><Link to="/dead-letters">Dead letters</Link></div>
      <div className="filters">
        <label>Type <input value={type} placeholder="TicketCreated" onChange={(e) => setType(e.target.value.trim())} /></label>
        <label>Subject <input value={subject} placeholder="a ticket id" onChange={(e) => setSubject(e.target.value.trim())} /></label>
        <TimeRangeFields value={range} onChange={setRange} />
      </div>
      <Problem error={q.error} />
      {q.isPending ? <Loading what="events" /> : (q.data?.items.length ?? 0) === 0 ? <p className="empty">No events match.</p> : (
        <div className="table-wrap">
          <table className="grid" data-testid="events">
            <thead><tr><th>Occurred</th><th>Type</th><th>Subject</th><th>Source</th><th>Deliveries</th></tr></thead>
            <tbody>
              {q.data!.items.map((e) => (
                <tr key={e.id}>
                  <td><Link to={`/events/${e.id}`}>{when(e.occurredAt)}</Link></td>
                  <td>{e.type}</td>
                  <td>{e.subject ?? '—'}</td>
                  <td>{e.source ?? '—'}</td>
                  <td><DeliveryCounts counts={e.deliveries} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerButtons pager={pager} nextCursor={q.data?.nextCursor} what="events" />
    </section>
  );
}

function EventView({ id }: { id: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const q = useQuery({
    queryKey: ['event', id],
    queryFn: () => api<EventDetail>('GET', `/api/events/${enc(id)}`),
    // While a delivery is still due or running, keep the trace current.
    refetchInterval: (query) => (query.state.data?.deliveries.some((d) => d.status === 'pending' || d.status === 'running') ? 1000 : false),
  });
  const replay = useMutation({
    mutationFn: (hook?: string) => api<{ replayed: string[] }>('POST', `/api/events/${enc(id)}/replay`, hook ? { hook } : {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['event', id] }),
  });
  if (q.isPending) return <Loading what="event" />;
  if (q.error) return <Problem error={q.error} />;
  const e = q.data;
  const operable = can('hooks:operate');
  return (
    <section data-testid="event">
      <h1>{e.type}</h1>
      <p>{when(e.occurredAt)} · subject {e.subject ?? '—'} · source {e.source ?? '—'} · <Link to="/events">all events</Link></p>
      <div className="card"><h2>Data</h2><pre className="output" tabIndex={0} aria-label="event data">{JSON.stringify(e.data, null, 2)}</pre></div>
      <div className="card">
        <h2>Deliveries</h2>
        <Problem error={replay.error} />
        {replay.data && <p className="ok" role="status">{replay.data.replayed.length ? `Replayed ${replay.data.replayed.length} delivery(ies).` : 'Nothing to replay.'}</p>}
        {e.deliveries.length === 0 ? <p className="muted">No hook matched this event.</p> : (
          <ul className="plain" data-testid="deliveries">
            {e.deliveries.map((d) => <DeliveryItem key={d.id} d={d} onReplay={operable ? () => replay.mutate(d.hook) : undefined} busy={replay.isPending} />)}
          </ul>
        )}
      </div>
    </section>
  );
}

function DeliveryItem({ d, onReplay, busy }: { d: Delivery; onReplay?: () => void; busy: boolean }) {
  const done = d.status !== 'pending' && d.status !== 'running';
  return (
    <li className="card" data-testid={`delivery-${d.hook}`}>
      <strong>{d.hook}</strong> <span className={`status status-${d.status}`}>{d.status}</span>{' '}
      <span className="muted">{d.attemptCount} attempt(s){d.nextAttemptAt ? ` · next ${when(d.nextAttemptAt)}` : ''}</span>
      {onReplay && done && <> <button type="button" className="link" disabled={busy} onClick={onReplay}>Replay to {d.hook}</button></>}
      {d.lastError && <p className="field-error">{d.lastError.code}: {d.lastError.message}</p>}
      <ul className="attempts">
        {d.attempts.map((a) => (
          <li key={a.attempt}>
            attempt {a.attempt}: <span className={`status status-${a.status}`}>{a.status}</span>
            {a.durationMs != null && ` · ${Math.round(a.durationMs)} ms`} · {when(a.startedAt)}
            {a.executionId && <> · <Link to={`/executions/${a.executionId}`}>execution {a.executionId}</Link></>}
            {a.error && <span className="field-error"> {a.error.code}: {a.error.message}</span>}
          </li>
        ))}
      </ul>
    </li>
  );
}
