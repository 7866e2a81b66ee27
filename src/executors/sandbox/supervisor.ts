// Owns one sandboxed process: launch (cgroup join before exec), deadline, output caps, kill escalation, kill reason.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { SandboxCgroup, type CgroupLayout, type SandboxCgroupLimits } from './cgroups.js';
import { buildCommand, FD, type LaunchSpec } from './bwrap-command.js';

/** Why the supervisor killed a process; mapped to an error code by the caller. */
export type KillReason = 'timeout' | 'output' | 'log' | 'protocol' | 'recycle' | 'evict' | 'idle' | 'close' | 'start';

export interface SuperviseOptions {
  spec: LaunchSpec;
  /** Absent only in unsandboxed mode. */
  cgroupLayout: CgroupLayout | null;
  cgroupLimits: SandboxCgroupLimits;
  /** Host uid/gid bwrap runs as (nobody when we are root); undefined = our own. */
  hostUid?: number;
  /** The seccomp program (seccomp.ts), written to bwrap through a pipe; null where none exists for this CPU. */
  seccompProgram: Buffer | null;
  /** Unsandboxed mode: run spec.argv directly (no bwrap, no cgroup); only with allowUnsandboxed. */
  unsandboxed?: boolean;
  startTimeoutMs: number;
}

let counter = 0;

/** cgroup removals still running in the background (see dispose); close() waits for them. */
const pendingCleanups = new Set<Promise<void>>();

/** Resolves when every cgroup of an ended sandbox has been removed. */
export async function settleCleanups(): Promise<void> {
  while (pendingCleanups.size > 0) await Promise.all([...pendingCleanups]);
}

