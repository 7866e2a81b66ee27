// Executions: newest first, filtered by executor, status, trigger and time range; one execution's input, output, error,
// logs and the tree of nested UDF calls below it.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { LogLine } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { LogStream } from '../components/LogStream';
import { rangeParams, TimeRangeFields, type Range } from '../components/TimeRange';

interface ExecutionItem {
  id: string;
  executor: string;
  version: number | null;
  trigger: string;
  status: 'ok' | 'error';
  errorCode: string | null;
  durationMs: number;
  coldStart: boolean;
  startedAt: string;
}

interface ExecutionDetail extends ExecutionItem {
  input?: unknown;
  output?: unknown;
  error?: { code: string; message: string };
  logs: LogLine[];
  children: { id: string; executor: string; status: string; durationMs: number }[];
  tree?: TreeNode | null;
}

interface TreeNode {
  id: string;
  executor: string;
  status: string;
  errorCode: string | null;
  durationMs: number;
  children: TreeNode[];
}

const TRIGGERS = ['test', 'api', 'webhook', 'event', 'tool', 'agent', 'customerRecognition', 'udf', 'cron'];

export default function ExecutionsPage() {
  const { id } = useParams();
  return id ? <ExecutionView id={id} /> : <ExecutionsList />;
}

function ExecutionsList() {
  const [executor, setExecutor] = useState('');
  const [status, setStatus] = useState('');
  const [trigger, setTrigger] = useState('');
  const [range, setRange] = useState<Range>({ from: '', to: '' });
  const params = new URLSearchParams({ limit: '100', ...(executor ? { executor } : {}), ...(status ? { status } : {}), ...(trigger ? { trigger } : {}), ...rangeParams(range) });
  const q = useQuery({ queryKey: ['executions', params.toString()], queryFn: () => api<{ items: ExecutionItem[] }>('GET', `/api/executions?${params}`) });
  return (
    <section>
      <h1>Executions</h1>
      <div className="filters">
        <label>Executor <input value={executor} onChange={(e) => setExecutor(e.target.value.trim())} /></label>
        <label>Status <select value={status} onChange={(e) => setStatus(e.target.value)}><option value="">all</option><option value="ok">ok</option><option value="error">error</option></select></label>
        <label>Trigger <select value={trigger} onChange={(e) => setTrigger(e.target.value)}><option value="">all</option>{TRIGGERS.map((t) => <option key={t} value={t}>{t}</option>)}</select></label>
        <TimeRangeFields value={range} onChange={setRange} />
      </div>
      <Problem error={q.error} />
      {q.isPending ? <Loading what="executions" /> : (q.data?.items.length ?? 0) === 0 ? <p className="empty">No executions match.</p> : (
        <table className="grid" data-testid="executions">
          <thead><tr><th>Started</th><th>Executor</th><th>Trigger</th><th>Status</th><th>Duration</th></tr></thead>
          <tbody>
            {q.data!.items.map((x) => (
              <tr key={x.id}>
                <td><Link to={`/executions/${x.id}`}>{new Date(x.startedAt).toLocaleString()}</Link></td>
                <td>{x.executor}{x.version !== null ? ` v${x.version}` : ''}</td>
                <td>{x.trigger}</td>
                <td><span className={`status status-${x.status}`}>{x.status}</span>{x.errorCode ? ` ${x.errorCode}` : ''}</td>
                <td>{x.durationMs.toFixed(0)} ms{x.coldStart ? ' (cold)' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ExecutionView({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['execution', id], queryFn: () => api<ExecutionDetail>('GET', `/api/executions/${enc(id)}?tree=1`) });
  if (q.isPending) return <Loading what="execution" />;
  if (q.error) return <Problem error={q.error} />;
  const x = q.data;
  return (
    <section data-testid="execution">
      <h1>Execution of {x.executor}</h1>
      <p><span className={`status status-${x.status}`}>{x.status}</span> · {x.trigger} · {x.durationMs.toFixed(0)} ms · {new Date(x.startedAt).toLocaleString()} · <Link to="/executions">all executions</Link></p>
      <div className="columns">
        <div className="card"><h2>Input</h2><pre className="output">{JSON.stringify(x.input, null, 2)}</pre></div>
        <div className="card">
          <h2>{x.status === 'ok' ? 'Output' : 'Error'}</h2>
          <pre className="output">{JSON.stringify(x.status === 'ok' ? x.output : x.error, null, 2)}</pre>
        </div>
      </div>
      <div className="card"><h2>Logs</h2><LogStream lines={x.logs} running={false} /></div>
      {x.tree && x.tree.children.length > 0 && (
        <div className="card" data-testid="execution-tree">
          <h2>Nested calls</h2>
          <CallTree nodes={x.tree.children} current={x.id} />
        </div>
      )}
    </section>
  );
}

/** The UDF call tree below an execution, nested lists with a link to each call. */
function CallTree({ nodes, current }: { nodes: TreeNode[]; current: string }) {
  return (
    <ul className="tree">
      {nodes.map((n) => (
        <li key={n.id}>
          {n.id === current ? <strong>{n.executor}</strong> : <Link to={`/executions/${n.id}`}>{n.executor}</Link>}{' '}
          <span className={`status status-${n.status}`}>{n.status}</span>{n.errorCode ? ` ${n.errorCode}` : ''} {n.durationMs.toFixed(0)} ms
          {n.children.length > 0 && <CallTree nodes={n.children} current={current} />}
        </li>
      ))}
    </ul>
  );
}
