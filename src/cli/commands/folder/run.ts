// `outrigger run <folder> [--input …] [--inspect[=port]]`: runs one executor folder locally in the real sandbox, without a server.
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from '../../client.js';
import { parseJsonText } from '../../../executors-folder/json-file.js';
import { FileStorage, readSecretsFile } from '../../local/local-host.js';
import { localSandbox, runLocal } from '../../local/local-runner.js';
import { closeLocalApiCalls } from '../../local/local-api-call.js';
import { announceInspect, codePathOf, INSPECT_TIMEOUT_MS, inspectPort, inspectWarning, prepareInspect } from '../../local/inspect.js';
import { readExecutorFolder } from '../../../executors-folder/layout.js';
import type { CodeLanguage } from '../../../executors/sandbox/index.js';
import type { CliIo } from '../../io.js';

export interface RunFlags {
  input?: string;
  secrets?: string;
  storage?: string;
  sandbox?: boolean;
  json?: boolean;
  /** `--inspect` (true: the language's default port) or `--inspect=<port>`. */
  inspect?: true | number;
}

/** The language of an executor `--inspect` can debug (a code executor), or a usage error. */
function inspectedLanguage(abs: string): { language: CodeLanguage; timeoutMs: number } {
  const def = readExecutorFolder(path.dirname(abs), path.basename(abs)).definition;
  if (def.type !== 'code' || !def.code) throw new CliError(`--inspect debugs code executors; ${path.basename(abs)} is an ${def.type} executor`);
  return { language: def.code.language, timeoutMs: def.timeoutMs };
}

/** `--input` is a file path or inline JSON text (an object). */
function readInput(raw: string | undefined): unknown {
  if (raw === undefined) return {};
  const fromFile = !raw.trimStart().startsWith('{') && fs.existsSync(raw);
  const text = fromFile ? fs.readFileSync(raw, 'utf8') : raw;
  return parseJsonText(text, fromFile ? raw : '--input');
}

/** Runs the folder's executor; prints the output on stdout, logs and timing on stderr. Exit 0 ok, 1 error. */
export async function run(folder: string, flags: RunFlags, io: CliIo): Promise<number> {
  const abs = path.resolve(folder);
  if (!fs.existsSync(path.join(abs, 'executor.json'))) throw new CliError(`${folder} is not an executor folder (no executor.json)`);
  const input = readInput(flags.input);
  const noSandbox = flags.sandbox === false;
  if (noSandbox) {
    io.stderr('WARNING --no-sandbox: the code runs as you, with your files, your network and no limits on memory, processes or CPU. Use it only for code you trust.\n');
  }
  const inspected = flags.inspect !== undefined ? { ...inspectedLanguage(abs), flag: flags.inspect } : null;
  const port = inspected ? inspectPort(inspected.flag, inspected.language) : 0;
  const sandbox = await localSandbox({ noSandbox, stderr: io.stderr });
  try {
    const inspect = inspected
      ? await prepareInspect({ sandbox, language: inspected.language, port, codePath: codePathOf(abs, inspected.language), env: io.env, stderr: io.stderr })
      : null;
    // Said once the debugger can run (a missing Xdebug is reported alone), before anything listens.
    if (inspected) io.stderr(inspectWarning({ language: inspected.language, port, timeoutMs: inspected.timeoutMs, noSandbox }));
    const url = io.env.OUTRIGGER_URL;
    const running = runLocal({
      dir: path.dirname(abs),
      sandbox,
      secrets: flags.secrets ? readSecretsFile(flags.secrets) : new Map(),
      storage: new FileStorage(flags.storage ?? null),
      stderr: io.stderr,
      emit: (type, data) => io.stderr(`emit ${type} ${JSON.stringify(data)}\n`),
      ...(url ? { api: { url, ...(io.env.OUTRIGGER_TOKEN ? { token: io.env.OUTRIGGER_TOKEN } : {}) } } : {}),
      ...(inspect ? { inspect: { ...inspect, timeoutMs: INSPECT_TIMEOUT_MS } } : {}),
    }, path.basename(abs), input);
    const announced = inspected ? announceInspect(inspected.language, port, running, io.stderr) : null;
    const result = await running;
    await announced;
    if (flags.json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
    } else {
      for (const l of result.logs) io.stderr(`[${l.level}] ${l.message}\n`);
      if (result.status === 'ok') io.stdout(JSON.stringify(result.output, null, 2) + '\n');
      else io.stderr(`${result.error!.code}: ${result.error!.message}\n${result.error!.details?.stack ? String(result.error!.details.stack) + '\n' : ''}`);
      io.stderr(`${result.status} · ${result.durationMs.toFixed(1)} ms · ${result.coldStart ? 'cold' : 'warm'}${sandbox.capabilities().unsandboxed ? ' · NOT ISOLATED' : ''}${inspect ? ' · INSPECTED' : ''}\n`);
    }
    return result.status === 'ok' ? 0 : 1;
  } finally {
    await sandbox.close();
    await closeLocalApiCalls();
  }
}
