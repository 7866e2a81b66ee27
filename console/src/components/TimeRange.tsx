// From/to fields of a list filter: datetime-local inputs (the browser's time zone) turned into ISO query values.
import type { Range } from '../lib/time-range';

export { rangeParams, type Range } from '../lib/time-range';

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
