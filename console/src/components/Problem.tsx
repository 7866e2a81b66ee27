// Shows an API error in place: problem+json title, detail and field errors.
import { ApiError } from '../lib/api';

export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    return (
      <div className="problem" role="alert">
        <strong>{error.title}</strong>
        {error.detail && <span> — {error.detail}</span>}
        {error.errors.length > 0 && (
          <ul>
            {error.errors.map((e, i) => (
              <li key={i}>
                <code>{e.field ?? e.path ?? e.instancePath ?? ''}</code> {e.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  return <div className="problem" role="alert">{error instanceof Error ? error.message : String(error)}</div>;
}

export function Loading({ what }: { what: string }) {
  return <p className="muted" aria-busy="true">Loading {what}…</p>;
}
