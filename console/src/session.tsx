// The signed-in session: the token (sessionStorage), who it is (/api/me), and what it may do.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, getToken, setToken } from './lib/api';
import type { Me } from './lib/types';

interface Session {
  me: Me | null;
  /** Whether the token carries a route permission ('executors:write', 'secrets:write', …). */
  can(permission: string): boolean;
  signIn(token: string): Promise<void>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(getToken() === null);
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!getToken()) return;
    api<Me>('GET', '/api/me')
      .then(setMe)
      .catch(() => setToken(null))
      .finally(() => setChecked(true));
  }, []);

  const session: Session = {
    me,
    can: (p) => Boolean(me?.permissions.includes(p)),
    async signIn(token) {
      const who = await api<Me>('GET', '/api/me', undefined, token);
      setToken(token);
      queryClient.clear();
      setMe(who);
    },
    signOut() {
      setToken(null);
      queryClient.clear();
      setMe(null);
    },
  };
  if (!checked) return <p className="muted">Signing in…</p>;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
