// Sandbox limits and capability report: the knobs of the code sandbox and what the machine provides.
import type { CodeLanguage } from './contract.js';

/** Limits applied to every sandboxed process (per-request memory and time come from CodeRunRequest). */
export interface SandboxLimits {
  /** Max tasks (processes + threads) in one sandbox; stops fork bombs (pids cgroup). */
  pids: number;
  /** Size of the private /tmp tmpfs (and, separately, /dev/shm). */
  tmpBytes: number;
  /** Largest accepted output; bigger is OUTPUT_INVALID (SPEC: "too large"). */
  outputBytes: number;
  /** Largest answer to one SDK call (a storage value, an API response); bigger is an SDK error (LIMIT_EXCEEDED) the code sees. */
  replyBytes: number;
  /** Largest amount of log text (stdout, stderr, ctx.log) per invocation; more is LIMIT_EXCEEDED. */
  logBytes: number;
  /** CPU share of one sandbox in percent of one core (cpu cgroup quota). */
  cpuPercent: number;
  /** RLIMIT_CPU of a warm worker over its whole life (scripts get their deadline instead). */
  workerCpuSeconds: number;
  /** RLIMIT_NOFILE inside the sandbox. */
  openFiles: number;
  /** A warm worker is recycled after this many invocations. */
  maxInvocationsPerWorker: number;
  /** Idle warm workers are stopped after this long. */
  idleMs: number;
  /** Global cap on warm workers (all pools, spares included). */
  maxWorkers: number;
  /** Cap of concurrent workers of one pool; more requests queue. */
  maxWorkersPerPool: number;
  /**
   * Slots under maxWorkers that a workspace at or above its fair share (maxWorkers / active workspaces) may not fill
   * with busy workers: one workspace alone never makes every worker busy, so another's first invocation always finds
   * a slot (idle workers are evicted for it). Default maxWorkers / 8.
   */
  reservedWorkers?: number;
  /** Pre-started, never-used workers per language that a pool takes on its first use (0 = off). */
  sparesPerLanguage: number;
  /** Memory size of the spares; only requests with this memoryMb (and no dependencies or egress) can take one. */
  spareMemoryMb: number;
  /**
   * Longest script run a script spare takes (script spares are on with sparesPerLanguage): a spare's RLIMIT_CPU is
   * fixed at launch, so it is sized for this; longer script runs start a fresh sandbox.
   */
  scriptSpareMaxTimeoutMs: number;
  /** Time a worker may take to start before the run fails. */
  startTimeoutMs: number;
  /** Connections one sandbox may hold open through its egress proxy (each costs the server two descriptors). */
  egressConnections: number;
  /** Egress connections of all sandboxes together. */
  egressConnectionsTotal: number;
}

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  pids: 64,
  tmpBytes: 64 * 1024 * 1024,
  outputBytes: 10 * 1024 * 1024,
  replyBytes: 10 * 1024 * 1024,
  logBytes: 1024 * 1024,
  cpuPercent: 100,
  workerCpuSeconds: 3600,
  openFiles: 256,
  maxInvocationsPerWorker: 1000,
  idleMs: 5 * 60_000,
  maxWorkers: 32,
  maxWorkersPerPool: 4,
  sparesPerLanguage: 1,
  spareMemoryMb: 256,
  scriptSpareMaxTimeoutMs: 10_000,
  startTimeoutMs: 10_000,
  egressConnections: 32,
  egressConnectionsTotal: 1024,
});

export interface InterpreterInfo {
  language: CodeLanguage;
  /** Real binary (symlinks and shims resolved). */
  binary: string;
  version: string;
  /** Extra host directories the interpreter needs read-only, beyond /usr (e.g. a pyenv prefix, /etc/php). */
  roBinds: string[];
}

export type CgroupVersion = 'v1' | 'v2';

/** What the sandbox found on this machine at start. */
export interface SandboxCapabilities {
  /** True when every run is isolated (bwrap + memory and pids cgroups). */
  isolated: boolean;
  /** True when running without isolation because allowUnsandboxed was set. */
  unsandboxed: boolean;
  bwrap: { path: string; version: string } | null;
  prlimit: string | null;
  cgroup: { version: CgroupVersion; memory: boolean; pids: boolean; cpu: boolean } | null;
  seccomp: boolean;
  /** Host uid that runs bwrap (65534 when the server runs as root, so the sandbox is nobody on the host too). */
  hostUid: number;
  interpreters: Partial<Record<CodeLanguage, InterpreterInfo>>;
  /** Why isolation or an interpreter is missing; empty when all is well. */
  problems: string[];
  /** The problems that make isolation weaker than documented (no prlimit, seccomp, cpu or freezer group, root uid). */
  degraded: string[];
}
