// `outrigger diff [names...] --dir executors`: what push would change, as unified diffs; exit 1 when anything differs (for CI).
import { clientFrom, type ClientOptions } from '../../client.js';
import type { CliIo } from '../../io.js';
import { compareWithServer, readAllFolders, unifiedDiff } from '../../folder/compare.js';
import { selectFolders } from '../../../executors-folder/layout.js';

/** Prints a diff per changed file from the server's active version to the folder; returns 1 when there are differences. */
export async function diff(names: string[], flags: ClientOptions & { dir: string }, io: CliIo): Promise<number> {
  const locals = readAllFolders(flags.dir, selectFolders(flags.dir, names), 'nothing compared');
  const call = clientFrom(flags, io.env);
  const differing: string[] = [];
  for (const local of locals) {
    const c = await compareWithServer(call, local);
    if (c.state === 'unchanged') continue;
    differing.push(`${local.name} (${c.state === 'new' ? 'new' : `changed from version ${c.remoteVersion}`})`);
    io.stdout(unifiedDiff(c));
  }
  io.stdout(differing.length
    ? `${differing.length} of ${locals.length} executor${locals.length > 1 ? 's' : ''} would change: ${differing.join(', ')}\n`
    : `no differences (${locals.length} executor${locals.length > 1 ? 's' : ''})\n`);
  return differing.length ? 1 : 0;
}
