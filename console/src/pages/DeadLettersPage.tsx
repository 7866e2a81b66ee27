// Dead letters: deliveries whose attempts ran out, filtered by hook and the time they were given up; replay one, or
// every match in bulk (the server replays at most 1000 per call, so bulk repeats while it says there are more).
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { DeadLetter, HookSummary, Paged } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { rangeParams, TimeRangeFields, when, type Range } from '../components/TimeRange';
import { useSession } from '../session';
import { PagerButtons, usePager } from '../components/Pager';
import './operations.css';

export default function DeadLettersPage() {
  const { can } = useSession();
  const operable = can('hooks:operate');
  const queryClient = useQueryClient();
  const [hook, setHook] = useState('');
  const [range, setRange] = useState<Range>({ from: '', to: '' });
  const filter = { ...(hook ? { hook } : {}), ...rangeParams(range) };
  const pager = usePager(JSON.stringify(filter));
  const params = new URLSearchParams({ limit: '200', ...filter, ...(pager.cursor !== undefined ? { cursor: String(pager.cursor) } : {}) });
  const hooks = useQuery({ queryKey: ['event-hooks'], queryFn: () => api<{ items: HookSummary[] }>('GET', '/api/event-hooks') });
  const q = useQuery({ queryKey: ['dead-letters', params.toString()], queryFn: () => api<Paged<DeadLetter>>('GET', `/api/dead-letters?${params}`) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['dead-letters'] });
  const one = useMutation({
    mutationFn: (d: DeadLetter) => api<{ replayed: string[] }>('POST', `/api/events/${enc(d.eventId)}/replay`, { hook: d.hook }),
    onSuccess: refresh,
  });
  const bulk = useMutation({
    mutationFn: async () => {
      let total = 0;
      // Bounded: each call replays at most 1000; a range cannot grow while we replay it (only new deaths are added, at later times).
      for (let i = 0; i < 100; i++) {
        const r = await api<{ replayed: string[]; more: boolean }>('POST', '/api/dead-letters/replay', filter);
        total += r.replayed.length;
        if (!r.more) break;
      }
      return total;
    },
    onSuccess: refresh,
  });
  const items = q.data?.items ?? [];
  return (
    <section>
      <div className="page-head"><h1>Dead letters</h1><Link to="/events">Event trace</Link></div>
      <div className="filters">
        <label>Hook{' '}
          <select value={hook} onChange={(e) => setHook(e.target.value)}>
            <option value="">all hooks</option>
            {(hooks.data?.items ?? []).map((h) => <option key={h.name} value={h.name}>{h.name}</option>)}
          </select>
        </label>
        <TimeRangeFields value={range} onChange={setRange} />
        {operable && items.length > 0 && (
          <div className="field"><button type="button" disabled={bulk.isPending} onClick={() => bulk.mutate()}>Replay all matching</button></div>
        )}
      </div>
      <Problem error={q.error ?? hooks.error ?? one.error ?? bulk.error} />
      {bulk.data !== undefined && <p className="ok" role="status" data-testid="bulk-result">Replayed {bulk.data} dead letter(s).</p>}
      {one.data && <p className="ok" role="status">Replayed {one.data.replayed.length} delivery(ies).</p>}
      {q.isPending ? <Loading what="dead letters" /> : items.length === 0 ? <p className="empty">No dead letters match.</p> : (
        <div className="table-wrap">
          <table className="grid" data-testid="dead-letters">
            <thead><tr><th>Given up</th><th>Hook</th><th>Event</th><th>Attempts</th><th>Last error</th>{operable && <th><span className="sr-only">Actions</span></th>}</tr></thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td>{when(d.updatedAt)}</td>
                  <td>{d.hook}</td>
                  <td><Link to={`/events/${d.eventId}`}>{d.eventType}</Link></td>
                  <td>{d.attemptCount}</td>
                  <td>{d.lastError ? `${d.lastError.code ?? ''} ${d.lastError.message ?? ''}` : '—'}</td>
                  {operable && <td><button type="button" className="link" disabled={one.isPending} onClick={() => one.mutate(d)}>Replay {d.id}</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerButtons pager={pager} nextCursor={q.data?.nextCursor} what="dead letters" />
    </section>
  );
}
