// From/to fields of a list filter: datetime-local inputs (the browser's time zone) turned into ISO query values.
export interface Range {
  from: string;
  to: string;
}

/** The range as query parameters (ISO 8601, UTC); empty fields are left out. */
export function rangeParams(r: Range): Record<string, string> {
  const iso = (v: string) => (v ? new Date(v).toISOString() : '');
  return { ...(r.from ? { from: iso(r.from) } : {}), ...(r.to ? { to: iso(r.to) } : {}) };
}

export function TimeRangeFields({ value, onChange }: { value: Range; onChange(r: Range): void }) {
  return (
    <>
      <label>From <input type="datetime-local" step="1" value={value.from} onChange={(e) => onChange({ ...value, from: e.target.value })} /></label>
      <label>To <input type="datetime-local" step="1" value={value.to} onChange={(e) => onChange({ ...value, to: e.target.value })} /></label>
    </>
  );
}

/** A date-time as the viewer's locale shows it; a dash for none. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
