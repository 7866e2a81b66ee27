// Per-sandbox cgroups (v1 or v2, detected at start): memory, pids and cpu limits, OOM/pids-breach detection, cleanup.
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupVersion } from './limits.js';

type Controller = 'memory' | 'pids' | 'cpu' | 'freezer';

/** Where our sandbox groups live, per controller (v1) or one directory for all controllers (v2). */
export interface CgroupLayout {
  version: CgroupVersion;
  /** Parent directory of the per-sandbox groups, per controller; on v2 all entries point to the same directory. */
  parents: Partial<Record<Controller, string>>;
}

export interface SandboxCgroupLimits {
  memoryBytes: number;
  pids: number;
  cpuPercent: number;
}

function readMountInfo(): { type: string; mountPoint: string; superOptions: string[]; root: string }[] {
  const out: { type: string; mountPoint: string; superOptions: string[]; root: string }[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    out.push({ root: l[3] ?? '/', mountPoint: l[4] ?? '', type: r[0] ?? '', superOptions: (r[2] ?? '').split(',') });
  }
  return out;
}

function ownCgroupPaths(): Map<string, string> {
  // /proc/self/cgroup lines: "hierarchy-id:controller,list:/path"; v2 is "0::/path".
  const map = new Map<string, string>();
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const controllers = m[1] === '' ? ['<v2>'] : m[1]!.split(',');
    for (const c of controllers) map.set(c, m[2]!);
  }
  return map;
}

