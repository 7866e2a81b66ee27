// Detects at start what this machine provides (bwrap, cgroups, prlimit, interpreters) and proves it with real sandboxed runs.
import path from 'node:path';
import { detectCgroups, type CgroupLayout } from './cgroups.js';
import type { CodeLanguage } from './contract.js';
import type { InterpreterInfo, SandboxCapabilities, SandboxLimits } from './limits.js';
import { RUNTIMES } from './runtimes/index.js';
import { probe, sdkRoot, which } from './runtimes/runtime.js';
import { buildSeccompFilter } from './seccomp.js';
import { SandboxProcess } from './supervisor.js';

/** Nobody: when we run as root, bwrap runs as this host uid so that a sandbox escape is not root on the host. */
const NOBODY = 65534;

export interface Detected {
  caps: SandboxCapabilities;
  cgroupLayout: CgroupLayout | null;
  seccompProgram: Buffer | null;
}

/** Starts the bare interpreter inside a full sandbox (cgroups, seccomp, uid) and checks that it exits 0. */
async function smoke(
  interp: InterpreterInfo,
  bwrap: string,
  prlimit: string | null,
  layout: CgroupLayout | null,
  seccompProgram: Buffer | null,
  hostUid: number | undefined,
  limits: SandboxLimits,
): Promise<string | null> {
  const runtime = RUNTIMES[interp.language];
  try {
    const proc = await SandboxProcess.start({
      spec: {
        bwrap,
        prlimit,
        argv: runtime.bareArgv(interp),
        env: { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8' },
        roBinds: interp.roBinds,
        roBindsAt: [{ src: path.join(sdkRoot(), interp.language), dest: '/opt/outrigger/sdk' }],
        rwBindsAt: [],
        dataFiles: [{ dest: `/code/${runtime.mainFile}`, data: '' }],
        tmpBytes: limits.tmpBytes,
        cpuSeconds: 10,
        openFiles: limits.openFiles,
        seccomp: seccompProgram !== null,
      },
      cgroupLayout: layout,
      cgroupLimits: { memoryBytes: 256 * 1024 * 1024, pids: limits.pids, cpuPercent: limits.cpuPercent },
      ...(hostUid !== undefined ? { hostUid } : {}),
      seccompProgram,
      startTimeoutMs: limits.startTimeoutMs,
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stderr.resume();
    proc.setDeadline(10_000);
    const exit = await proc.exited;
    await proc.dispose();
    if (exit.code === 0) return null;
    return `exit ${exit.code ?? exit.signal}: ${err.trim().slice(0, 300)}`;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Probes everything once; never throws (the caller decides what missing isolation means). */
export async function detect(limits: SandboxLimits): Promise<Detected> {
  const problems: string[] = [];
  // Isolation weaker than documented (a subset of problems): `OUTRIGGER_SANDBOX=required` refuses to start with any.
  const degraded: string[] = [];
  const weaker = (what: string) => {
    problems.push(what);
    degraded.push(what);
  };
  const bwrapPath = which('bwrap');
  const bwrapVersion = bwrapPath ? probe(bwrapPath, ['--version']) : null;
  if (!bwrapPath || !bwrapVersion) problems.push('bubblewrap (bwrap) not found: install the `bubblewrap` package');
  const prlimit = which('prlimit');
  if (!prlimit) weaker('prlimit (util-linux) not found: no CPU-time and open-file rlimits');
  const cgroupLayout = detectCgroups();
  if (!cgroupLayout) {
    problems.push('no usable cgroup hierarchy with memory and pids controllers (needs root or a delegated cgroup v2 subtree)');
  } else {
    if (!cgroupLayout.parents.cpu) weaker('cpu cgroup controller not available: no CPU share limit');
    if (!cgroupLayout.parents.freezer) weaker('freezer cgroup controller not available: idle warm workers are not frozen between invocations');
  }
  const seccompProgram = buildSeccompFilter();
  if (!seccompProgram) weaker(`no seccomp syscall table for ${process.arch}: running without a seccomp filter`);
  const ownUid = process.getuid?.() ?? 0;
  let hostUid = ownUid === 0 ? NOBODY : ownUid;

  const interpreters: Partial<Record<CodeLanguage, InterpreterInfo>> = {};
  for (const runtime of Object.values(RUNTIMES)) {
    const info = runtime.detect();
    if (!info) {
      problems.push(`${runtime.language}: interpreter not found`);
      continue;
    }
    if (bwrapPath && bwrapVersion && cgroupLayout) {
      let failure = await smoke(info, bwrapPath, prlimit, cgroupLayout, seccompProgram, hostUid === ownUid ? undefined : hostUid, limits);
      if (failure && hostUid !== ownUid) {
        // E.g. a pyenv Python under /root that nobody cannot read: fall back to our own uid, and say so.
        const asOwn = await smoke(info, bwrapPath, prlimit, cgroupLayout, seccompProgram, undefined, limits);
        if (!asOwn) {
          weaker(`${runtime.language}: does not start as uid ${hostUid} (${failure}); sandboxes run as host uid ${ownUid}`);
          hostUid = ownUid;
          failure = null;
        }
      }
      if (failure) {
        problems.push(`${runtime.language}: failed to start in the sandbox: ${failure}`);
        continue;
      }
    }
    interpreters[runtime.language] = info;
  }
  const isolated = !!(bwrapPath && bwrapVersion && cgroupLayout && Object.keys(interpreters).length > 0);
  return {
    caps: {
      isolated,
      unsandboxed: false,
      bwrap: bwrapPath && bwrapVersion ? { path: bwrapPath, version: bwrapVersion.replace(/^bubblewrap\s*/, '') } : null,
      prlimit,
      cgroup: cgroupLayout
        ? { version: cgroupLayout.version, memory: !!cgroupLayout.parents.memory, pids: !!cgroupLayout.parents.pids, cpu: !!cgroupLayout.parents.cpu }
        : null,
      seccomp: seccompProgram !== null,
      hostUid,
      interpreters,
      problems,
      degraded,
    },
    cgroupLayout,
    seccompProgram,
  };
}
