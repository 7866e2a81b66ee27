// The `outrigger` command line as a function: serve, invoke, executors, pull/push/diff/test/run of executor folders;
// thin wrappers over the API. runCli never exits the process: it resolves to the exit code (bin/outrigger.js exits).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config.js';
import { CliError } from './client.js';
import { FolderReadError } from '../executors-folder/folder-read-error.js';
import type { CliIo } from './io.js';
import { serve } from './commands/serve.js';
import { invoke } from './commands/invoke.js';
import { applyExecutors, getExecutor, listExecutors } from './commands/executors/index.js';
import { VERSION } from '../version.js';
import { pull } from './commands/folder/pull.js';
import { push } from './commands/folder/push.js';
import { diff } from './commands/folder/diff.js';
import { test } from './commands/folder/test.js';
import { run } from './commands/folder/run.js';
import { init } from './commands/folder/init.js';

const FOLDER_LAYOUT = `
Folder layout (one folder per executor, for Git):
  <dir>/<name>/executor.json     the definition without source and dependencies: name, description, type,
                                 inputSchema, outputSchema, timeoutMs, code {language, mode, memoryMb, egress}
                                 or apiCall {method, url, headers, signingSecret}
  <dir>/<name>/main.py | main.mjs | main.php                  the source (code executors)
  <dir>/<name>/requirements.txt | package.json | composer.json the dependencies (when not empty)
  <dir>/bindings/<kind>.json     every binding of a kind as a JSON array sorted by name (kinds: udfs, webhooks,
                                 recognition-sources, ai-tools, agents, event-hooks, smart-agents); secrets by name only
  <dir>/<name>/tests/*.json      fixtures for \`outrigger test\`:
      {"input": {...}, "expect": {"status": "ok", "output": ...}}   output compared deeply
      {"input": {...}, "expect": {"status": "ok", "outputContains": {...}}}   objects may hold more keys
      {"input": {...}, "expect": {"status": "error", "code": "INPUT_INVALID", "messageContains": "..."}}
JSON files are written with sorted keys, 2-space indent and a trailing newline.
pull, push, diff and test --remote need a server: --url / OUTRIGGER_URL and a developer token (--token / OUTRIGGER_TOKEN).
Exit codes: 0 success, 1 differences or failures (diff, push, test), 2 usage or input errors.`;

/** An option's port value (1-65535). */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('not a port from 1 to 65535 (write the folder first: run <folder> --inspect <port>)');
  return port;
}

/**
 * Builds a fresh program for one run (commander keeps parsed values on its commands). Each action stores the
 * command's exit code through `done`.
 */
