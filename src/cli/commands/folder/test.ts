// `outrigger test [names...] --dir executors [--reporter text|tap]`: runs each folder's fixtures against its local definition.
import path from 'node:path';
import { CliError, CliHttpError, clientFrom, type ClientOptions } from '../../client.js';
import { readAllFolders } from '../../folder/compare.js';
import { checkResult, readFixtures, FIXTURES_DIR, type Fixture, type TestRunResult } from '../../folder/fixtures.js';
import { FolderError, formatProblem, selectFolders, type FolderProblem, type LocalExecutor } from '../../folder/layout.js';

export interface TestFlags extends ClientOptions {
  dir: string;
  reporter?: string;
}

interface Outcome {
  local: LocalExecutor;
  fixture: Fixture;
  failures: string[];
  result?: TestRunResult;
}

const MAX_LOG_LINES = 20;

/** The part of a failed run worth showing: its last log lines. */
function logExcerpt(r: TestRunResult | undefined): string[] {
  const logs = r?.logs ?? [];
  if (!logs.length) return [];
  const shown = logs.slice(-MAX_LOG_LINES).map((l) => `  [${l.level}] ${l.message}`);
  return [`logs${logs.length > MAX_LOG_LINES ? ` (last ${MAX_LOG_LINES} of ${logs.length})` : ''}:`, ...shown];
}


/**
 * Sends each fixture's input with the folder's definition as the draft (`POST /api/executors/{name}/test`),
 * so CI tests the code of the branch, not the deployed version. Returns 1 when any fixture fails.
 */
export async function test(names: string[], flags: TestFlags): Promise<number> {
  const reporter = flags.reporter ?? 'text';
  if (reporter !== 'text' && reporter !== 'tap') throw new CliError(`--reporter must be text or tap, got "${reporter}"`);
  const locals = readAllFolders(flags.dir, selectFolders(flags.dir, names), 'no fixture was run');
  const problems: FolderProblem[] = [];
  const plan = locals.map((local) => ({ local, fixtures: readFixtures(flags.dir, local.name, problems) }));
  if (problems.length) {
    const e = new FolderError(problems);
    e.message = `invalid fixture${problems.length > 1 ? 's' : ''}; no fixture was run:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
    throw e;
  }
  const total = plan.reduce((n, p) => n + p.fixtures.length, 0);
  if (!total) throw new CliError(`no fixtures found (expected ${path.join(flags.dir, '<name>', FIXTURES_DIR, '*.json')})`);
  const call = clientFrom(flags);
  const out = (s: string) => process.stdout.write(s);
  if (reporter === 'tap') out(`TAP version 14\n1..${total}\n`);
  let n = 0;
  let failed = 0;
  for (const { local, fixtures } of plan) {
    if (reporter === 'text') out(fixtures.length ? `${local.name}\n` : `${local.name}: no fixtures\n`);
    else if (!fixtures.length) out(`# ${local.name}: no fixtures\n`);
    for (const fixture of fixtures) {
      n++;
      const o: Outcome = { local, fixture, failures: [] };
      try {
        o.result = (await call('POST', `/api/executors/${encodeURIComponent(local.name)}/test`, { input: fixture.input, draft: local.definition })) as TestRunResult;
        o.failures = checkResult(fixture.expect, o.result);
      } catch (err) {
        // The server refused this run (e.g. a draft it rejects): a failed fixture, not a crashed run.
        if (!(err instanceof CliHttpError) || err.status !== 400) throw err;
        o.failures = [`the server refused the run: ${err.message}`];
      }
      if (o.failures.length) failed++;
      report(reporter, n, o, out);
    }
  }
  const passed = total - failed;
  if (reporter === 'tap') out(`# pass ${passed}\n# fail ${failed}\n`);
  else out(`\n${passed} passed, ${failed} failed (${total} fixture${total > 1 ? 's' : ''} of ${plan.length} executor${plan.length > 1 ? 's' : ''})\n`);
  return failed ? 1 : 0;
}

function report(reporter: string, n: number, o: Outcome, out: (s: string) => void): void {
  const fileName = path.join(FIXTURES_DIR, path.basename(o.fixture.file));
  const timing = o.result ? ` (${Math.round(o.result.durationMs)} ms)` : '';
  const details = o.failures.length ? [...o.failures.flatMap((f) => f.replace(/\n$/, '').split('\n')), ...logExcerpt(o.result), ...(o.result ? [`execution: ${o.result.executionId}`] : [])] : [];
  if (reporter === 'tap') {
    out(`${o.failures.length ? 'not ok' : 'ok'} ${n} - ${o.local.name} ${fileName}${timing}\n`);
    if (details.length) out(`  ---\n  message: |-\n${details.map((l) => `    ${l}`).join('\n')}\n  ...\n`);
    return;
  }
  out(`  ${o.failures.length ? 'FAIL' : 'PASS'} ${fileName}${timing}\n`);
  if (details.length) out(details.map((l) => `       ${l}\n`).join(''));
}
