// Side-by-side diff rows of two texts (line diff from `diff`): changed lines paired, unchanged ones on both sides.
import { diffLines } from 'diff';

export interface DiffRow {
  left: { n: number; text: string } | null;
  right: { n: number; text: string } | null;
  kind: 'same' | 'changed' | 'removed' | 'added';
}

function splitLines(value: string): string[] {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Rows for a two-column view: a removed block next to the added block that replaced it. */
export function diffRows(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let l = 1;
  let r = 1;
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const lines = splitLines(part.value);
    if (!part.added && !part.removed) {
      for (const text of lines) rows.push({ left: { n: l++, text }, right: { n: r++, text }, kind: 'same' });
      continue;
    }
    if (part.removed && parts[i + 1]?.added) {
      const added = splitLines(parts[i + 1]!.value);
      for (let k = 0; k < Math.max(lines.length, added.length); k++) {
        const a = lines[k];
        const b = added[k];
        rows.push({
          left: a === undefined ? null : { n: l++, text: a },
          right: b === undefined ? null : { n: r++, text: b },
          kind: a !== undefined && b !== undefined ? 'changed' : a !== undefined ? 'removed' : 'added',
        });
      }
      i++;
      continue;
    }
    for (const text of lines) {
      if (part.removed) rows.push({ left: { n: l++, text }, right: null, kind: 'removed' });
      else rows.push({ left: null, right: { n: r++, text }, kind: 'added' });
    }
  }
  return rows;
}