function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('outrigger').version(VERSION).description('Run custom code for a customer-service platform')
    // Options after a command name belong to that command (`pull x --version 3` is not the program's --version).
    .enablePositionalOptions()
    // Help, version and usage errors throw a CommanderError instead of exiting; runCli turns it into the exit code.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // Subcommands copy these settings from their parent when they are created (commander's copyInheritedSettings).
  const withClient = (c: Command) => c.option('--url <url>', 'server URL (env OUTRIGGER_URL)').option('--token <token>', 'API token (env OUTRIGGER_TOKEN)');

  program.command('serve').description('start the server')
    .option('-p, --port <port>', 'port (env PORT, default 8080)')
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'data directory (env OUTRIGGER_DATA_DIR, default ./data)')
    .option('--demo', 'serve the demo ERP and seed demo executors')
    .option('--role <role>', 'all | api | worker (env OUTRIGGER_ROLE)')
    .option('--lease-ms <ms>', 'lease of a claimed event delivery (env OUTRIGGER_LEASE_MS, default 15000)')
    .option('--heartbeat-ms <ms>', 'node heartbeat interval; 3 missed beats = dead (env OUTRIGGER_HEARTBEAT_MS, default 2000)')
    .option('--affinity-steal-ms <ms>', 'a sync job for an executor warm on another worker waits this long before any worker takes it (env OUTRIGGER_AFFINITY_STEAL_MS, default 25)')
    .option('--reap-interval-ms <ms>', 'how often dead workers\' deliveries are looked for (env OUTRIGGER_REAP_INTERVAL_MS, default 2000)')
    .option('--max-in-flight <n>', 'event deliveries one worker runs at once (env OUTRIGGER_MAX_IN_FLIGHT, default 64)')
    .option('--workspace-max-in-flight <n>', 'of those, one workspace at most (env OUTRIGGER_WORKSPACE_MAX_IN_FLIGHT, default half)')
    .option('--pg-pool-size <n>', 'PostgreSQL connections of this process (env OUTRIGGER_PG_POOL_SIZE, default 10)')
    .option('--pg-statement-timeout-ms <ms>', 'server-side limit per SQL statement, 0: none (env OUTRIGGER_PG_STATEMENT_TIMEOUT_MS)')
    .option('--sandbox-max-workers <n>', 'sandboxed workers of this process (env OUTRIGGER_SANDBOX_MAX_WORKERS)')
    .action(async (flags) => done(await serve(flags, io)));

  withClient(program.command('invoke <executor>').description('invoke an executor’s active version')
    .option('-i, --input <json>', 'input object as JSON', '{}'))
    .action(async (name, flags) => done(await invoke(name, flags, io)));

  const executors = program.command('executors').description('manage executors');
  withClient(executors.command('list').description('list executors')).action(async (flags) => done(await listExecutors(flags, io)));
  withClient(executors.command('get <name>').description('show an executor with its active definition')).action(async (name, flags) => done(await getExecutor(name, flags, io)));
  withClient(executors.command('apply').description('create or update executors from a JSON file')
    .requiredOption('-f, --file <file>', 'JSON file with one definition or an array')
    .option('-m, --message <message>', 'version message'))
    .action(async (flags) => done(await applyExecutors(flags, io)));

  const folderCommand = (c: Command) => withClient(c.option('--dir <dir>', 'the executors folder', 'executors')).addHelpText('after', FOLDER_LAYOUT);

  folderCommand(program.command('pull [names...]').description('write executors (default: all, and then every binding into <dir>/bindings/) from the server into <dir>/<name>/ (the active version)')
    .option('--version <n>', 'write this version instead of the active one (one executor only)'))
    .action(async (names: string[], flags) => done(await pull(names, flags, io)));
  folderCommand(program.command('push [names...]').description('create or version executors (default: every folder in <dir>, then <dir>/bindings/) from their folders; the whole folder is checked first; prints created / unchanged / version N')
    .option('-m, --message <message>', 'version message (default: the Git HEAD commit, "subject (hash)")')
    .option('--prune', 'delete executors and bindings that exist only on the server (without it they are listed and kept)')
    .option('--dry-run', 'show what would be created or changed, change nothing'))
    .action(async (names: string[], flags) => done(await push(names, flags, io)));
  folderCommand(program.command('diff [names...]').description('show what push would change (executors and bindings) as unified diffs and list what exists only on the server; exit 1 when anything differs, 0 when nothing does'))
    .action(async (names: string[], flags) => done(await diff(names, flags, io)));
  folderCommand(program.command('test [names...]').description('run each folder\'s tests/*.json fixtures on this machine (the sandbox of `outrigger run`, no server) or with --remote as draft runs on a server; exit 1 on any failure')
    .option('--reporter <reporter>', 'text | tap | junit', 'text')
    .option('-o, --output <file>', 'write the JUnit report to this file (text progress stays on stdout)')
    .option('--remote', 'run the fixtures on the server (--url, --token) instead of locally')
    .option('--secrets <file>', '.env-style file of secrets for local runs')
    .option('--api-calls', 'run the fixtures of apiCall executors locally too (they send real requests; skipped otherwise)')
    .option('--no-sandbox', 'local runs without isolation (machines without bubblewrap)')
    .option('-w, --watch', 'run again whenever a file in <dir> changes'))
    .action(async (names: string[], flags) => done(await test(names, flags, io)));

  program.command('init <name>').description('scaffold an executor folder <dir>/<name>/ with a handler, a passing fixture and editor settings that find the SDK types')
    .requiredOption('-l, --language <language>', 'python | node | php')
    .option('--dir <dir>', 'the executors folder', 'executors')
    .action(async (name: string, flags) => done(await init(name, flags, io)));
  program.command('run <folder>').description('run one executor folder on this machine in the real sandbox, without a server: output on stdout, logs and timing on stderr; exit 0 ok, 1 error')
    .option('-i, --input <json-or-file>', 'input object as JSON text or a JSON file', '{}')
    .option('--secrets <file>', '.env-style file of secrets (NAME=value per line) for ctx.secret')
    .option('--storage <file>', 'JSON file holding storage objects for ctx.storage (read, and written back on change)')
    .option('--no-sandbox', 'run without isolation (machines without bubblewrap): the code runs as you, with no limits')
    .option('--json', 'print the whole result (status, output or error, logs, duration) as JSON')
    .option('--inspect [port]', 'start the language\'s debugger and wait for the IDE: Node.js inspector (9229), Python debugpy (5678), PHP Xdebug (connects to 9003); no timeout, the host\'s network (see docs/debugging.md)', parsePort)
    .addHelpText('after', `
ctx.udf(name) runs the sibling folder <folder>/../<name>; ctx.api goes to OUTRIGGER_URL (with OUTRIGGER_TOKEN) when set,
else it is an error naming the call; ctx.emit is printed on stderr.`)
    .action(async (folder: string, flags) => done(await run(folder, flags, io)));
  withClient(program.command('import <fileOrDir>').description('import exported reference-platform definitions (a JSON file, or every *.json of a folder; codeFile names a source file) in one transaction; prints what was created, mapped and not mapped')).action(async (target: string, flags) => done(await (await import('./commands/import.js')).importCommand(target, flags, io)));
  return program;
}

// The commands open files by relative path, so a run in another directory switches the process's working directory for
// its duration; such runs take turns (the working directory is one per process).
let cwdTurn: Promise<unknown> = Promise.resolve();

async function inDirectory<T>(cwd: string, fn: () => Promise<T>): Promise<T> {
  if (cwd === process.cwd()) return fn();
  const mine = cwdTurn.then(async () => {
    const before = process.cwd();
    process.chdir(cwd);
    try {
      return await fn();
    } finally {
      process.chdir(before);
    }
  });
  cwdTurn = mine.catch(() => undefined);
  return mine;
}

/**
 * Runs the command line `argv` (without the node and script arguments) and resolves to its exit code: 0 success,
 * 1 differences or failures, 2 usage or input errors (help and version are 0). Output goes only through `io`.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    await inDirectory(io.cwd, () => program.parseAsync(argv, { from: 'user' }));
    return code;
  } catch (err) {
    // Commander has already printed the usage error (or the help, or the version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError || err instanceof FolderReadError || err instanceof ConfigError) io.stderr(`outrigger: ${err.message}\n`);
    else io.stderr(`outrigger: ${(err as Error).stack ?? err}\n`);
    return 2;
  }
}
