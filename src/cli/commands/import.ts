// `outrigger import <file|dir>`: sends exported reference-platform definitions to POST /api/import and prints the report.
import fs from 'node:fs';
import path from 'node:path';
import { CliError, clientFrom, type ClientOptions } from '../client.js';
import type { CliIo } from '../io.js';

const PARTS = ['executors', 'udfs', 'tools', 'agents', 'hooks'] as const;
type Doc = Partial<Record<(typeof PARTS)[number], unknown[]>>;

/**
 * Reads one export file, or every `*.json` of a folder (sorted, parts merged). A definition may name its source as
 * `codeFile` (relative to its JSON file) instead of inlining `code`; it is read here and sent as `code`, unchanged.
 */
export function readImportDocument(target: string): Doc {
  let files: string[];
  try {
    files = fs.statSync(target).isDirectory()
      ? fs.readdirSync(target).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(target, f))
      : [target];
  } catch (err) {
    throw new CliError(`cannot read ${target}: ${(err as Error).message}`);
  }
  if (!files.length) throw new CliError(`${target} holds no .json files`);
  const doc: Doc = {};
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CliError(`${file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${file}: must be an object with ${PARTS.join(', ')} (each a list)`);
    for (const [k, v] of Object.entries(parsed)) {
      if (!(PARTS as readonly string[]).includes(k)) throw new CliError(`${file}: /${k} is not a part of an export; the parts are ${PARTS.join(', ')}`);
      if (!Array.isArray(v)) throw new CliError(`${file}: /${k} must be a list`);
      const part = k as (typeof PARTS)[number];
      (doc[part] ??= []).push(...v.map((d) => inlineCode(d, path.dirname(file), file)));
    }
  }
  return doc;
}

/** Replaces `codeFile` (also of an inline executor under `executor`) by the file's text as `code`. */
function inlineCode(def: unknown, dir: string, file: string): unknown {
  if (!def || typeof def !== 'object' || Array.isArray(def)) return def;
  const o = { ...(def as Record<string, unknown>) };
  if (o.executor && typeof o.executor === 'object') o.executor = inlineCode(o.executor, dir, file);
  if (typeof o.codeFile === 'string') {
    try {
      o.code = fs.readFileSync(path.resolve(dir, o.codeFile), 'utf8');
    } catch (err) {
      throw new CliError(`${file}: codeFile ${o.codeFile}: ${(err as Error).message}`);
    }
    delete o.codeFile;
  }
  return o;
}

/** Imports and prints what was created and the report; exit 0 when imported (a refusal is a CliHttpError: exit 2 with its fields). */
export async function importCommand(target: string, flags: ClientOptions, io: CliIo): Promise<number> {
  const doc = readImportDocument(path.resolve(io.cwd, target));
  const r = await clientFrom(flags, io.env)('POST', '/api/import', doc);
  for (const [part, names] of Object.entries(r.created as Record<string, string[]>)) {
    if (names.length) io.stdout(`created ${part}: ${names.join(', ')}\n`);
  }
  for (const line of r.report.mapped as string[]) io.stdout(`mapped      ${line}\n`);
  for (const line of r.report.notMapped as string[]) io.stdout(`not mapped  ${line}\n`);
  return 0;
}
