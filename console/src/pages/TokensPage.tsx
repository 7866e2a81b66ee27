// API tokens (admins only): list, create with a role — the value is shown once, right after creating — and revoke.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { Role, TokenInfo } from '../lib/types';
import { Loading, Problem } from '../components/Problem';
import { when } from '../components/TimeRange';
import { useSession } from '../session';
import './operations.css';

const ROLES: Role[] = ['admin', 'developer', 'operator', 'viewer', 'invoker'];

export default function TokensPage() {
  const { can } = useSession();
  if (!can('admin')) return <section><h1>Tokens</h1><p className="empty">Only an admin token can see and manage tokens.</p></section>;
  return <Tokens />;
}

function Tokens() {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const list = useQuery({ queryKey: ['tokens'], queryFn: () => api<{ items: TokenInfo[] }>('GET', '/api/tokens') });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['tokens'] });
  const create = useMutation({
    mutationFn: () => api<TokenInfo & { token: string }>('POST', '/api/tokens', { name: name.trim(), role }),
    onSuccess: async (t) => {
      setShown({ name: t.name, token: t.token });
      setName('');
      await refresh();
    },
  });
  const revoke = useMutation({ mutationFn: (id: string) => api('DELETE', `/api/tokens/${enc(id)}`), onSuccess: refresh });
  function submit(e: FormEvent) {
    e.preventDefault();
    setShown(null);
    create.mutate();
  }
  return (
    <section>
      <h1>Tokens</h1>
      <form className="card row" onSubmit={submit} aria-label="create a token">
        <label className="grow">Name <input name="token-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>Role <select name="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></label>
        <button type="submit" disabled={create.isPending}>Create token</button>
      </form>
      {shown && (
        <div className="once" role="status" data-testid="new-token">
          <strong>Token {shown.name}:</strong> <code>{shown.token}</code>
          <p>Copy it now: it is shown only this once.</p>
          <button type="button" className="link" onClick={() => setShown(null)}>I have copied it</button>
        </div>
      )}
      <Problem error={create.error ?? revoke.error ?? list.error} />
      {list.isPending ? <Loading what="tokens" /> : (list.data?.items.length ?? 0) === 0 ? <p className="empty">No tokens.</p> : (
        <div className="table-wrap">
          <table className="grid" data-testid="tokens">
            <thead><tr><th>Name</th><th>Role</th><th>Prefix</th><th>Created</th><th>Last used</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data!.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td><code>{t.prefix}</code></td>
                  <td>{when(t.createdAt)}</td>
                  <td>{when(t.lastUsedAt)}</td>
                  <td>{t.id === me?.tokenId ? <span className="muted">this session</span> : (
                    <button type="button" className="link" disabled={revoke.isPending} onClick={() => revoke.mutate(t.id)}>Revoke {t.name}</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
