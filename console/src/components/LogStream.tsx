// Log lines of a run as they arrive; the newest stays in view while the run goes on.
import { useEffect, useRef } from 'react';
import type { LogLine } from '../lib/types';

export function LogStream({ lines, running }: { lines: LogLine[]; running: boolean }) {
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [lines.length]);
  return (
    <div className="logs">
      <ol aria-label="logs" aria-live="polite" data-testid="logs">
        {lines.map((l, i) => (
          <li key={i} className={`log-${l.level}`}>
            <span className="muted">{l.ts.slice(11, 23)}</span> <span className="level">{l.level}</span> {l.message}
          </li>
        ))}
        <li ref={end} className="muted">{running ? 'running…' : lines.length === 0 ? 'no log lines' : ''}</li>
      </ol>
    </div>
  );
}
