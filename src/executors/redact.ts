// Removes secret values from anything an execution records or returns, and caps stored sizes.

export const REDACTED = '[REDACTED]';
/** Values shorter than this are not redacted: replacing every "1" or "ab" would garble records and protect nothing. */
const MIN_SECRET_LENGTH = 4;

/** The forms of each secret worth hiding: as is, URL-encoded and JSON-escaped. */
export function redactionNeedles(values: Iterable<string>): string[] {
  const needles = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_SECRET_LENGTH) continue;
    needles.add(v);
    needles.add(encodeURIComponent(v));
    needles.add(JSON.stringify(v).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...needles].sort((a, b) => b.length - a.length);
}

export function redactText(text: string, needles: readonly string[]): string {
  let out = text;
  for (const n of needles) if (out.includes(n)) out = out.split(n).join(REDACTED);
  return out;
}

/** Deep copy of a JSON value with every string (and key) redacted. */
export function redactValue<T>(value: T, needles: readonly string[]): T {
  if (needles.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, needles);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactText(k, needles)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** JSON text of a value for storage, replaced by a truncation marker past the cap. */
export function capJson(value: unknown, capBytes: number): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= capBytes) return text;
  return JSON.stringify({ _truncated: true, bytes: Buffer.byteLength(text), preview: text.slice(0, Math.max(0, capBytes - 200)) });
}
