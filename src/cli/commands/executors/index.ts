// `outrigger executors list|get|apply`: thin wrappers over the executors API.
import fs from 'node:fs';
import { CliError, clientFrom, parseJsonArg, type ClientOptions } from '../../client.js';
import type { CliIo } from '../../io.js';

export async function listExecutors(flags: ClientOptions, io: CliIo): Promise<number> {
  const r = await clientFrom(flags, io.env)('GET', '/api/executors');
  const rows = r.items as Array<{ name: string; type: string; activeVersion: number; latestVersion: number; description: string }>;
  if (!rows.length) {
    io.stdout('no executors\n');
    return 0;
  }
  const w = Math.max(4, ...rows.map((e) => e.name.length));
  io.stdout(`${'NAME'.padEnd(w)}  TYPE     VERSION  DESCRIPTION\n`);
  for (const e of rows) io.stdout(`${e.name.padEnd(w)}  ${e.type.padEnd(7)}  ${`${e.activeVersion}/${e.latestVersion}`.padEnd(7)}  ${e.description}\n`);
  return 0;
}

export async function getExecutor(name: string, flags: ClientOptions, io: CliIo): Promise<number> {
  const r = await clientFrom(flags, io.env)('GET', `/api/executors/${encodeURIComponent(name)}`);
  io.stdout(JSON.stringify(r, null, 2) + '\n');
  return 0;
}

/** Creates the executor or adds a version; the file holds one definition (or an array of them). */
export async function applyExecutors(flags: ClientOptions & { file: string; message?: string }, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = fs.readFileSync(flags.file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = parseJsonArg(text, flags.file);
  const defs = (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
  const call = clientFrom(flags, io.env);
  for (const def of defs) {
    if (!def || typeof def !== 'object' || typeof def.name !== 'string') throw new CliError(`${flags.file}: each definition needs a "name"`);
    const body = flags.message ? { ...def, message: flags.message } : def;
    const r = await call('PUT', `/api/executors/${encodeURIComponent(def.name)}`, body);
    const what = r.changed === false ? 'unchanged' : r.latestVersion === 1 ? 'created' : `version ${r.activeVersion}`;
    io.stdout(`${def.name}: ${what}\n`);
  }
  return 0;
}
