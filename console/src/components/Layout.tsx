// Page frame: navigation, the workspace and role of the token, sign-out.
import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useSession } from '../session';

export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut, can } = useSession();
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Outrigger</span>
        <nav aria-label="main">
          <NavLink to="/executors">Executors</NavLink>
          <NavLink to="/executions">Executions</NavLink>
          <NavLink to="/bindings">Bindings</NavLink>
          <NavLink to="/secrets">Secrets</NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/events">Events</NavLink>
          <NavLink to="/tickets">Tickets</NavLink>
          <NavLink to="/storage">Storage</NavLink>
          {can('admin') && <NavLink to="/tokens">Tokens</NavLink>}
        </nav>
        <span className="who" data-testid="who">
          {me?.workspace.name} · <span className={`role role-${me?.role}`}>{me?.role}</span>
        </span>
        <button type="button" className="link" onClick={signOut}>Sign out</button>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