/** One running sandbox; created by SandboxProcess.start, which returns once the interpreter runs inside its limits. */
export class SandboxProcess {
  killReason: KillReason | null = null;
  /** What exactly went wrong, for reasons that need it (the protocol violation). */
  killDetail: string | null = null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  /** Host pid of the sandbox's pid 1 (bwrap's init); its /proc entry shows the sandbox's mounts. */
  innerPid = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly cgroup: SandboxCgroup | null,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.clearDeadline();
        resolve(this.exitInfo);
      });
    });
  }

  get stdin(): Writable {
    return this.child.stdio[0] as Writable;
  }
  get stdout(): Readable {
    return this.child.stdio[1] as Readable;
  }
  get stderr(): Readable {
    return this.child.stdio[2] as Readable;
  }
  get toSandbox(): Writable {
    return this.child.stdio[FD.toSandbox] as Writable;
  }
  get fromSandbox(): Readable {
    return this.child.stdio[FD.fromSandbox] as Readable;
  }
  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Spawns prlimit -> bwrap, joins the per-sandbox cgroups while bwrap waits on --block-fd, then lets it exec. */
  static async start(opts: SuperviseOptions): Promise<SandboxProcess> {
    const { spec } = opts;
    if (opts.unsandboxed) {
      const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
        env: spec.env,
        cwd: spec.env.HOME,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
      const p = new SandboxProcess(child, null);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      return p;
    }
    const cgroup = opts.cgroupLayout
      ? new SandboxCgroup(opts.cgroupLayout, `sb-${process.pid}-${++counter}-${Date.now().toString(36)}`, opts.cgroupLimits)
      : null;
    const { command, args } = buildCommand(spec);
    // The program goes through a pipe from memory (bwrap reads it to its end): no file that others could read or swap.
    const seccomp = spec.seccomp ? opts.seccompProgram : null;
    if (spec.seccomp && !seccomp) throw new Error('sandbox launch asks for seccomp but there is no program');
    const stdio: ('pipe' | 'ignore' | number)[] = ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', seccomp ? 'pipe' : 'ignore'];
    for (let i = 0; i < spec.dataFiles.length; i++) stdio.push('pipe');
    const child = spawn(command, args, {
      // Empty environment: bwrap's own init (pid 1 inside, /proc/1/environ) would otherwise expose ours.
      env: {},
      stdio,
      ...(opts.hostUid !== undefined ? { uid: opts.hostUid, gid: opts.hostUid } : {}),
    });
    const p = new SandboxProcess(child, cgroup);
    child.on('error', () => undefined); // reported through exit / start failure
    for (const s of child.stdio) s?.on('error', () => undefined); // a sandbox closing its end must not throw here
    if (seccomp) ((child.stdio as unknown as Writable[])[FD.seccomp]!).end(seccomp);
    spec.dataFiles.forEach((f, i) => (child.stdio[FD.firstData + i] as Writable).end(f.data));
    try {
      const info = await p.readInfo(opts.startTimeoutMs);
      if (cgroup) {
        // Both bwrap processes join before the interpreter is forked: everything it starts is inside the limits.
        cgroup.join(child.pid!);
        cgroup.join(info);
      }
      p.innerPid = info;
      ((child.stdio as unknown as Writable[])[FD.block]!).end('x');
    } catch (e) {
      p.kill('start');
      await p.dispose();
      throw new Error(`sandbox failed to start: ${(e as Error).message}`, { cause: e });
    }
    return p;
  }

  private readInfo(timeoutMs: number): Promise<number> {
    const stream = (this.child.stdio as unknown as Readable[])[FD.info]!;
    const errText: Buffer[] = [];
    const onErr = (d: Buffer) => errText.push(d);
    this.stderr.on('data', onErr);
    return new Promise<number>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('timed out waiting for bwrap')), timeoutMs);
      stream.on('data', (d: Buffer) => (text += d.toString()));
      stream.once('end', () => {
        clearTimeout(timer);
        this.stderr.off('data', onErr);
        // Hold the interpreter's stderr until the owner listens (it calls resume()), so that nothing is lost.
        this.stderr.pause();
        const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
        else reject(new Error(`bwrap: ${Buffer.concat(errText).toString().trim() || 'no child pid'}`));
      });
    });
  }

  /** Kills the process when the deadline passes, with reason `timeout`. */
  setDeadline(ms: number): void {
    this.clearDeadline();
    this.deadlineTimer = setTimeout(() => this.kill('timeout'), Math.max(0, ms));
  }

  clearDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
  }

  /**
   * SIGKILL, no grace period: nothing inside needs to clean up. Killing bwrap takes its pid 1 down
   * (PDEATHSIG) and with it the pid namespace, setsid'd and double-forked children included; the cgroup
   * sweep is the second line. The first reason wins.
   */
  kill(reason: KillReason, detail?: string): void {
    if (!this.killReason) {
      this.killReason = reason;
      this.killDetail = detail ?? null;
    }
    this.clearDeadline();
    if (this.child.pid !== undefined && this.alive) {
      try {
        // Unsandboxed children run in their own process group: kill the group.
        process.kill(this.cgroup ? this.child.pid : -this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.cgroup?.killAll();
  }

  /** Number of tasks in the sandbox (bwrap's two processes included); 0 when unknown. */
  taskCount(): number {
    return this.cgroup ? this.cgroup.pids().length : 0;
  }

  /** Free bytes of the sandbox's /tmp while it runs (null when unknown). */
  tmpFree(): number | null {
    if (!this.innerPid || !this.alive) return null;
    try {
      const s = fs.statfsSync(`/proc/${this.innerPid}/root/tmp`);
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  }

  /**
   * Waits for the exit, escalating to a cgroup-wide kill if it lingers. When bwrap has exited, its pid 1 has
   * exited too, and the kernel reaps a pid namespace completely before its init is gone: nothing of the sandbox
   * runs any more. Removing the (then empty) cgroups can take the kernel a few ms, so that happens in the
   * background, tracked for settleCleanups().
   */
  async dispose(): Promise<void> {
    if (this.alive) {
      const timer = setTimeout(() => this.kill(this.killReason ?? 'close'), 2000);
      await this.exited;
      clearTimeout(timer);
    }
    for (const s of this.child.stdio) s?.destroy();
    if (this.cgroup) {
      // Only once nothing of the sandbox runs does the caller get its result (no process outlives its execution).
      // (After 2 s of SIGKILL rounds something is badly wrong; the background removal below keeps sweeping.)
      await this.cgroup.waitNoneRunning(2000);
      const p = this.cgroup.remove().finally(() => pendingCleanups.delete(p));
      pendingCleanups.add(p);
    }
  }
}
