// What each binding kind does besides its definition: enable/disable a hook, call a webhook/UDF/tool, preview a tool's
// exported schema, run a rule-based agent through needsDecision, chat with a smart agent, search customers.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, enc } from '../../lib/api';
import type { Binding } from '../../lib/binding-kinds';
import { SEARCH_KINDS } from '../../lib/binding-kinds';
import type { AgentRunResult, BindingCallResult, ChatResult, SearchResult, ToolCallResult } from '../../lib/types';
import { Loading, Problem } from '../../components/Problem';
import { useSession } from '../../session';

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

function parseJson(text: string, what: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!text.trim()) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `${what} is not valid JSON: ${(e as Error).message}` };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function ExecutionLink({ id }: { id: string | null | undefined }) {
  return id ? <Link to={`/executions/${enc(id)}`}>execution {id}</Link> : null;
}

/** Event hook: its state and, for operators, enable or disable (waiting deliveries are held while disabled). */
export function HookPanel({ item }: { item: Binding }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const enabled = item.enabled !== false;
  const toggle = useMutation({
    mutationFn: () => api<Binding>('POST', `/api/event-hooks/${enc(item.name)}/${enabled ? 'disable' : 'enable'}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['bindings', 'event-hooks'] }),
  });
  return (
    <div className="card" aria-label="hook state" role="region">
      <h2>State</h2>
      <p data-testid="hook-state">This hook is <strong>{enabled ? 'enabled' : 'disabled'}</strong>{enabled ? ': new events of its types are delivered.' : ': no new deliveries; waiting ones are held.'}</p>
      {can('hooks:operate') && <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>{enabled ? 'Disable' : 'Enable'} hook</button>}
      <Problem error={toggle.error} />
    </div>
  );
}

/** Webhook or UDF: call it with an input and see the output, or the executor's error as the caller gets it. */
export function CallPanel({ item, api: base, what }: { item: Binding; api: string; what: string }) {
  const { can } = useSession();
  const [input, setInput] = useState('{}');
  const [localError, setLocalError] = useState<string | null>(null);
  const call = useMutation({ mutationFn: (value: unknown) => api<BindingCallResult>('POST', `${base}/${enc(item.name)}/call`, { input: value }) });
  if (!can('invoke')) return null;
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = parseJson(input, 'The input');
    if (!p.ok) return setLocalError(p.message);
    setLocalError(null);
    call.mutate(p.value);
  }
  return (
    <form className="card" onSubmit={submit} aria-label={`call the ${what}`}>
      <h2>Call</h2>
      <label htmlFor="call-input">Input (JSON)</label>
      <textarea id="call-input" name="call-input" rows={5} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} />
      {localError && <p className="field-error" role="alert">{localError}</p>}
      <div className="row"><button type="submit" disabled={call.isPending}>Call {what}</button></div>
      {call.isPending && <Loading what="the answer" />}
      {call.error && <CallProblem error={call.error} />}
      {call.data && (
        <div data-testid="call-result">
          <p className="muted"><span className="status status-ok">ok</span> {call.data.durationMs} ms · <ExecutionLink id={call.data.executionId} /></p>
          <pre className="output" data-testid="call-output">{pretty(call.data.output)}</pre>
        </div>
      )}
    </form>
  );
}

/** An executor error as problem+json: its code, message, and the execution that failed. */
function CallProblem({ error }: { error: unknown }) {
  return (
    <div data-testid="call-error">
      {error instanceof ApiError && error.code && <p className="muted">code <code>{error.code}</code> · HTTP {error.status}</p>}
      <Problem error={error} />
    </div>
  );
}

/** AI tool: the exported schema as an OpenAI function tool or an MCP tool entry, and a call with arguments. */
export function ToolPanel({ item }: { item: Binding }) {
  const { can } = useSession();
  const [format, setFormat] = useState<'openai' | 'mcp'>('openai');
  const exported = useQuery({
    queryKey: ['bindings', 'ai-tools', 'export', format, item.updatedAt],
    queryFn: () => api<{ tools: Array<Record<string, unknown>> }>('GET', `/api/ai/tools?format=${format}`),
  });
  const entry = exported.data?.tools.find((t) => (format === 'openai' ? (t.function as { name?: string } | undefined)?.name : t.name) === item.name);
  const [args, setArgs] = useState('{}');
  const [localError, setLocalError] = useState<string | null>(null);
  const call = useMutation({ mutationFn: (value: unknown) => api<ToolCallResult>('POST', `/api/ai/tools/${enc(item.name)}/call`, { arguments: value }) });
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = parseJson(args, 'The arguments');
    if (!p.ok || !isObject(p.value)) return setLocalError(p.ok ? 'The arguments must be a JSON object' : p.message);
    setLocalError(null);
    call.mutate(p.value);
  }
  return (
    <>
      <div className="card" role="region" aria-label="exported schema">
        <h2>Exported schema</h2>
        <fieldset className="row" aria-label="format">
          <label className="check"><input type="radio" name="tool-format" checked={format === 'openai'} onChange={() => setFormat('openai')} /> OpenAI function tool</label>
          <label className="check"><input type="radio" name="tool-format" checked={format === 'mcp'} onChange={() => setFormat('mcp')} /> MCP tool</label>
        </fieldset>
        <Problem error={exported.error} />
        {exported.isPending ? <Loading what="the export" /> : entry ? <pre className="output" data-testid="tool-export">{pretty(entry)}</pre>
          : <p className="empty">{item.enabled === false ? 'A disabled tool is not exported.' : 'Not in the export.'}</p>}
      </div>
      {can('invoke') && (
        <form className="card" onSubmit={submit} aria-label="call the tool">
          <h2>Call</h2>
          <label htmlFor="tool-args">Arguments (JSON object)</label>
          <textarea id="tool-args" name="tool-args" rows={4} value={args} onChange={(e) => setArgs(e.target.value)} spellCheck={false} />
          {localError && <p className="field-error" role="alert">{localError}</p>}
          <div className="row"><button type="submit" disabled={call.isPending}>Call tool</button></div>
          <Problem error={call.error} />
          {call.data && (
            <div data-testid="call-result">
              <p className="muted"><span className={`status status-${call.data.isError ? 'error' : 'ok'}`}>{call.data.isError ? 'error' : 'ok'}</span> <ExecutionLink id={call.data.executionId} /></p>
              <pre className="output" data-testid="call-output">{pretty(call.data.isError ? call.data.error : call.data.output)}</pre>
            </div>
          )}
        </form>
      )}
    </>
  );
}

/** A skeleton of the data an agent needs: its schema's properties with empty values. */
function dataSkeleton(schema: unknown): string {
  const props = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) {
    const t = isObject(p) ? p.type : undefined;
    out[k] = t === 'number' || t === 'integer' ? 0 : t === 'boolean' ? false : t === 'object' ? {} : t === 'array' ? [] : '';
  }
  return pretty(out);
}

interface Phase {
  action: string | null;
  result: AgentRunResult;
}

/** Rule-based agent: run it with data; a needsDecision answer offers its options, and choosing one runs the second phase. */
export function AgentRunPanel({ item }: { item: Binding }) {
  const { can } = useSession();
  const [data, setData] = useState(() => dataSkeleton(item.dataSchema));
  const [ticketId, setTicketId] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const [phases, setPhases] = useState<Phase[]>([]);
  const [sent, setSent] = useState<Record<string, unknown>>({});
  const run = useMutation({
    mutationFn: async (v: { data: Record<string, unknown>; action: string | null }) => ({
      action: v.action,
      result: await api<AgentRunResult>('POST', `/api/agents/${enc(item.name)}/run`, { data: v.data, ...(ticketId.trim() ? { ticketId: ticketId.trim() } : {}), ...(v.action ? { _action: v.action } : {}) }),
    }),
    onSuccess: (p) => setPhases((ps) => [...ps, p]),
  });
  if (!can('invoke')) return null;
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = parseJson(data, 'The data');
    if (!p.ok || !isObject(p.value)) return setLocalError(p.ok ? 'The data must be a JSON object' : p.message);
    setLocalError(null);
    setPhases([]);
    setSent(p.value);
    run.mutate({ data: p.value, action: null });
  }
  const last = phases[phases.length - 1];
  return (
    <div className="card" role="region" aria-label="run the agent">
      <h2>Run</h2>
      <form onSubmit={submit} aria-label="agent run">
        <label htmlFor="agent-data">Data (JSON, checked against the data schema)</label>
        <textarea id="agent-data" name="agent-data" rows={6} value={data} onChange={(e) => setData(e.target.value)} spellCheck={false} />
        {localError && <p className="field-error" role="alert">{localError}</p>}
        <label>Ticket id (optional: the reply is posted there) <input name="agent-ticket" value={ticketId} onChange={(e) => setTicketId(e.target.value)} /></label>
        <div className="row"><button type="submit" disabled={run.isPending}>Run agent</button></div>
      </form>
      <Problem error={run.error} />
      <ol className="phases" aria-label="phases">
        {phases.map((p, i) => (
          <li key={i} data-testid="agent-phase" className="phase">
            <p><strong>Phase {i + 1}</strong>{p.action ? <> with <code>_action</code> = <code>{p.action}</code></> : ''}: <span className={`status status-${p.result.status}`}>{p.result.status}</span>
              {p.result.rule && <span className="muted"> · rule {p.result.rule}</span>}
              {p.result.decidedAlone && <span className="muted"> · chose {p.result.decidedAlone} alone</span>}</p>
            <p className="message">{p.result.message}</p>
            {p.result.error && <p className="field-error">{p.result.error.code}: {p.result.error.message}</p>}
            <p className="muted"><ExecutionLink id={p.result.executionId} />{p.result.replied ? ' · posted to the ticket' : ''}</p>
            {p.result.interaction && p.result.interaction.infos.some((x) => !p.result.message.includes(x.message)) && (
              <ul className="infos">{p.result.interaction.infos.map((x, j) => <li key={j}>{x.type ? <span className="muted">{x.type}: </span> : null}{x.message}</li>)}</ul>
            )}
          </li>
        ))}
      </ol>
      {last?.result.status === 'needsDecision' && last.result.interaction && (
        <div className="decision" role="group" aria-label="decision">
          <p>Choose how to go on:</p>
          <div className="row">
            {last.result.interaction.options.map((o) => (
              <button key={o.action} type="button" className={o.recommended ? '' : 'secondary'} disabled={run.isPending}
                onClick={() => run.mutate({ data: sent, action: o.action })}>
                {o.label ?? o.action}{o.recommended ? ' (recommended)' : ''}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

interface Turn {
  role: 'user' | 'assistant';
  content: string;
  result?: ChatResult;
}

/** Smart agent: a chat; each answer shows every tool step (the call, its arguments, its output or error). */
export function ChatPanel({ item }: { item: Binding }) {
  const { can } = useSession();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [text, setText] = useState('');
  const chat = useMutation({
    mutationFn: (history: Turn[]) => api<ChatResult>('POST', `/api/ai/agents/${enc(item.name)}/chat`, { messages: history.map((t) => ({ role: t.role, content: t.content })) }),
    onSuccess: (result) => setTurns((ts) => [...ts, { role: 'assistant', content: result.answer ?? '', result }]),
  });
  if (!can('invoke')) return null;
  function submit(e: { preventDefault(): void }) {
    e.preventDefault();
    if (!text.trim() || chat.isPending) return;
    const next: Turn[] = [...turns, { role: 'user', content: text }];
    setTurns(next);
    setText('');
    chat.mutate(next);
  }
  return (
    <div className="card chat" role="region" aria-label="chat">
      <div className="page-head"><h2>Chat</h2>{turns.length > 0 && <button type="button" className="link" onClick={() => { setTurns([]); chat.reset(); }}>New conversation</button>}</div>
      {turns.length === 0 && <p className="muted">Ask something; the answer shows every tool the model called.</p>}
      <ol className="transcript" data-testid="transcript">
        {turns.map((t, i) => (
          <li key={i} className={`turn turn-${t.role}`}>
            <span className="who-said">{t.role === 'user' ? 'You' : item.name}</span>
            {t.result?.steps.map((s, j) => (
              <div key={j} className="step" data-testid="chat-step">
                <span className="muted">Step {j + 1}</span>
                {s.toolCalls.map((c) => (
                  <div key={c.id} className="tool-call">
                    <p><code>{c.name}</code>({typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments)}) {c.error ? <span className="status status-error">{c.error.code}</span> : <span className="status status-ok">ok</span>} <ExecutionLink id={c.executionId} /></p>
                    <pre className="output">{c.error ? c.error.message : pretty(c.output)}</pre>
                  </div>
                ))}
              </div>
            ))}
            {t.content ? <p className="message" data-testid={t.role === 'assistant' ? 'chat-answer' : undefined}>{t.content}</p> : t.role === 'assistant' ? <p className="muted">(no answer)</p> : null}
            {t.result?.stopReason === 'maxSteps' && <p className="field-error">Stopped at the step limit while the model still wanted tools.</p>}
            {t.result?.usage && <p className="muted">{t.result.usage.totalTokens} tokens</p>}
          </li>
        ))}
      </ol>
      {chat.isPending && <Loading what="the answer" />}
      <Problem error={chat.error} />
      <form onSubmit={submit} aria-label="send a message">
        <label htmlFor="chat-message">Message</label>
        <textarea id="chat-message" name="chat-message" rows={2} value={text} onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e); }} />
        <div className="row"><button type="submit" disabled={chat.isPending || !text.trim()}>Send</button><span className="muted">Ctrl+Enter sends</span></div>
      </form>
    </div>
  );
}

/** Customer recognition: search through every source of a kind; merged customers and what each source answered. */
export function RecognitionSearch() {
  const { can } = useSession();
  const [kind, setKind] = useState<(typeof SEARCH_KINDS)[number]>('contractNumber');
  const [query, setQuery] = useState('');
  const [noCache, setNoCache] = useState(false);
  const [ticketId, setTicketId] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const search = useMutation({
    mutationFn: (q: unknown) => api<SearchResult>('POST', '/api/customer-recognition/search', { kind, query: q, ...(noCache ? { noCache } : {}), ...(ticketId.trim() ? { ticketId: ticketId.trim() } : {}) }),
    onSuccess: () => link.reset(),
  });
  const link = useMutation({
    mutationFn: (m: { ticketId: string; customerNumber: string; contractNumber?: string }) => api<{ linked: { ticketId: string; customerNumber: string; contractNumber?: string } }>('POST', '/api/customer-recognition/link', m),
  });
  if (!can('invoke')) return null;
  function submit(e: FormEvent) {
    e.preventDefault();
    let q: unknown = query;
    if (kind === 'attributes') {
      const p = parseJson(query, 'The attributes');
      if (!p.ok || !isObject(p.value)) return setLocalError(p.ok ? 'The attributes must be a JSON object' : p.message);
      q = p.value;
    }
    setLocalError(null);
    search.mutate(q);
  }
  const r = search.data;
  return (
    <section className="card search-card" aria-labelledby="search-title">
      <h2 id="search-title">Search customers</h2>
      <form className="row" onSubmit={submit} aria-label="customer search">
        <label>Kind
          <select name="search-kind" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>{SEARCH_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}</select>
        </label>
        <label className="grow">{kind === 'attributes' ? 'Attributes (JSON object)' : 'Query'}
          <input name="search-query" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={kind === 'attributes' ? '{"zip": "10115", "name": "Ada"}' : ''} />
        </label>
        <label>Ticket id (optional: link the best match) <input name="search-ticket" value={ticketId} onChange={(e) => setTicketId(e.target.value)} /></label>
        <label className="check"><input type="checkbox" checked={noCache} onChange={(e) => setNoCache(e.target.checked)} /> bypass the cache</label>
        <button type="submit" disabled={search.isPending}>Search</button>
      </form>
      {localError && <p className="field-error" role="alert">{localError}</p>}
      <Problem error={search.error} />
      {search.isPending && <Loading what="customers" />}
      {r && (
        <div data-testid="search-result">
          <p className="muted">{r.customers.length} customer{r.customers.length === 1 ? '' : 's'}{r.cached ? ' · from the cache' : ''}</p>
          {r.linked !== undefined && (
            <p data-testid="linked">{r.linked ? `Linked to ticket ${r.linked.ticketId}: customer ${r.linked.customerNumber}${r.linked.contractNumber ? `, contract ${r.linked.contractNumber}` : ''}.` : 'No single best match: the ticket was not linked; choose one below.'}</p>
          )}
          {link.data && <p data-testid="linked" role="status">Linked to ticket {link.data.linked.ticketId}: customer {link.data.linked.customerNumber}.</p>}
          <Problem error={link.error} />
          {r.customers.length > 0 && (
            <div className="table-scroll">
              <table className="grid" data-testid="customers">
                <thead><tr><th>Customer</th><th>Name</th><th>Contact</th><th>Contracts</th><th>Score</th><th>Found by</th>{ticketId.trim() && <th><span className="sr-only">Link</span></th>}</tr></thead>
                <tbody>
                  {r.customers.map((c) => (
                    <tr key={c.customerNumber}>
                      <td>{c.customerNumber}</td>
                      <td>{c.name ?? ''}</td>
                      <td>{[c.email, c.phone].filter(Boolean).join(' · ')}</td>
                      <td>{(c.contracts ?? []).map((k) => `${k.contractNumber}${k.status ? ` (${k.status})` : ''}`).join(', ')}</td>
                      <td>{typeof c.score === 'number' ? c.score : ''}</td>
                      <td>{(c.matchedBy ?? []).join(', ')}</td>
                      {ticketId.trim() && (
                        <td><button type="button" className="link" disabled={link.isPending}
                          onClick={() => link.mutate({ ticketId: ticketId.trim(), customerNumber: c.customerNumber, ...(c.contracts?.length === 1 ? { contractNumber: c.contracts[0]!.contractNumber } : {}) })}>
                          Link {c.customerNumber} to the ticket</button></td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3>Sources</h3>
          {r.sources.length === 0 ? <p className="empty">No source of kind {kind} yet.</p> : (
            <table className="grid" data-testid="sources">
              <thead><tr><th>Source</th><th>Status</th><th>Found</th><th>Time</th><th>Error</th></tr></thead>
              <tbody>
                {r.sources.map((s) => (
                  <tr key={s.name}>
                    <td>{s.name}</td>
                    <td><span className={`status status-${s.status === 'ok' ? 'ok' : 'error'}`}>{s.status}</span></td>
                    <td>{s.found ?? ''}</td>
                    <td>{Math.round(s.durationMs)} ms</td>
                    <td>{s.error ? `${s.error.code}: ${s.error.message}` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
