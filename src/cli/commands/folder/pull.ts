// `outrigger pull [names...] --dir executors [--version N]`: writes executors from the server into folders (for Git).
import fs from 'node:fs';
import path from 'node:path';
import { CliError, clientFrom, type ClientOptions } from '../../client.js';
import type { CliIo } from '../../io.js';
import { writeExecutorFolder } from '../../../executors-folder/layout.js';
import { BINDINGS_DIR, writeBindingsFolder } from '../../folder/bindings.js';
import { fetchRemoteBindings } from '../../folder/plan.js';
import type { ExecutorDefinition } from '../../../executors/definition.js';

export interface PullFlags extends ClientOptions {
  dir: string;
  version?: string;
}

/** Writes the active version (or `--version N` of one executor) of each named executor, default all executors and every binding. */
export async function pull(names: string[], flags: PullFlags, io: CliIo): Promise<number> {
  let version: number | undefined;
  if (flags.version !== undefined) {
    version = Number(flags.version);
    if (!Number.isInteger(version) || version < 1) throw new CliError(`--version must be a positive integer, got "${flags.version}"`);
    if (names.length !== 1) throw new CliError('--version needs exactly one executor name');
  }
  const call = clientFrom(flags, io.env);
  const selected = names.length ? names : ((await call('GET', '/api/executors')).items as Array<{ name: string }>).map((e) => e.name);
  if (!selected.length) io.stdout('no executors on the server\n');
  for (const name of selected) {
    const path_ = `/api/executors/${encodeURIComponent(name)}${version ? `/versions/${version}` : ''}`;
    const r = (await call('GET', path_)) as { definition: ExecutorDefinition; version: { version: number } };
    const changed = writeExecutorFolder(flags.dir, r.definition);
    const what = changed.length ? `wrote ${changed.map((f) => (f.startsWith('-') ? `removed ${f.slice(1)}` : f)).join(', ')}` : 'up to date';
    io.stdout(`${name}: version ${r.version.version} → ${path.join(flags.dir, name)} (${what})\n`);
  }
  if (!names.length) {
    const remote = await fetchRemoteBindings(call);
    const count = [...remote.values()].reduce((n, l) => n + l.length, 0);
    // No bindings anywhere: no bindings/ folder either (push leaves the bindings alone without one).
    if (!count && !fs.existsSync(path.join(flags.dir, BINDINGS_DIR))) return 0;
    const changed = writeBindingsFolder(flags.dir, remote);
    const what = changed.length ? `wrote ${changed.map((f) => (f.startsWith('-') ? `removed ${f.slice(1)}` : f)).join(', ')}` : 'up to date';
    io.stdout(`bindings: ${count} → ${path.join(flags.dir, 'bindings')} (${what})\n`);
  }
  return 0;
}
