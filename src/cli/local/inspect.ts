// `outrigger run --inspect`: the debugger's port and package, what an inspected run gives up (said on stderr), and the
// "attach here" lines once the debugger waits. What each language's debugger is lives in its runtime (runtimes/<lang>).
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from '../client.js';
import type { CodeLanguage, InspectRequest, Sandbox } from '../../executors/sandbox/index.js';
import { RUNTIMES } from '../../executors/sandbox/runtimes/index.js';

/**
 * The deadline of an inspected run: the longest a Node.js timer waits (24.8 days), i.e. none. A debugger paused at a
 * breakpoint must not be killed by the executor's timeout; Ctrl-C ends the run (the sandbox dies with its parent).
 */
export const INSPECT_TIMEOUT_MS = 2 ** 31 - 1;

/** The port of `--inspect` (true: the language's default) for this language. */
export function inspectPort(flag: true | number, language: CodeLanguage): number {
  return flag === true ? RUNTIMES[language].debugger.defaultPort : flag;
}

/** What an inspected run gives up, for stderr before it starts (as loud as --no-sandbox's warning). */
export function inspectWarning(o: { language: CodeLanguage; port: number; timeoutMs: number; noSandbox: boolean }): string {
  const d = RUNTIMES[o.language].debugger;
  const isolation = o.noSandbox
    ? 'nothing is isolated (--no-sandbox)'
    : 'the sandbox keeps its filesystem, user and limits but runs in YOUR network namespace: the code reaches any host and every service on your localhost, the egress list is not applied';
  const attach = d.listens ? `anyone on this machine can attach to 127.0.0.1:${o.port} and run code in it` : `Xdebug connects to whatever listens on 127.0.0.1:${o.port}`;
  return `WARNING --inspect: ${d.name} on 127.0.0.1:${o.port}; ${isolation}; ${attach}. `
    + `The executor's timeout (${o.timeoutMs} ms) is off while inspecting: a paused debugger is never killed, Ctrl-C ends the run.\n`;
}

/** Whether something listens on TCP 127.0.0.1:port (or the wildcard address) here, read from the kernel's table. */
export function listening(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const local = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`, `00000000000000000000000000000000:${hexPort}`, `00000000000000000000000001000000:${hexPort}`]);
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st …; state 0A is LISTEN.
    for (const line of text.split('\n').slice(1)) {
      const [, addr, , state] = line.trim().split(/\s+/);
      if (state === '0A' && addr && local.has(addr)) return true;
    }
  }
  return false;
}

/** The file an inspected run executes as: the user's own, so that breakpoints set on it in the IDE hit as they are. */
export function codePathOf(folder: string, language: CodeLanguage): string {
  return path.join(folder, RUNTIMES[language].mainFile);
}

export interface InspectSetup {
  sandbox: Sandbox;
  language: CodeLanguage;
  port: number;
  codePath: string;
  env: NodeJS.ProcessEnv;
  stderr: (text: string) => void;
}

/**
 * Checks that the debugger can run (a missing one is named, with what to install) and that its port is free, and
 * finds its package: for Python debugpy, from OUTRIGGER_DEBUGPY (a directory holding `debugpy/`) or installed once
 * into the dependency cache by the sandboxed dependency build (the executor's own dependencies are not touched).
 */
export async function prepareInspect(s: InspectSetup): Promise<InspectRequest> {
  const d = RUNTIMES[s.language].debugger;
  const interp = s.sandbox.capabilities().interpreters[s.language];
  const missing = interp ? d.unavailable?.(interp) : null;
  if (missing) throw new CliError(missing);
  // A taken port would make Node's inspector give up and run the code undebugged, debugpy fail: say so first.
  if (d.listens && listening(s.port)) throw new CliError(`--inspect: 127.0.0.1:${s.port} is already in use (another debuggee?); choose a port with --inspect=<port>`);
  const req: InspectRequest = { port: s.port, codePath: s.codePath };
  if (!d.package) return req;
  const own = s.env.OUTRIGGER_DEBUGPY;
  if (own) {
    if (!fs.existsSync(path.join(own, 'debugpy', '__main__.py'))) throw new CliError(`OUTRIGGER_DEBUGPY=${own} holds no debugpy/ (pip install --target ${own} "${d.package}")`);
    return { ...req, debuggerDir: path.resolve(own) };
  }
  if (s.sandbox.capabilities().unsandboxed) {
    throw new CliError(`--inspect with --no-sandbox cannot install ${d.package} (dependency builds run in the sandbox): `
      + `pip install --target <dir> "${d.package}" and set OUTRIGGER_DEBUGPY=<dir>`);
  }
  const text = d.package + '\n';
  if (s.sandbox.ensureDependencies(s.language, text).status !== 'ready') s.stderr(`installing ${d.package} into the dependency cache (once)…\n`);
  const dep = await s.sandbox.waitForDependencies(s.language, text);
  if (dep.status !== 'ready' || !dep.dir) {
    throw new CliError(`${d.package} could not be installed: ${dep.error ?? dep.status}\n${dep.log.slice(-2000)}\n`
      + `(or pip install --target <dir> "${d.package}" and set OUTRIGGER_DEBUGPY=<dir>)`);
  }
  return { ...req, debuggerDir: dep.dir };
}

/**
 * Prints how to attach once the debugger listens (polled from the kernel's table: a test connection would be taken
 * for the IDE attaching), or at once for a debugger that connects out (Xdebug). Stops when `run` settles.
 */
export async function announceInspect(language: CodeLanguage, port: number, run: Promise<unknown>, stderr: (text: string) => void): Promise<void> {
  const d = RUNTIMES[language].debugger;
  let ended = false;
  void run.finally(() => { ended = true; }).catch(() => undefined);
  if (d.listens) {
    while (!ended && !listening(port)) await new Promise((r) => setTimeout(r, 50));
    if (ended) return;
  } else if (!listening(port)) {
    stderr(`warning: nothing listens on 127.0.0.1:${port} yet: start your IDE's Xdebug listener, else the code runs undebugged\n`);
  }
  for (const line of await d.attachHint('127.0.0.1', port)) stderr(line + '\n');
}