function tryWrite(file: string, value: string): boolean {
  try {
    fs.writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/** Writes a limit that may not exist on this kernel (swap accounting off); any other failure is a failed limit. */
function writeIfPresent(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function detectV2(name: string): CgroupLayout | null {
  const mount = readMountInfo().find((m) => m.type === 'cgroup2');
  if (!mount) return null;
  const own = ownCgroupPaths().get('<v2>') ?? '/';
  const ownDir = path.join(mount.mountPoint, path.relative(mount.root, own));
  let available: string[] = [];
  try {
    available = fs.readFileSync(path.join(ownDir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return null;
  }
  if (!available.includes('memory') || !available.includes('pids')) return null;
  // v2's "no internal processes" rule: our own group holds the server, so the sandboxes go under a sibling
  // tree. We create <own>/<name> and move ourselves to <own>/<name>-supervisor only if enabling controllers
  // on <own> requires it.
  const want = ['memory', 'pids', ...(available.includes('cpu') ? ['cpu'] : [])];
  const enable = want.map((c) => `+${c}`).join(' ');
  if (!tryWrite(path.join(ownDir, 'cgroup.subtree_control'), enable)) {
    const sup = path.join(ownDir, `${name}-supervisor`);
    fs.mkdirSync(sup, { recursive: true });
    fs.writeFileSync(path.join(sup, 'cgroup.procs'), String(process.pid));
    if (!tryWrite(path.join(ownDir, 'cgroup.subtree_control'), enable)) return null;
  }
  const parent = path.join(ownDir, name);
  fs.mkdirSync(parent, { recursive: true });
  if (!tryWrite(path.join(parent, 'cgroup.subtree_control'), enable)) return null;
  // cgroup.freeze is part of every v2 group (no controller to enable).
  return { version: 'v2', parents: { memory: parent, pids: parent, freezer: parent, ...(want.includes('cpu') ? { cpu: parent } : {}) } };
}

function detectV1(name: string): CgroupLayout | null {
  const mounts = readMountInfo().filter((m) => m.type === 'cgroup');
  const own = ownCgroupPaths();
  const parents: Partial<Record<Controller, string>> = {};
  for (const c of ['memory', 'pids', 'cpu', 'freezer'] as const) {
    const mount = mounts.find((m) => m.superOptions.includes(c));
    const ownPath = own.get(c);
    if (!mount || ownPath === undefined) continue;
    const dir = path.join(mount.mountPoint, path.relative(mount.root, ownPath), name);
    try {
      fs.mkdirSync(dir, { recursive: true });
      parents[c] = dir;
    } catch {
      // not writable (not root, no delegation): this controller stays unavailable
    }
  }
  if (!parents.memory || !parents.pids) return null;
  return { version: 'v1', parents };
}

/** Finds a usable cgroup hierarchy (v2 preferred when it has memory and pids, else v1) and creates our parent group. */
export function detectCgroups(name = `outrigger-${process.pid}`): CgroupLayout | null {
  try {
    const layout = detectV2(name) ?? detectV1(name);
    if (layout) sweepStaleGroups(layout);
    return layout;
  } catch {
    return null;
  }
}

/**
 * Removes what a server that died without cleaning up left behind (`outrigger-<pid>` of a pid that no longer runs).
 * This matters because of the freezer: on cgroup v1 a frozen task receives no signal, so a warm worker frozen when
 * its server was killed ignores --die-with-parent's SIGKILL and would wait for ever. Thaw, kill, remove.
 */
function sweepStaleGroups(layout: CgroupLayout): void {
  // Freezer first: a kill sent to a frozen task (v1) is only delivered once it is thawed.
  const byController = (Object.entries(layout.parents) as [Controller, string][]).sort(([a], [b]) => Number(b === 'freezer') - Number(a === 'freezer'));
  for (const [controller, parent] of byController) {
    const root = path.dirname(parent);
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(root);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const m = /^outrigger-(\d+)$/.exec(entry);
      if (!m || Number(m[1]) === process.pid || fs.existsSync(`/proc/${m[1]}`)) continue;
      const stale = path.join(root, entry);
      for (const group of safeReaddir(stale).filter((g) => g.startsWith('sb-'))) {
        const dir = path.join(stale, group);
        if (controller === 'freezer') tryWrite(path.join(dir, layout.version === 'v1' ? 'freezer.state' : 'cgroup.freeze'), layout.version === 'v1' ? 'THAWED' : '0');
        for (const pid of readPids(dir)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        try {
          fs.rmdirSync(dir);
        } catch {
          // still draining; the next start tries again
        }
      }
      try {
        fs.rmdirSync(stale);
      } catch {
        // not empty yet
      }
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function readPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The groups of one sandbox: created before launch, joined by the launcher's pids, removed after the last process exits. */
export class SandboxCgroup {
  private readonly dirs: Partial<Record<Controller, string>> = {};
  private baseOomKills = 0;
  /**
   * Counter files (pids.events, the OOM counter) and freezer files used on every invocation of a warm worker, kept
   * open: one pread at offset 0 re-generates a counter file's content, where readFileSync costs open + fstat + read +
   * close (the cgroup reads were a fifth of the warm path's CPU in the profile, bench/RESULTS.md). Task lists are
   * not read this way (see threadCount); the thread count comes from pids.current. Closed in remove().
   */
  private readonly openFiles = new Map<string, number>();
  private static readonly readBuffer = Buffer.alloc(64 * 1024);
  private removing = false;

  constructor(
    private readonly layout: CgroupLayout,
    readonly id: string,
    limits: SandboxCgroupLimits,
  ) {
    const v1 = layout.version === 'v1';
    for (const [c, parent] of Object.entries(layout.parents) as [Controller, string][]) {
      const dir = path.join(parent, id);
      fs.mkdirSync(dir, { recursive: true });
      this.dirs[c] = dir;
    }
    const mem = this.dirs.memory!;
    const pids = this.dirs.pids!;
    if (v1) {
      fs.writeFileSync(path.join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // With swap accounting the limit must cover memory+swap too, or the sandbox could swap past its limit.
      writeIfPresent(path.join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      tryWrite(path.join(mem, 'memory.swappiness'), '0'); // a preference, not a limit
    } else {
      fs.writeFileSync(path.join(mem, 'memory.max'), String(limits.memoryBytes));
      writeIfPresent(path.join(mem, 'memory.swap.max'), '0');
    }
    fs.writeFileSync(path.join(pids, 'pids.max'), String(limits.pids));
    const cpu = this.dirs.cpu;
    if (cpu && limits.cpuPercent > 0) {
      const period = 100_000;
      const quota = Math.max(1000, Math.round((period * limits.cpuPercent) / 100));
      // A limit that cannot be written fails the launch: never a sandbox weaker than configured.
      if (v1) {
        fs.writeFileSync(path.join(cpu, 'cpu.cfs_period_us'), String(period));
        fs.writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), String(quota));
      } else {
        fs.writeFileSync(path.join(cpu, 'cpu.max'), `${quota} ${period}`);
      }
    }
    this.baseOomKills = this.oomKills();
  }

  /** Moves a process into every group of this sandbox (called while the sandbox is blocked before exec). */
  join(pid: number): void {
    const seen = new Set<string>();
    for (const dir of Object.values(this.dirs)) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    }
  }

  /** The current content of one of this sandbox's cgroup files, through a kept-open descriptor; throws when unreadable. */
  private readCounter(controller: Controller, name: string): string {
    const file = path.join(this.dirs[controller]!, name);
    if (this.removing) return fs.readFileSync(file, 'latin1');
    let fd = this.openFiles.get(file);
    if (fd === undefined) {
      fd = fs.openSync(file, 'r');
      this.openFiles.set(file, fd);
    }
    const buf = SandboxCgroup.readBuffer;
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    // Longer than the buffer (a task list of thousands of threads): read it whole.
    return n < buf.length ? buf.toString('latin1', 0, n) : fs.readFileSync(file, 'latin1');
  }

  /** Writes a control file (freeze, thaw: once per idle period of a warm worker) through a kept-open descriptor. */
  private writeControl(dir: string, name: string, value: string): boolean {
    const file = path.join(dir, name);
    if (this.removing) return tryWrite(file, value);
    try {
      let fd = this.openFiles.get(file);
      if (fd === undefined) {
        fd = fs.openSync(file, 'w');
        this.openFiles.set(file, fd);
      }
      fs.writeSync(fd, value, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Pids still in the sandbox (the pids group sees every task of the sandbox). */
  pids(): number[] {
    try {
      const text = fs.readFileSync(path.join(this.dirs.pids!, 'cgroup.procs'), 'latin1');
      return text.split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  private oomKills(): number {
    const file = this.layout.version === 'v1' ? 'memory.oom_control' : 'memory.events';
    try {
      const m = /oom_kill (\d+)/.exec(this.readCounter('memory', file));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** True when the kernel OOM-killed something in this sandbox since creation (or since the last reset). */
  oomKilled(): boolean {
    return this.oomKills() > this.baseOomKills;
  }

  /** Number of times a fork was refused because of pids.max. */
  pidsLimitHits(): number {
    try {
      const m = /max (\d+)/.exec(this.readCounter('pids', 'pids.events'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** Memory limit breaches short of an OOM kill (v1 failcnt / v2 max events). */
  memoryPressure(): number {
    try {
      if (this.layout.version === 'v1') return Number(fs.readFileSync(path.join(this.dirs.memory!, 'memory.failcnt'), 'utf8'));
      const m = /max (\d+)/.exec(fs.readFileSync(path.join(this.dirs.memory!, 'memory.events'), 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** Whether this sandbox can be frozen (a freezer controller, or cgroup v2). */
  get canFreeze(): boolean {
    return this.dirs.freezer !== undefined;
  }

  /**
   * Stops every task of the sandbox from being scheduled (between invocations of a warm worker, so that nothing the
   * code left behind, a thread or a timer, can use CPU while it is not running an invocation). Returns false when
   * the freeze could not be requested.
   */
  freeze(): boolean {
    const dir = this.dirs.freezer;
    if (!dir) return false;
    return this.layout.version === 'v1' ? this.writeControl(dir, 'freezer.state', 'FROZEN') : this.writeControl(dir, 'cgroup.freeze', '1');
  }

  /** Lets the sandbox run again (before an invocation, and before a kill: v1 delivers no signal to frozen tasks). */
  thaw(): boolean {
    const dir = this.dirs.freezer;
    if (!dir) return false;
    return this.layout.version === 'v1' ? this.writeControl(dir, 'freezer.state', 'THAWED') : this.writeControl(dir, 'cgroup.freeze', '0');
  }

  /**
   * Threads of every process in the sandbox; 0 when unreadable. The pids controller's `pids.current` counts exactly
   * these (every task, threads included, v1 and v2) and is a counter file, so it is read through the kept-open
   * descriptor with one pread. The task list (v1 `tasks`, v2 `cgroup.threads`) is the fallback, opened afresh each
   * time: cgroup v1 keeps the task list of an open file for a second (the pidlist cache), so a kept-open descriptor
   * would miss a thread started meanwhile.
   */
  threadCount(): number {
    try {
      const n = Number.parseInt(this.readCounter('pids', 'pids.current'), 10);
      if (Number.isFinite(n)) return n;
    } catch {
      // no pids.current (never seen on a kernel with the pids controller): count the task list
    }
    const file = this.layout.version === 'v1' ? 'tasks' : 'cgroup.threads';
    try {
      const text = fs.readFileSync(path.join(this.dirs.pids!, file), 'latin1');
      let n = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
      return n;
    } catch {
      return 0;
    }
  }

  /** SIGKILLs every process left in the sandbox (v2: cgroup.kill), a backstop to the pid-namespace teardown. */
  killAll(): void {
    this.thaw();
    const procs = path.join(this.dirs.pids!, 'cgroup.kill');
    if (this.layout.version === 'v2' && tryWrite(procs, '1')) return;
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /**
   * Waits until no task of the sandbox runs any more (zombies waiting for the host's init to reap them do not
   * count), killing again on every round. The outer bwrap exiting does not prove it: the namespace's pid 1
   * gets its SIGKILL through PDEATHSIG, asynchronously, and takes the rest of the namespace down after that.
   */
  async waitNoneRunning(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const running = this.pids().filter(processRunning);
      if (running.length === 0) return true;
      if (Date.now() > until) return false;
      this.killAll();
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Removes the groups; retries briefly because the kernel releases a group a moment after its last task exits. */
  async remove(): Promise<void> {
    this.removing = true;
    for (const fd of this.openFiles.values()) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.openFiles.clear();
    for (let attempt = 0; attempt < 50; attempt++) {
      let left = 0;
      for (const dir of new Set(Object.values(this.dirs))) {
        try {
          fs.rmdirSync(dir);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left++;
        }
      }
      if (left === 0) return;
      this.killAll();
      await new Promise((r) => setTimeout(r, 10 + attempt * 5));
    }
  }
}

/** Whether a host pid is still a running (not zombie, not reaped) process. */
function processRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> …": comm may contain spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Removes our parent groups on shutdown (they are empty once every sandbox is gone). */
export function removeCgroupParents(layout: CgroupLayout): void {
  for (const dir of new Set(Object.values(layout.parents))) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // still in use or already gone
    }
  }
}
