// Vitest global setup: checks once per run whether dist/ (what bin/outrigger.js executes) is built from the current src/.
// It never builds: `npm test` builds before vitest, and a build in the middle of a run would swap dist/ under the tests
// that execute it. Tests that spawn the binary call requireBuiltDist() (test/setup/require-dist.ts), which fails them
// with the message below; tests that do not need dist/ run either way.
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why dist/ cannot be used (missing or older than src/), or '' when it is current. */
    distProblem: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY = path.join(ROOT, 'dist/cli/index.js');

/** The newest modification time of the sources tsc compiles into dist/ (src/**\/*.ts without tests), and its file. */
function newestSource(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const n = e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? { file: p, mtimeMs: fs.statSync(p).mtimeMs } : newest;
    if (n.mtimeMs > newest.mtimeMs) newest = n;
  }
  return newest;
}

/** Why dist/ is unusable, or '' when it is current. */
export function distProblem(): string {
  if (!fs.existsSync(ENTRY)) return 'dist/ is not built (dist/cli/index.js is missing): run `npm run build` before vitest (`npm test` does)';
  const built = fs.statSync(ENTRY).mtimeMs;
  const src = newestSource(path.join(ROOT, 'src'));
  if (src.mtimeMs > built) {
    return `dist/ is older than ${path.relative(ROOT, src.file)}: run \`npm run build\` before vitest (\`npm test\` does); the binary would run stale code`;
  }
  return '';
}

export default function setup(project: TestProject): void {
  project.provide('distProblem', distProblem());
}
