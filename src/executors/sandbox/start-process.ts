// Starts one sandboxed interpreter (a warm worker or a script): cgroups, limits, seccomp and uid are in place
// before its first instruction; the private channel is read with the output cap.
import { ChannelReader } from './channel.js';
import { buildLaunch, type ProcessRequest, type SandboxEnv } from './launch-spec.js';
import { SandboxProcess } from './supervisor.js';

export interface LaunchedSandbox {
  proc: SandboxProcess;
  reader: ChannelReader;
  /** Removes what the launch created on the host (the source copy's file descriptor, …). */
  cleanup: () => void;
}

/** Launches the interpreter of `req` in a new sandbox. */
export async function launchSandbox(env: SandboxEnv, req: ProcessRequest): Promise<LaunchedSandbox> {
  const { spec, cleanup } = buildLaunch(env, req);
  let proc: SandboxProcess;
  try {
    proc = await SandboxProcess.start({
      spec,
      cgroupLayout: env.cgroupLayout,
      cgroupLimits: { memoryBytes: req.memoryMb * 1024 * 1024, pids: env.limits.pids, cpuPercent: env.limits.cpuPercent },
      ...(env.caps.hostUid !== process.getuid?.() ? { hostUid: env.caps.hostUid } : {}),
      seccompProgram: env.seccompProgram,
      unsandboxed: env.caps.unsandboxed,
      startTimeoutMs: env.limits.startTimeoutMs,
    });
  } catch (e) {
    cleanup();
    throw e;
  }
  // The biggest legitimate line is the result: output cap plus a margin for the envelope.
  const reader = new ChannelReader(proc.fromSandbox, proc.toSandbox,
    { maxLineBytes: env.limits.outputBytes + 64 * 1024, maxReplyBytes: env.limits.replyBytes },
    () => proc.kill('output'), (why) => proc.kill('protocol', why));
  return { proc, reader, cleanup };
}
