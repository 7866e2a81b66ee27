// `outrigger push [names...] --dir executors [-m message] [--dry-run]`: creates or versions executors from folders.
import { CliHttpError, clientFrom, type ClientOptions } from '../../client.js';
import type { CliIo } from '../../io.js';
import { compareWithServer, readAllFolders } from '../../folder/compare.js';
import { selectFolders } from '../../../executors-folder/layout.js';

export interface PushFlags extends ClientOptions {
  dir: string;
  message?: string;
  dryRun?: boolean;
}

/**
 * Every folder is read and validated first: one bad folder stops the push before anything is sent.
 * Then each executor is PUT; one the server refuses is reported with its fields and files, the others still go.
 */
export async function push(names: string[], flags: PushFlags, io: CliIo): Promise<number> {
  const locals = readAllFolders(flags.dir, selectFolders(flags.dir, names), 'nothing was pushed');
  const call = clientFrom(flags, io.env);
  if (flags.dryRun) {
    for (const local of locals) {
      const c = await compareWithServer(call, local);
      const what = c.state === 'new' ? 'would be created' : c.state === 'unchanged' ? 'unchanged' : `would change (active version ${c.remoteVersion})`;
      io.stdout(`${local.name}: ${what}\n`);
    }
    return 0;
  }
  let failed = 0;
  for (const local of locals) {
    try {
      const body = { ...local.definition, ...(flags.message ? { message: flags.message } : {}) };
      const r = await call('PUT', `/api/executors/${encodeURIComponent(local.name)}`, body);
      const what = r.changed === false ? 'unchanged' : r.latestVersion === 1 ? 'created' : `version ${r.activeVersion}`;
      io.stdout(`${local.name}: ${what}\n`);
    } catch (err) {
      // Refusals of this executor's content are reported and the push goes on; anything else (unreachable, no permission) stops it.
      if (!(err instanceof CliHttpError) || (err.status !== 400 && err.status !== 409 && err.status !== 422)) throw err;
      failed++;
      const fields = err.errors.map((e) => `\n  ${local.fileOf(e.field)}: ${e.field} ${e.message}`).join('');
      io.stdout(`${local.name}: FAILED ${err.message.split('\n')[0]}${fields}\n`);
    }
  }
  if (failed) io.stderr(`outrigger: ${failed} of ${locals.length} executor${locals.length > 1 ? 's' : ''} failed to push\n`);
  return failed ? 1 : 0;
}
