// Last line of defence for the server process: an exception or rejection that escaped every handler is logged and
// counted (outrigger_uncaught_errors_total on /metrics) instead of ending the process for every workspace.
// Every stream, socket and child-process handler is meant to catch its own errors; a count above 0 is a bug to fix.

export type EscapeKind = 'exception' | 'rejection';

const counts: Record<EscapeKind, number> = { exception: 0, rejection: 0 };
let installed = false;

/** How many errors escaped to the process level since start, by kind. */
export function escapedErrors(): Readonly<Record<EscapeKind, number>> {
  return counts;
}

/** Installs the process-level handlers once; `log` receives each escaped error (it must not throw). */
export function installProcessGuard(log: (kind: EscapeKind, err: unknown) => void): void {
  if (installed) return;
  installed = true;
  const record = (kind: EscapeKind) => (err: unknown) => {
    counts[kind]++;
    try {
      log(kind, err);
    } catch {
      // logging failed (closed stream): the count still shows it
    }
  };
  process.on('uncaughtException', record('exception'));
  process.on('unhandledRejection', record('rejection'));
}
