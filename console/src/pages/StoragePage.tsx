// Storage browser: keys by prefix, one JSON value to view, edit (with a TTL) or delete, and new keys.
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { StorageObject } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { when } from '../components/TimeRange';
import { useSession } from '../session';
import { parseJsonValue } from '../lib/json-value';
import './operations.css';

export default function StoragePage() {
  const { can } = useSession();
  const editable = can('storage:write');
  const queryClient = useQueryClient();
  const [prefix, setPrefix] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['storage', prefix],
    queryFn: () => api<{ items: StorageObject[]; nextCursor: string | null }>('GET', `/api/storage?limit=200${prefix ? `&prefix=${enc(prefix)}` : ''}`),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['storage'] });
  const items = list.data?.items ?? [];
  return (
    <section>
      <div className="page-head">
        <h1>Storage</h1>
        {editable && <button type="button" className="link" onClick={() => { setCreating(true); setSelected(null); }}>New key</button>}
      </div>
      <div className="filters"><label>Prefix <input type="search" name="storage-prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} /></label></div>
      <Problem error={list.error} />
      <div className="split">
        <div>
          {list.isPending ? <Loading what="storage" /> : items.length === 0 ? <p className="empty">{prefix ? 'No key has this prefix.' : 'Storage is empty.'}</p> : (
            <div className="table-wrap">
              <table className="grid" data-testid="storage">
                <thead><tr><th>Key</th><th>Expires</th><th>Updated</th></tr></thead>
                <tbody>
                  {items.map((o) => (
                    <tr key={o.key} aria-selected={o.key === selected}>
                      <td><button type="button" className="link" onClick={() => { setSelected(o.key); setCreating(false); }}>{o.key}</button></td>
                      <td>{when(o.expiresAt)}</td>
                      <td>{when(o.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {list.data?.nextCursor && <p className="muted">Showing the first {items.length} keys; narrow the prefix to see others.</p>}
            </div>
          )}
        </div>
        <div>
          {creating && editable && <ValueEditor key="new" editable onSaved={async (k) => { await refresh(); setCreating(false); setSelected(k); }} onDeleted={refresh} />}
          {selected && <SelectedValue key={selected} storageKey={selected} editable={editable} onSaved={refresh} onDeleted={async () => { setSelected(null); await refresh(); }} />}
          {!creating && !selected && <p className="muted">Select a key to see its value.</p>}
        </div>
      </div>
    </section>
  );
}

function SelectedValue({ storageKey, editable, onSaved, onDeleted }: { storageKey: string; editable: boolean; onSaved(k: string): Promise<unknown>; onDeleted(): Promise<unknown> }) {
  const q = useQuery({ queryKey: ['storage-object', storageKey], queryFn: () => api<StorageObject>('GET', `/api/storage/${enc(storageKey)}`) });
  if (q.isPending) return <Loading what="value" />;
  if (q.error) return <Problem error={q.error} />;
  return <ValueEditor object={q.data} editable={editable} onSaved={onSaved} onDeleted={onDeleted} />;
}

function ValueEditor({ object, editable, onSaved, onDeleted }: { object?: StorageObject; editable: boolean; onSaved(k: string): Promise<unknown>; onDeleted(): Promise<unknown> }) {
  const queryClient = useQueryClient();
  const [key, setKey] = useState(object?.key ?? '');
  const [text, setText] = useState(object ? JSON.stringify(object.value, null, 2) : '{}');
  const [ttl, setTtl] = useState('');
  useEffect(() => setText(object ? JSON.stringify(object.value, null, 2) : '{}'), [object]);
  const parsed = parseJsonValue(text);
  const save = useMutation({
    mutationFn: () => api<StorageObject>('PUT', `/api/storage/${enc(key.trim())}`, { value: parsed.ok ? parsed.value : null, ...(ttl ? { ttlSeconds: Number(ttl) } : {}) }),
    onSuccess: async (o) => {
      queryClient.setQueryData(['storage-object', o.key], o);
      setTtl('');
      await onSaved(o.key);
    },
  });
  const del = useMutation({ mutationFn: () => api('DELETE', `/api/storage/${enc(key)}`), onSuccess: onDeleted });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (parsed.ok) save.mutate();
  }
  return (
    <form className="card" onSubmit={submit} aria-label="storage value" data-testid="storage-value">
      {object ? <h2>{object.key}</h2> : <label>Key <input name="storage-key" required value={key} onChange={(e) => setKey(e.target.value)} /></label>}
      {object && <p className="muted">Updated {when(object.updatedAt)} · expires {object.expiresAt ? when(object.expiresAt) : 'never'}</p>}
      <label>Value (JSON)
        <textarea className="json" name="storage-json" value={text} readOnly={!editable} aria-invalid={!parsed.ok} aria-describedby="storage-json-problem" onChange={(e) => setText(e.target.value)} />
      </label>
      <p id="storage-json-problem" className={parsed.ok ? 'ok' : 'field-error'}>{parsed.ok ? 'valid JSON' : parsed.message}</p>
      {editable && (
        <div className="row">
          <label>TTL in seconds (empty: keep none) <input name="storage-ttl" type="number" min={1} value={ttl} onChange={(e) => setTtl(e.target.value)} /></label>
          <button type="submit" disabled={!parsed.ok || save.isPending}>Save value</button>
          {object && <button type="button" className="link" disabled={del.isPending} onClick={() => del.mutate()}>Delete {object.key}</button>}
        </div>
      )}
      <Problem error={save.error ?? del.error} />
    </form>
  );
}
