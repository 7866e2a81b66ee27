// Sign-in with an API token; the token stays in this browser tab's session storage only.
import { useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Problem } from '../components/Problem';

export function SignIn() {
  const { signIn } = useSession();
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <h1>Outrigger</h1>
      <form onSubmit={submit} className="card">
        <label htmlFor="token">API token</label>
        <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setTokenText(e.target.value)} required />
        <p className="muted">Kept in this tab only (session storage). The bootstrap admin token is OUTRIGGER_ADMIN_TOKEN.</p>
        <Problem error={error} />
        <button type="submit" disabled={busy || !token.trim()}>Sign in</button>
      </form>
    </main>
  );
}
