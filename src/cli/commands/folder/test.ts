// `outrigger test [names...] --dir executors`: runs each folder's fixtures on this machine (the runner of `outrigger run`)
// or, with --remote, as draft runs on a server; text, TAP or JUnit reports; --watch reruns on every change.
import fs from 'node:fs';
import path from 'node:path';
import { CliError, CliHttpError, clientFrom, type ApiCall, type ClientOptions } from '../../client.js';
import { readAllFolders } from '../../folder/compare.js';
import { checkResult, readFixtures, FIXTURES_DIR, type Fixture, type TestRunResult } from '../../folder/fixtures.js';
import { FolderReadError } from '../../../executors-folder/folder-read-error.js';
import { FolderError, formatProblem, selectFolders, type FolderProblem, type LocalExecutor } from '../../../executors-folder/layout.js';
import { junitReporter, REPORTERS, tapReporter, textReporter, type FixtureOutcome, type Reporter, type ReporterName } from '../../folder/reporters.js';
import { FileStorage, readSecretsFile } from '../../local/local-host.js';
import { localSandbox, runLocal } from '../../local/local-runner.js';
import { closeLocalApiCalls } from '../../local/local-api-call.js';
import { validateAgainst } from '../../../util/json-schema.js';
import type { Sandbox } from '../../../executors/sandbox/index.js';
import type { CliIo } from '../../io.js';

export interface TestFlags extends ClientOptions {
  dir: string;
  reporter?: string;
  output?: string;
  remote?: boolean;
  secrets?: string;
  sandbox?: boolean;
  apiCalls?: boolean;
  watch?: boolean;
}

/** Runs one fixture and returns its result, or the reason it is skipped. */
type FixtureRunner = (local: LocalExecutor, fixture: Fixture) => Promise<TestRunResult | { skipped: string }>;

/** Reads every folder and fixture first: a bad one stops the run before anything executes. */
function plan(flags: TestFlags, names: string[]): Array<{ local: LocalExecutor; fixtures: Fixture[] }> {
  const locals = readAllFolders(flags.dir, selectFolders(flags.dir, names), 'no fixture was run');
  const problems: FolderProblem[] = [];
  const p = locals.map((local) => ({ local, fixtures: readFixtures(flags.dir, local.name, problems) }));
  if (problems.length) {
    const e = new FolderError(problems);
    e.message = `invalid fixture${problems.length > 1 ? 's' : ''}; no fixture was run:\n${problems.map((x) => `  ${formatProblem(x)}`).join('\n')}`;
    throw e;
  }
  if (!p.some((x) => x.fixtures.length)) throw new CliError(`no fixtures found (expected ${path.join(flags.dir, '<name>', FIXTURES_DIR, '*.json')})`);
  return p;
}

/** Draft runs on the server (`POST /api/executors/{name}/test`): the branch's code, nothing saved. */
function remoteRunner(call: ApiCall): FixtureRunner {
  return async (local, fixture) => {
    try {
      return (await call('POST', `/api/executors/${encodeURIComponent(local.name)}/test`, { input: fixture.input, draft: local.definition })) as TestRunResult;
    } catch (err) {
      // The server refused this run (e.g. a draft it rejects): a failed fixture, not a crashed run.
      if (!(err instanceof CliHttpError) || err.status !== 400) throw err;
      return { status: 'error', error: { code: 'DRAFT_REFUSED', message: `the server refused the run: ${err.message}` }, logs: [], durationMs: 0, executionId: '' };
    }
  };
}

/**
 * Runs on this machine with the runner of `outrigger run`; every fixture starts with empty storage. apiCall fixtures
 * send real requests, so they run only with --api-calls (their upstream reachable) or --remote; else they are skipped
 * (except those whose input the schema refuses: nothing is sent).
 */
function localRunner(flags: TestFlags, sandbox: Sandbox, io: CliIo): FixtureRunner {
  const secrets = flags.secrets ? readSecretsFile(flags.secrets) : new Map<string, string>();
  const url = io.env.OUTRIGGER_URL;
  return async (local, fixture) => {
    // An input the schema refuses never reaches the network, so such fixtures of apiCall executors run locally too.
    const def = local.definition;
    const sends = def.type === 'apiCall' && !(def.inputSchema && validateAgainst(def.inputSchema, fixture.input));
    if (sends && !flags.apiCalls) return { skipped: 'apiCall: sends a real request; run with --api-calls or --remote' };
    const r = await runLocal({
      dir: flags.dir, sandbox, secrets, storage: new FileStorage(null), emit: () => undefined, stderr: io.stderr,
      ...(url ? { api: { url, ...(io.env.OUTRIGGER_TOKEN ? { token: io.env.OUTRIGGER_TOKEN } : {}) } } : {}),
    }, local.name, fixture.input);
    return { status: r.status, output: r.output, ...(r.error ? { error: r.error } : {}), logs: r.logs, durationMs: r.durationMs, executionId: 'local' };
  };
}

