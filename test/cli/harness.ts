// Runs the `outrigger` CLI for tests: in-process through runCli (the commands are functions), or as the real binary
// for the few end-to-end smoke tests; starts `outrigger serve` as its own process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/program.js';
import { requireBuiltDist } from '../setup/require-dist.js';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/outrigger.js');
const execFileP = promisify(execFile);

/** What a CLI run ended with. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliWhere {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Runs the command line in this process, as `node bin/outrigger.js …args` would run it in `cwd` with exactly `env`. */
export async function cli(args: string[], where: CliWhere): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    env: where.env,
    cwd: where.cwd,
  });
  return { code, stdout, stderr };
}

/** Runs the real binary as a child process (a non-zero exit is a result, not a throw). */
export async function cliBinary(args: string[], where: CliWhere): Promise<CliRun> {
  requireBuiltDist();
  try {
    const r = await execFileP(process.execPath, [BIN, ...args], { cwd: where.cwd, env: where.env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then waits for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node bin/outrigger.js serve --port 0 …args` with exactly `env` and resolves once it printed its URL (and,
 * with `--demo`, that the demo executors are ready).
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  requireBuiltDist();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Outrigger (http:\/\/\S+)/.exec(out);
      if (m && (!args.includes('--demo') || out.includes('Demo executors ready'))) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Writes `text` to `file`, creating its folder. */
export function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
