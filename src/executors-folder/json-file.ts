// Deterministic JSON for files kept in Git, and JSON parsing whose errors name the file, line and column.
import fs from 'node:fs';
import { jsonErrorOffset } from './json-lines.js';
import { FolderReadError } from './folder-read-error.js';

/** Recursively sorts object keys, so that equal values are written identically. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** The text of a JSON file as Outrigger writes it: sorted keys, two-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/** Parses JSON text; a syntax error becomes a FolderReadError naming the file and the line and column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    // V8 reports "… at position N" (Node 20 and later); turn it into a line and column a person can find.
    const m = /at position (\d+)/.exec(message);
    // Some messages have no position ("Unexpected token '}', ... is not valid JSON"): the scanner finds it.
    const offset = m ? Number(m[1]) : jsonErrorOffset(text);
    const where = offset !== undefined ? ` at ${lineColumn(text, offset)}` : '';
    throw new FolderReadError(`${file}: invalid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '')}`);
  }
}

/** Reads a file as UTF-8 text, or undefined when it does not exist. */
export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FolderReadError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