function reporterFor(flags: TestFlags, io: CliIo): { reporter: Reporter; extra?: Reporter } {
  const name = (flags.reporter ?? 'text') as ReporterName;
  if (!REPORTERS.includes(name)) throw new CliError(`--reporter must be ${REPORTERS.join(', ')}; got "${flags.reporter}"`);
  if (flags.output && name !== 'junit') throw new CliError('--output is for --reporter junit (text and TAP go to stdout)');
  const out = io.stdout;
  if (name === 'text') return { reporter: textReporter(out) };
  if (name === 'tap') return { reporter: tapReporter(out) };
  // JUnit into a file keeps the human-readable progress on stdout (the CI log); without --output the XML is stdout.
  const file = flags.output;
  if (!file) return { reporter: junitReporter(out) };
  return { reporter: junitReporter((xml) => fs.writeFileSync(file, xml)), extra: textReporter(out) };
}

/** One pass over every fixture; returns 1 when any failed. */
async function runOnce(names: string[], flags: TestFlags, runFixture: FixtureRunner, io: CliIo): Promise<number> {
  const started = Date.now();
  const p = plan(flags, names);
  const { reporter, extra } = reporterFor(flags, io);
  const reporters = extra ? [reporter, extra] : [reporter];
  const total = p.reduce((n, x) => n + x.fixtures.length, 0);
  reporters.forEach((r) => r.begin(total));
  let n = 0;
  let failed = 0;
  let skipped = 0;
  for (const { local, fixtures } of p) {
    reporters.forEach((r) => r.executor(local.name, fixtures.length));
    for (const fixture of fixtures) {
      n++;
      const o: FixtureOutcome = { executor: local.name, file: fixture.file, failures: [] };
      const r = await runFixture(local, fixture);
      if ('skipped' in r) {
        o.skipped = r.skipped;
        skipped++;
      } else {
        o.result = r;
        o.failures = checkResult(fixture.expect, r);
      }
      if (o.failures.length) failed++;
      reporters.forEach((x) => x.fixture(n, o));
    }
  }
  const summary = { passed: total - failed - skipped, failed, skipped, total, executors: p.length, durationMs: Date.now() - started };
  reporters.forEach((r) => r.end(summary));
  return failed ? 1 : 0;
}

/** Reruns after every change below the folder (debounced), until interrupted; exits with the last run's code. */
async function watch(flags: TestFlags, pass: () => Promise<number>, io: CliIo): Promise<number> {
  let last = await pass();
  io.stdout(`\nwatching ${flags.dir} for changes (Ctrl-C to stop)\n`);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const watcher = fs.watch(flags.dir, { recursive: true });
  const output = flags.output ? path.resolve(flags.output) : undefined;
  return new Promise<number>((resolve) => {
    watcher.on('change', (_event, file) => {
      // The JUnit report written into the watched folder must not trigger the next run.
      if (output && file && path.resolve(flags.dir, String(file)) === output) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        running = running.then(async () => {
          io.stdout(`\n── change in ${file ? path.join(flags.dir, String(file)) : flags.dir}: running again ──\n`);
          try {
            last = await pass();
          } catch (err) {
            // A folder broken mid-edit is reported and watched on, not the end of the session.
            if (!(err instanceof CliError || err instanceof FolderReadError)) throw err;
            io.stdout(`${err.message}\n`);
            last = 2;
          }
        });
      }, 150);
    });
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      watcher.close();
      clearTimeout(timer);
      void running.then(() => resolve(last));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `outrigger test examples` and `outrigger test examples/format_eur` name folders by path: a directory of executor
 * folders becomes --dir, an executor folder its parent plus its name. Plain names stay names under --dir.
 */
function resolveFolderArgs(names: string[], flags: TestFlags): { names: string[]; flags: TestFlags } {
  if (names.length !== 1 || fs.existsSync(path.join(flags.dir, names[0]!, 'executor.json'))) return { names, flags };
  const arg = names[0]!;
  if (fs.existsSync(path.join(arg, 'executor.json'))) return { names: [path.basename(path.resolve(arg))], flags: { ...flags, dir: path.dirname(arg) } };
  if (fs.existsSync(arg) && fs.statSync(arg).isDirectory()) return { names: [], flags: { ...flags, dir: arg } };
  return { names, flags };
}

/** Runs every fixture of the named folders (default all), locally unless --remote; returns 1 when any fails. */
export async function test(args: string[], given: TestFlags, io: CliIo): Promise<number> {
  const { names, flags } = resolveFolderArgs(args, given);
  reporterFor(flags, io);
  if (flags.remote) {
    const runner = remoteRunner(clientFrom(flags, io.env));
    return flags.watch ? watch(flags, () => runOnce(names, flags, runner, io), io) : runOnce(names, flags, runner, io);
  }
  plan(flags, names);
  if (flags.sandbox === false) io.stderr('WARNING --no-sandbox: fixtures run as you, with your files, your network and no limits. Use it only for code you trust.\n');
  const sandbox = await localSandbox({ noSandbox: flags.sandbox === false, stderr: io.stderr });
  try {
    const runner = localRunner(flags, sandbox, io);
    return flags.watch ? await watch(flags, () => runOnce(names, flags, runner, io), io) : await runOnce(names, flags, runner, io);
  } finally {
    await sandbox.close();
    await closeLocalApiCalls();
  }
}
