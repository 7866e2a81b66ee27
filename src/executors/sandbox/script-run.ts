// Script mode: a fresh sandbox per run, input on stdin, output = sdk.output(value) or stdout JSON, stderr = log.
import { ChannelReader, InvocationState } from './channel.js';
import { classify } from './classify.js';
import type { CodeRunRequest, CodeRunResult } from './contract.js';
import type { EgressProxy } from './egress/proxy.js';
import { buildLaunch, type SandboxEnv } from './sandbox-env.js';
import { SandboxProcess } from './supervisor.js';

/** Runs one script to its end (or its deadline); nothing of it survives, its cgroups included. */
export async function runScript(env: SandboxEnv, req: CodeRunRequest, egress: EgressProxy | null): Promise<CodeRunResult> {
  const started = Date.now();
  const timeoutMs = Math.max(1, Math.min(req.timeoutMs, req.execution.deadline - Date.now()));
  const { spec, cleanup } = buildLaunch(env, {
    language: req.language,
    mode: 'script',
    source: req.source,
    memoryMb: req.memoryMb,
    // CPU seconds as a backstop to the wall clock (a busy loop gets SIGXCPU even if our timer were late).
    cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
    execution: req.execution,
    ...(req.dependenciesDir ? { dependenciesDir: req.dependenciesDir } : {}),
    ...(egress ? { egressSocket: egress.socketPath } : {}),
  });
  let proc: SandboxProcess;
  try {
    proc = await SandboxProcess.start({
      spec,
      cgroupLayout: env.cgroupLayout,
      cgroupLimits: { memoryBytes: req.memoryMb * 1024 * 1024, pids: env.limits.pids, cpuPercent: env.limits.cpuPercent },
      ...(env.caps.hostUid !== process.getuid?.() ? { hostUid: env.caps.hostUid } : {}),
      seccompFile: env.seccompFile,
      unsandboxed: env.caps.unsandboxed,
      startTimeoutMs: env.limits.startTimeoutMs,
    });
  } catch (e) {
    cleanup();
    return { status: 'error', error: { code: 'RUNTIME_ERROR', message: (e as Error).message }, logs: [], coldStart: true, durationMs: Date.now() - started };
  }
  proc.setDeadline(timeoutMs);
  const st = new InvocationState(req.host, env.limits.logBytes, () => proc.kill('log'));
  const reader = new ChannelReader(proc.fromSandbox, proc.toSandbox, env.limits.outputBytes + 64 * 1024,
    () => proc.kill('output'), () => proc.kill('protocol'));
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
    st.raw('error', d, partialErr);
  });
  proc.stderr.resume();
  proc.stdin.on('error', () => undefined);
  proc.stdin.end(JSON.stringify(req.input ?? null));
  const exit = await proc.exited;
  // Let the pipes drain what the process wrote just before it ended.
  await Promise.all([proc.stdout, proc.stderr, proc.fromSandbox].map((s) => (s.readableEnded || s.destroyed ? null : new Promise((r) => s.once('close', r)))));
  if (partialErr.text) st.log('error', partialErr.text);
  const se = st.scriptError;
  const failed = exit.code !== 0 || exit.signal !== null;
  const error = classify({
    proc,
    limits: env.limits,
    timeoutMs,
    memoryMb: req.memoryMb,
    pidsHitsBefore: 0,
    reported: failed && se
      ? { code: 'RUNTIME_ERROR', message: String(se.message ?? 'script failed'), details: { ...se, stderr: stderrTail.slice(-4000) } }
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
  if (!text) return { ...base, status: 'ok', output: null };
  try {
    return { ...base, status: 'ok', output: JSON.parse(text) };
  } catch {
    return { ...base, status: 'error', error: { code: 'OUTPUT_INVALID', message: 'stdout is not one JSON document', details: { stdout: text.slice(0, 1000) } } };
  }
}
