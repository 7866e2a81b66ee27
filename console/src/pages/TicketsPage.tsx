// Tickets of the built-in host model: list and create; one ticket with its replies, a reply form, a status change,
// and the events it caused (subject = the ticket id) with their hook deliveries.
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, enc } from '../lib/api';
import type { EventSummary, Paged, Ticket, TicketReply } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { when } from '../components/TimeRange';
import { useSession } from '../session';
import { DeliveryCounts } from './EventsPage';
import './operations.css';

const CHANNELS = ['email', 'chat', 'phone', 'letter', 'web'];
const STATUSES = ['open', 'pending', 'closed'];

export default function TicketsPage() {
  const { id } = useParams();
  return id ? <TicketView id={id} /> : <TicketsList />;
}

/** The message of a field error for `field` (e.g. '/subject'), shown next to that field. */
function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.errors.find((e) => (e.path ?? e.instancePath ?? (e as { field?: string }).field) === field)?.message;
}

function TicketsList() {
  const { can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [channel, setChannel] = useState('email');
  const [from, setFrom] = useState('');
  const q = useQuery({ queryKey: ['tickets', status], queryFn: () => api<Paged<Ticket>>('GET', `/api/tickets?limit=100${status ? `&status=${status}` : ''}`) });
  const create = useMutation({
    mutationFn: () => api<Ticket>('POST', '/api/tickets', { subject, body, channel, ...(from.trim() ? { from: from.trim() } : {}) }),
    onSuccess: async (t) => {
      await queryClient.invalidateQueries({ queryKey: ['tickets'] });
      navigate(`/tickets/${t.id}`);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  const subjectError = fieldError(create.error, '/subject');
  return (
    <section>
      <h1>Tickets</h1>
      {can('operate') && (
        <form className="card" onSubmit={submit} aria-label="create a ticket">
          <h2>New ticket</h2>
          <div className="row">
            <label className="grow">Subject <input name="ticket-subject" value={subject} required maxLength={500} aria-invalid={Boolean(subjectError)} onChange={(e) => setSubject(e.target.value)} /></label>
            <label>Channel <select name="ticket-channel" value={channel} onChange={(e) => setChannel(e.target.value)}>{CHANNELS.map((c) => <option key={c}>{c}</option>)}</select></label>
            <label>From <input name="ticket-from" value={from} placeholder="customer@example.com" onChange={(e) => setFrom(e.target.value)} /></label>
          </div>
          {subjectError && <p className="field-error">{subjectError}</p>}
          <label>Message <textarea name="ticket-body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} /></label>
          <button type="submit" disabled={create.isPending}>Create ticket</button>
          <Problem error={create.error} />
        </form>
      )}
      <div className="filters">
        <label>Status <select value={status} onChange={(e) => setStatus(e.target.value)}><option value="">all</option>{STATUSES.map((s) => <option key={s}>{s}</option>)}</select></label>
      </div>
      <Problem error={q.error} />
      {q.isPending ? <Loading what="tickets" /> : (q.data?.items.length ?? 0) === 0 ? <p className="empty">No tickets yet.</p> : (
        <div className="table-wrap">
          <table className="grid" data-testid="tickets">
            <thead><tr><th>Subject</th><th>Channel</th><th>Status</th><th>Created</th><th>Updated</th></tr></thead>
            <tbody>
              {q.data!.items.map((t) => (
                <tr key={t.id}>
                  <td><Link to={`/tickets/${t.id}`}>{t.subject}</Link></td>
                  <td>{t.channel}</td>
                  <td><span className={`status status-${t.status}`}>{t.status}</span></td>
                  <td>{when(t.createdAt)}</td>
                  <td>{when(t.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function TicketView({ id }: { id: string }) {
  const { can } = useSession();
  const operable = can('operate');
  const queryClient = useQueryClient();
  const [reply, setReply] = useState('');
  const t = useQuery({ queryKey: ['ticket', id], queryFn: () => api<Ticket & { replies: TicketReply[] }>('GET', `/api/tickets/${enc(id)}`) });
  const events = useQuery({
    queryKey: ['ticket-events', id],
    queryFn: () => api<Paged<EventSummary>>('GET', `/api/events?limit=100&subject=${enc(id)}`),
    // Hooks fire after the change is stored: poll while a delivery is still due or running.
    refetchInterval: (query) => (query.state.data?.items.some((e) => e.deliveries.pending || e.deliveries.running) ? 1000 : false),
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['ticket', id] });
    await queryClient.invalidateQueries({ queryKey: ['ticket-events', id] });
    await queryClient.invalidateQueries({ queryKey: ['tickets'] });
  };
  const send = useMutation({
    mutationFn: () => api('POST', `/api/tickets/${enc(id)}/replies`, { body: reply }),
    onSuccess: async () => {
      setReply('');
      await refresh();
    },
  });
  const setStatus = useMutation({ mutationFn: (status: string) => api('PATCH', `/api/tickets/${enc(id)}`, { status }), onSuccess: refresh });
  if (t.isPending) return <Loading what="ticket" />;
  if (t.error) return <Problem error={t.error} />;
  const x = t.data;
  function submit(e: FormEvent) {
    e.preventDefault();
    send.mutate();
  }
  return (
    <section data-testid="ticket">
      <h1>{x.subject}</h1>
      <p><span className={`status status-${x.status}`} data-testid="ticket-status">{x.status}</span> · {x.channel} · created {when(x.createdAt)} · <Link to="/tickets">all tickets</Link></p>
      <div className="split">
        <div>
          <div className="card">
            <h2>Conversation</h2>
            {x.body && <div className="reply"><pre>{x.body}</pre></div>}
            {x.replies.length === 0 ? <p className="muted">No replies yet.</p> : x.replies.map((r) => (
              <div className="reply" key={r.id}>
                <p className="muted">{r.author} · {when(r.createdAt)} · <span className={`status status-${r.status}`}>{r.status}</span></p>
                <pre>{r.body}</pre>
              </div>
            ))}
            {operable && (
              <form onSubmit={submit} aria-label="reply to the ticket">
                <label>Reply <textarea name="reply-body" rows={3} required value={reply} onChange={(e) => setReply(e.target.value)} /></label>
                <button type="submit" disabled={send.isPending}>Send reply</button>
              </form>
            )}
            <Problem error={send.error} />
          </div>
          {operable && (
            <div className="card row">
              <label>Status{' '}
                <select name="ticket-status" value={x.status} disabled={setStatus.isPending} onChange={(e) => setStatus.mutate(e.target.value)}>
                  {STATUSES.map((s) => <option key={s}>{s}</option>)}
                </select>
              </label>
              <Problem error={setStatus.error} />
            </div>
          )}
        </div>
        <div className="card">
          <h2>Events and hook deliveries</h2>
          <Problem error={events.error} />
          {events.isPending ? <Loading what="events" /> : (events.data?.items.length ?? 0) === 0 ? <p className="muted">No events yet.</p> : (
            <ul className="plain" data-testid="ticket-events">
              {events.data!.items.map((e) => (
                <li key={e.id} className="row">
                  <Link to={`/events/${e.id}`}>{e.type}</Link> <span className="muted">{when(e.occurredAt)}</span> <DeliveryCounts counts={e.deliveries} />
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
