// Compares local executor folders with the server's active versions: what push would do, and the file diffs.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { contentHash, type ExecutorDefinition } from '../../executors/definition.js';
import { CliHttpError, type ApiCall } from '../client.js';
import { definitionToFiles, FolderError, formatProblem, readExecutorFolder, type FolderProblem, type LocalExecutor } from '../../executors-folder/layout.js';

/** What push would do with one executor. */
export interface Comparison {
  local: LocalExecutor;
  /** The server's active definition, or null when the executor does not exist there. */
  remote: ExecutorDefinition | null;
  remoteVersion: number | null;
  state: 'new' | 'changed' | 'unchanged';
}

/** Reads every named folder; any problem in any folder throws them all together, before anything is sent. */
export function readAllFolders(dir: string, names: string[], what: string): LocalExecutor[] {
  const problems: FolderProblem[] = [];
  const locals: LocalExecutor[] = [];
  for (const name of names) {
    try {
      locals.push(readExecutorFolder(dir, name));
    } catch (err) {
      if (!(err instanceof FolderError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length) {
    const e = new FolderError(problems);
    e.message = `invalid executor folder${problems.length > 1 ? 's' : ''}; ${what}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
    throw e;
  }
  return locals;
}

/** Fetches the active version of the local executor's counterpart and compares content hashes. */
export async function compareWithServer(call: ApiCall, local: LocalExecutor): Promise<Comparison> {
  let r: { definition: ExecutorDefinition; version: { version: number } };
  try {
    r = await call('GET', `/api/executors/${encodeURIComponent(local.name)}`);
  } catch (err) {
    if (err instanceof CliHttpError && err.status === 404) return { local, remote: null, remoteVersion: null, state: 'new' };
    throw err;
  }
  const same = contentHash(r.definition) === contentHash(local.definition);
  return { local, remote: r.definition, remoteVersion: r.version.version, state: same ? 'unchanged' : 'changed' };
}

/** A unified diff per changed file, from the server's version (a/) to the folder's (b/), as git shows it. */
export function unifiedDiff(c: Comparison): string {
  const before = c.remote ? definitionToFiles(c.remote) : new Map<string, string>();
  const after = definitionToFiles(c.local.definition);
  const files = [...new Set([...before.keys(), ...after.keys()])].sort();
  let out = '';
  for (const file of files) {
    const a = before.get(file);
    const b = after.get(file);
    if (a === b) continue;
    out += createTwoFilesPatch(
      a === undefined ? '/dev/null' : `a/${c.local.name}/${file}`,
      b === undefined ? '/dev/null' : `b/${c.local.name}/${file}`,
      a ?? '', b ?? '', undefined, undefined, { headerOptions: FILE_HEADERS_ONLY },
    );
  }
  return out;
}
