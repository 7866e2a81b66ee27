// Secrets: names only; set, replace and delete. A value is sent once and never shown or read back.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import { Loading, Problem } from '../components/Problem';
import { useSession } from '../session';

interface SecretInfo {
  name: string;
  updatedAt?: string;
}

export default function SecretsPage() {
  const { can } = useSession();
  const editable = can('secrets:write');
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const list = useQuery({ queryKey: ['secrets'], queryFn: () => api<{ items: SecretInfo[] }>('GET', '/api/secrets') });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['secrets'] });
  const put = useMutation({
    mutationFn: () => api('PUT', `/api/secrets/${enc(name.trim())}`, { value }),
    onSuccess: async () => {
      setName('');
      setValue('');
      await refresh();
    },
  });
  const del = useMutation({ mutationFn: (n: string) => api('DELETE', `/api/secrets/${enc(n)}`), onSuccess: refresh });

  function submit(e: FormEvent) {
    e.preventDefault();
    put.mutate();
  }

  return (
    <section>
      <h1>Secrets</h1>
      <p className="muted">Values are write-only: code reads them with <code>ctx.secret(name)</code>; the console never shows them.</p>
      {editable && (
        <form className="card row" onSubmit={submit} aria-label="set a secret">
          <label>Name <input name="secret-name" value={name} required onChange={(e) => setName(e.target.value)} /></label>
          <label className="grow">Value <input name="secret-value" type="password" autoComplete="off" value={value} required onChange={(e) => setValue(e.target.value)} /></label>
          <button type="submit" disabled={put.isPending}>Set secret</button>
        </form>
      )}
      <Problem error={put.error ?? del.error ?? list.error} />
      {list.isPending ? <Loading what="secrets" /> : (list.data?.items.length ?? 0) === 0 ? <p className="empty">No secrets yet.</p> : (
        <table className="grid" data-testid="secrets">
          <thead><tr><th>Name</th><th>Updated</th>{editable && <th><span className="sr-only">Actions</span></th>}</tr></thead>
          <tbody>
            {list.data!.items.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{s.updatedAt ? new Date(s.updatedAt).toLocaleString() : ''}</td>
                {editable && <td><button type="button" className="link" onClick={() => del.mutate(s.name)}>Delete {s.name}</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
