// Executors: type, language, active version, last run, error rate and p95 of the last hour; search and type filter.
import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import type { ExecutorStats, ExecutorSummary } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { useSession } from '../session';

export function ExecutorsList() {
  const { can } = useSession();
  const [search, setSearch] = useState('');
  const [type, setType] = useState('');
  const list = useQuery({ queryKey: ['executors'], queryFn: () => api<{ items: ExecutorSummary[] }>('GET', '/api/executors') });
  const stats = useQuery({ queryKey: ['stats', 'executors'], queryFn: () => api<{ items: ExecutorStats[] }>('GET', '/api/stats/executors?windowMinutes=60') });
  const byName = new Map((stats.data?.items ?? []).map((s) => [s.executor, s]));
  const items = (list.data?.items ?? []).filter((e) => (!type || e.type === type) && (e.name.includes(search) || e.description.includes(search)));

  return (
    <section>
      <div className="page-head">
        <h1>Executors</h1>
        {can('executors:write') && <Link className="button" to="/executors/new">New executor</Link>}
      </div>
      <div className="filters">
        <label>Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} /></label>
        <label>Type{' '}
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">all</option>
            <option value="code">code</option>
            <option value="apiCall">apiCall</option>
          </select>
        </label>
      </div>
      <Problem error={list.error ?? stats.error} />
      {list.isPending ? <Loading what="executors" /> : items.length === 0 ? (
        <p className="empty">{list.data?.items.length ? 'No executor matches.' : 'No executors yet.'}</p>
      ) : (
        <table className="grid" data-testid="executors-table">
          <thead><tr><th>Name</th><th>Type</th><th>Language</th><th>Version</th><th>Last run</th><th>Errors (1 h)</th><th>p95 (1 h)</th></tr></thead>
          <tbody>
            {items.map((e) => {
              const s = byName.get(e.name);
              return (
                <tr key={e.name}>
                  <td><Link to={`/executors/${e.name}`}>{e.name}</Link></td>
                  <td>{e.type}</td>
                  <td>{e.language ?? '—'}</td>
                  <td>v{e.activeVersion}{e.latestVersion !== e.activeVersion ? ` (latest v${e.latestVersion})` : ''}</td>
                  <td>{s?.lastStatus ? <span className={`status status-${s.lastStatus}`}>{s.lastStatus}</span> : '—'}</td>
                  <td>{s && s.invocations ? `${(s.errorRate * 100).toFixed(0)} % of ${s.invocations}` : '—'}</td>
                  <td>{s?.p95Ms != null ? `${Math.round(s.p95Ms)} ms` : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
