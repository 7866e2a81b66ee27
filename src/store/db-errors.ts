// Tells "the database is away" (connection refused, cut off, restarting, timed out) from every other query error,
// as one retryable error class that the API answers with 503 and the background loops back off on.

/** The database could not be reached or dropped the connection; the same query may well succeed later. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly retryable = true;

  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Socket-level failures of the connection to the database server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean "not now" rather than "wrong query": class 08 (connection exception), 57P01–57P03
 * (admin/crash shutdown, cannot connect now: starting up or shutting down), 53300 (too many connections),
 * 57014 only when it is our own statement timeout (not a user cancel).
 */
function unavailableSqlState(code: string, message: string): boolean {
  if (code.startsWith('08')) return true;
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  return code === '57014' && /statement timeout/i.test(message);
}

/** Messages of the `pg` driver and pool for a dead, closing or never-established connection (they carry no code). */
const DRIVER_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /Cannot use a pool after calling end on the pool/i,
  /Query read timeout/i,
];

function isUnavailableLeaf(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code) && unavailableSqlState(code, message)) return true;
  if (!code && DRIVER_MESSAGES.some((re) => re.test(message))) return true;
  // Node reports a failed connect to a host with several addresses (localhost: ::1 and 127.0.0.1) as one AggregateError.
  if (Array.isArray(e.errors) && e.errors.length && e.errors.every((x) => isUnavailableLeaf(x))) return true;
  return false;
}

/** True when the error, or anything in its `cause` chain, says the database is unavailable. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (isUnavailableLeaf(e)) return true;
  }
  return false;
}

/** The error as a DatabaseUnavailableError when it is one (the original kept as the cause), else unchanged. */
export function asDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isDatabaseUnavailable(err)) return err;
  const message = (err as Error)?.message ?? String(err);
  return new DatabaseUnavailableError(`the database is unavailable: ${message}`, { cause: err });
}
