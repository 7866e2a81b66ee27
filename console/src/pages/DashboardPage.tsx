// Dashboard: invocations per minute (last hour) and per hour (last day), per-executor error rate and p50/p95 over
// both windows, the delivery queue and dead letters; all figures come aggregated from GET /api/stats/dashboard.
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import type { Dashboard, WindowFigures } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { SeriesChart, type Series } from '../components/SeriesChart';
import { fillBuckets } from '../lib/buckets';
import './operations.css';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
const pct = (r: number) => `${(r * 100).toFixed(1)} %`;

function FiguresTable({ rows, caption, testId }: { rows: WindowFigures[]; caption: string; testId: string }) {
  if (!rows.length) return <p className="muted">No invocations in the {caption.toLowerCase()}.</p>;
  return (
    <div className="table-wrap">
      <table className="grid" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead><tr><th>Executor</th><th>Invocations</th><th>Error rate</th><th>p50</th><th>p95</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.executor}>
              <td><Link to={`/executors/${r.executor}`}>{r.executor}</Link></td>
              <td>{r.invocations}</td>
              <td>{pct(r.errorRate)}</td>
              <td>{ms(r.p50Ms)}</td>
              <td>{ms(r.p95Ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function DashboardPage() {
  const q = useQuery({ queryKey: ['dashboard'], queryFn: () => api<Dashboard>('GET', '/api/stats/dashboard'), refetchInterval: 15_000 });
  const d = q.data;
  const charts = useMemo(() => {
    if (!d) return null;
    const end = Date.parse(d.generatedAt);
    const m = fillBuckets(d.perMinute.map((p) => ({ at: p.minute, ...p })), end, MINUTE, 60);
    const h = fillBuckets(d.perHour.map((p) => ({ at: p.hour, ...p })), end, HOUR, 24);
    const lines = (x: typeof m): Series[] => [
      { label: 'invocations', color: '#0b57b8', values: x.invocations },
      { label: 'errors', color: '#c62828', values: x.errors },
    ];
    return { m, h, minuteLines: lines(m), hourLines: lines(h) };
  }, [d]);
  if (q.isPending) return <Loading what="dashboard" />;
  if (q.error || !d || !charts) return <Problem error={q.error} />;
  const hourTotal = d.lastHour.reduce((n, r) => n + r.invocations, 0);
  const hourErrors = d.lastHour.reduce((n, r) => n + r.errors, 0);
  return (
    <section data-testid="dashboard">
      <h1>Dashboard</h1>
      <div className="kpis">
        <div className="kpi"><span className="value" data-testid="kpi-invocations">{hourTotal}</span>invocations, last hour</div>
        <div className="kpi"><span className="value">{hourTotal ? pct(hourErrors / hourTotal) : '—'}</span>error rate, last hour</div>
        <div className="kpi"><span className="value" data-testid="kpi-queue">{d.queue.queued + d.queue.running}</span>deliveries queued ({d.queue.running} running)</div>
        <div className="kpi"><span className="value" data-testid="kpi-dead">{d.deadLetters}</span><Link to="/dead-letters">dead letters</Link></div>
      </div>
      <div className="columns">
        <div className="card">
          <h2>Invocations per minute, last hour</h2>
          <SeriesChart times={charts.m.times} series={charts.minuteLines} summary={`${hourTotal} invocations and ${hourErrors} errors in the last hour`} />
        </div>
        <div className="card">
          <h2>Invocations per hour, last day</h2>
          <SeriesChart times={charts.h.times} series={charts.hourLines} summary={`${charts.h.invocations.reduce((a, b) => a + b, 0)} invocations in the last day`} />
        </div>
      </div>
      <div className="columns">
        <div className="card"><h2>Per executor, last hour</h2><FiguresTable rows={d.lastHour} caption="Last hour" testId="figures-hour" /></div>
        <div className="card"><h2>Per executor, last day</h2><FiguresTable rows={d.lastDay} caption="Last day" testId="figures-day" /></div>
      </div>
      <div className="card">
        <h2>Dead letters by hook</h2>
        {d.deadLettersByHook.length === 0 ? <p className="muted">No dead letters.</p> : (
          <ul className="plain">{d.deadLettersByHook.map((h) => <li key={h.hook}>{h.hook}: {h.count}</li>)}</ul>
        )}
      </div>
    </section>
  );
}
