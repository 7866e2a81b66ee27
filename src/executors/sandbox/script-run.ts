// Script mode: a fresh sandbox per run, input on stdin, output = sdk.output(value) or stdout JSON, stderr = log.
import { ChannelReader, InvocationState } from './channel.js';
import { MAX_MESSAGE_DEPTH } from './channel-messages.js';
import { jsonNestingDepth } from '../../util/safe-json.js';
import { classify } from './classify.js';
import type { CodeLanguage, CodeRunRequest, CodeRunResult, ExecutionInfo, InspectRequest } from './contract.js';
import type { EgressProxy } from './egress/proxy.js';
import { allowedScriptEnv, type SandboxEnv } from './launch-spec.js';
import { launchSandbox } from './start-process.js';
import { SandboxProcess } from './supervisor.js';

export interface ScriptLaunch {
  language: CodeLanguage;
  /** Empty for a script spare: its source comes over the channel when a run takes it. */
  source: string;
  memoryMb: number;
  /** RLIMIT_CPU in seconds. */
  cpuSeconds: number;
  execution?: ExecutionInfo;
  dependenciesDir?: string;
  egressSocket?: string;
  spare?: boolean;
  scriptEnv?: Record<string, string>;
  inspect?: InspectRequest;
}

/** A started script sandbox (a fresh one, or a spare waiting for its script). */
export interface LaunchedScript {
  proc: SandboxProcess;
  reader: ChannelReader;
  cleanup: () => void;
  /** The RLIMIT_CPU it was launched with. */
  cpuSeconds: number;
}

/** RLIMIT_CPU of a script: a backstop to the wall clock (a busy loop gets SIGXCPU even if our timer were late). */
export function scriptCpuSeconds(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1000) + 1;
}

/** Starts one script-mode sandbox: cgroups, limits, seccomp and uid are in place before the interpreter's first instruction. */
export async function launchScript(env: SandboxEnv, l: ScriptLaunch): Promise<LaunchedScript> {
  const { proc, reader, cleanup } = await launchSandbox(env, { ...l, mode: 'script' });
  return { proc, reader, cleanup, cpuSeconds: l.cpuSeconds };
}

/**
 * Runs one script to its end (or its deadline); nothing of it survives, its cgroups included. With `spare`, the
 * script runs in that pre-started, never-used sandbox (the caller checked that it fits the request): the source and
 * execution info go over the channel, the rest is the same as for a fresh sandbox.
 */
export async function runScript(env: SandboxEnv, req: CodeRunRequest, egress: EgressProxy | null, spare: LaunchedScript | null = null): Promise<CodeRunResult> {
  const started = Date.now();
  const timeoutMs = Math.max(1, Math.min(req.timeoutMs, req.execution.deadline - Date.now()));
  let launched = spare;
  let scriptEnv: Record<string, string>;
  try {
    scriptEnv = allowedScriptEnv(await req.host.scriptEnv?.({ withToken: req.source.includes('ENNEO_SESSION_TOKEN') }));
  } catch (e) {
    return { status: 'error', error: { code: 'RUNTIME_ERROR', message: `the script environment could not be prepared: ${(e as Error).message}` }, logs: [], coldStart: true, durationMs: Date.now() - started };
  }
  if (!launched) {
    try {
      launched = await launchScript(env, {
        scriptEnv,
        language: req.language,
        source: req.source,
        memoryMb: req.memoryMb,
        cpuSeconds: scriptCpuSeconds(timeoutMs),
        execution: req.execution,
        ...(req.dependenciesDir ? { dependenciesDir: req.dependenciesDir } : {}),
        ...(egress ? { egressSocket: egress.socketPath } : {}),
        ...(req.inspect ? { inspect: req.inspect } : {}),
      });
    } catch (e) {
      return { status: 'error', error: { code: 'RUNTIME_ERROR', message: (e as Error).message }, logs: [], coldStart: true, durationMs: Date.now() - started };
    }
  }
  const { proc, reader, cleanup } = launched;
  // For a spare the deadline starts now, when it is taken, not when it was launched.
  proc.setDeadline(timeoutMs);
  const st = new InvocationState(req.host, env.limits.logBytes, () => proc.kill('log'), req.onLog);
  reader.current = st;
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderrTail = '';
  const partialErr = { text: '' };
  proc.stdout.on('data', (d: Buffer) => {
    stdoutBytes += d.length;
    if (stdoutBytes > env.limits.outputBytes) proc.kill('output');
    else stdout.push(d);
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-8192);
    // stderr is the script's debug log (as on the platforms scripts come from), not an error: errors are exits.
    st.raw('info', d, partialErr);
  });
  proc.stderr.resume();
  // The one message a spare waits for: the source and the execution info (the input goes to stdin, as always).
  if (spare) proc.toSandbox.write(JSON.stringify({ t: 'script', source: req.source, execution: JSON.stringify(req.execution), env: scriptEnv }) + '\n');
  proc.stdin.on('error', () => undefined);
  proc.stdin.end(JSON.stringify(req.input ?? null));
  const exit = await proc.exited;
  // Let the pipes drain what the process wrote just before it ended.
  await Promise.all([proc.stdout, proc.stderr, proc.fromSandbox].map((s) => (s.readableEnded || s.destroyed ? null : new Promise((r) => s.once('close', r)))));
  if (partialErr.text) st.log('info', partialErr.text);
  // What the launcher reported about an uncaught error; only PHP's memory_limit carries its own code (OUT_OF_MEMORY).
  const { code: seCode, ...se } = st.scriptError ?? {};
  const reportedCode = seCode === 'OUT_OF_MEMORY' ? 'OUT_OF_MEMORY' : 'RUNTIME_ERROR';
  const failed = exit.code !== 0 || exit.signal !== null;
  const error = classify({
    proc,
    limits: env.limits,
    timeoutMs,
    memoryMb: req.memoryMb,
    pidsHitsBefore: 0,
    reported: failed && st.scriptError
      ? { code: reportedCode, message: String(se.message ?? 'script failed'), details: { ...se, stderr: stderrTail.slice(-4000) } }
      : null,
    exit: failed || proc.killReason ? exit : null,
    stderrTail,
    egressDenied: egress?.denials() ?? [],
  });
  await proc.dispose();
  cleanup();
  const base = { logs: st.logs, coldStart: true, durationMs: Date.now() - started };
  if (error) return { ...base, status: 'error', error };
  if (st.output) return { ...base, status: 'ok', output: st.output.value };
  const text = Buffer.concat(stdout).toString('utf8').trim();
  // Deep values would overflow recursive consumers in the server (records, redaction): refused before parsing.
  if (jsonNestingDepth(text) > MAX_MESSAGE_DEPTH) {
    return { ...base, status: 'error', error: { code: 'OUTPUT_INVALID', message: `stdout nests deeper than ${MAX_MESSAGE_DEPTH} levels` } };
  }
  if (!text) return { ...base, status: 'ok', output: null };
  try {
    return { ...base, status: 'ok', output: JSON.parse(text) };
  } catch {
    return { ...base, status: 'error', error: { code: 'OUTPUT_INVALID', message: 'stdout is not one JSON document', details: { stdout: text.slice(0, 1000) } } };
  }
}
