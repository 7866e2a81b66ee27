// The quick-start demo as it is kept in Git: examples/ (executor folders and bindings/*.json), read by the demo seed so
// that the demo and the examples cannot drift. apiCall URLs there point at the demo ERP of a default local server.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutorInput } from '../executors/definition.js';
import { listExecutorFolders, readExecutorFolder } from '../executors-folder/layout.js';

/** The repository's examples/ folder (two levels above both src/demo and dist/demo). */
export const EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
/** The origin the examples' apiCall URLs use; the seed swaps in the running server's own URL. */
export const EXAMPLES_ORIGIN = 'http://127.0.0.1:8080';

export interface ExamplesFolder {
  code: ExecutorInput[];
  apiCalls: ExecutorInput[];
  bindings: Record<string, Array<Record<string, unknown>>>;
}

/** Reads and validates every executor folder and binding file of examples/ (throws naming the file on a problem). */
export function readExamples(baseUrl: string, dir = EXAMPLES_DIR): ExamplesFolder {
  const out: ExamplesFolder = { code: [], apiCalls: [], bindings: {} };
  for (const name of listExecutorFolders(dir)) {
    const def = readExecutorFolder(dir, name).definition;
    if (def.apiCall) {
      out.apiCalls.push({ ...def, apiCall: { ...def.apiCall, url: def.apiCall.url.replace(EXAMPLES_ORIGIN, baseUrl) } } as ExecutorInput);
    } else {
      out.code.push(def as ExecutorInput);
    }
  }
  const bindingsDir = path.join(dir, 'bindings');
  for (const file of fs.readdirSync(bindingsDir).filter((f) => f.endsWith('.json')).sort()) {
    out.bindings[file.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(bindingsDir, file), 'utf8')) as Array<Record<string, unknown>>;
  }
  return out;
}
