// A list filter's time range: datetime-local values (local time) as ISO 8601 query parameters.
export interface Range {
  from: string;
  to: string;
}

/** The range as query parameters (ISO 8601, UTC); empty fields are left out. */
export function rangeParams(r: Range): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['from', 'to'] as const) {
    // A field the browser could not read as a date-time is left out rather than sent as garbage.
    const ms = r[k] ? new Date(r[k]).getTime() : NaN;
    if (!Number.isNaN(ms)) out[k] = new Date(ms).toISOString();
  }
  return out;
}
