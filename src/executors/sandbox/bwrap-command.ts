// The argv of one sandboxed process: prlimit -> bwrap (namespaces, read-only binds, tmpfs) -> interpreter, and the fixed descriptor layout.
import fs from 'node:fs';

/** Fixed descriptor layout of every sandbox process (see sdk/PROTOCOL.md for 3 and 4). */
export const FD = {
  /** host -> sandbox JSON lines (invocations, SDK call results) */
  toSandbox: 3,
  /** sandbox -> host JSON lines (results, SDK calls, logs) */
  fromSandbox: 4,
  /** bwrap writes {"child-pid": …} here once the namespaces exist */
  info: 5,
  /** bwrap waits for one byte here before it starts the interpreter: the window where we join the cgroups */
  block: 6,
  /** seccomp program, read by bwrap */
  seccomp: 7,
  /** first of the data files copied into the sandbox (the user's source) */
  firstData: 8,
} as const;

export interface Bind {
  src: string;
  dest: string;
}

export interface LaunchSpec {
  bwrap: string;
  prlimit: string | null;
  /** Interpreter argv as seen inside the sandbox. */
  argv: string[];
  env: Record<string, string>;
  /** Host paths bound read-only at the same path (runtime prefixes). */
  roBinds: string[];
  /** Other read-only binds (SDK, dependency tree). */
  roBindsAt: Bind[];
  /** Read-write binds (only the egress proxy socket). */
  rwBindsAt: Bind[];
  /** Files created inside the sandbox from our data (read-only, e.g. /code/main.py). */
  dataFiles: { dest: string; data: string }[];
  tmpBytes: number;
  cpuSeconds: number;
  openFiles: number;
  seccomp: boolean;
  /** Keep the host's network namespace (`outrigger run --inspect` only: the debugger's port must be reachable). */
  shareNet?: boolean;
}

/** Whether /lib, /lib64, /bin, /sbin are symlinks into /usr here (merged /usr) or real directories to bind. */
function rootLinks(): { path: string; target: string | null }[] {
  const out: { path: string; target: string | null }[] = [];
  for (const p of ['/lib', '/lib64', '/lib32', '/libx32', '/bin', '/sbin']) {
    try {
      const st = fs.lstatSync(p);
      out.push({ path: p, target: st.isSymbolicLink() ? fs.readlinkSync(p) : null });
    } catch {
      // absent on this system
    }
  }
  return out;
}

const ROOT_LINKS = rootLinks();

/** The whole command line: [command, ...args]; never passed through a shell. */
export function buildCommand(spec: LaunchSpec): { command: string; args: string[] } {
  const a: string[] = [];
  // Namespaces: new user, pid, net, ipc, uts, cgroup and mount namespaces. --unshare-pid hides host processes
  // and makes the pid-1 teardown kill setsid/double-forked children; --unshare-net leaves only a private `lo`.
  a.push('--unshare-all', '--unshare-user');
  // An inspected local run only (never the server): a debugger port in a private network namespace is unreachable
  // from the IDE, so the code gets the host's network; `outrigger run --inspect` says so on stderr.
  if (spec.shareNet) a.push('--share-net');
  // No nested user namespaces inside: closes the usual route to kernel bugs reachable only with (userns) caps.
  a.push('--disable-userns');
  // The sandbox dies with the server (PR_SET_PDEATHSIG), so a crashed server leaves no orphans.
  a.push('--die-with-parent');
  // setsid(): the code has no controlling terminal, so it cannot inject keystrokes (TIOCSTI) into ours.
  a.push('--new-session');
  // An unprivileged identity with no capabilities at all, even inside its own namespace.
  a.push('--uid', '65534', '--gid', '65534', '--cap-drop', 'ALL');
  a.push('--hostname', 'sandbox');
  // Only the listed variables exist inside (bwrap itself is also spawned with an empty environment, because
  // its pid-1 reaper keeps bwrap's environment and is visible as /proc/1/environ).
  a.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) a.push('--setenv', k, v);
  // The runtime: /usr read-only, plus the merged-/usr symlinks or the real directories where not merged.
  a.push('--ro-bind', '/usr', '/usr');
  for (const l of ROOT_LINKS) {
    if (l.target !== null) a.push('--symlink', l.target, l.path);
    else a.push('--ro-bind', l.path, l.path);
  }
  for (const p of spec.roBinds) a.push('--ro-bind', p, p);
  // Binds below /tmp (an inspected run's dependency tree next to the user's file there) go after the tmpfs, which would hide them.
  const underTmp = (b: Bind) => b.dest.startsWith('/tmp/');
  for (const b of spec.roBindsAt.filter((x) => !underTmp(x))) a.push('--ro-bind', b.src, b.dest);
  for (const b of spec.rwBindsAt) a.push('--bind', b.src, b.dest);
  // A /proc of the sandbox's own pid namespace, and a minimal /dev (null, zero, urandom, tty, …).
  a.push('--proc', '/proc', '--dev', '/dev');
  // Private, size-capped scratch space; tmpfs pages are also charged to the memory cgroup.
  a.push('--size', String(spec.tmpBytes), '--perms', '1777', '--tmpfs', '/tmp');
  a.push('--size', String(spec.tmpBytes), '--perms', '1777', '--tmpfs', '/dev/shm');
  for (const b of spec.roBindsAt.filter(underTmp)) a.push('--ro-bind', b.src, b.dest);
  spec.dataFiles.forEach((f, i) => a.push('--perms', '0444', '--ro-bind-data', String(FD.firstData + i), f.dest));
  a.push('--info-fd', String(FD.info), '--block-fd', String(FD.block));
  if (spec.seccomp) a.push('--seccomp', String(FD.seccomp));
  // Last: /dev and the whole root become read-only, so the only writable places are /tmp and /dev/shm.
  a.push('--remount-ro', '/dev', '--remount-ro', '/');
  a.push('--chdir', '/tmp', '--', ...spec.argv);
  if (!spec.prlimit) return { command: spec.bwrap, args: a };
  // rlimits set on bwrap are inherited by the interpreter: CPU seconds (SIGXCPU on busy loops, a backstop
  // to the wall-clock deadline), open files, and no core dumps (they could leak memory contents to disk).
  const limits = [`--cpu=${spec.cpuSeconds}`, `--nofile=${spec.openFiles}`, '--core=0'];
  return { command: spec.prlimit, args: [...limits, '--', spec.bwrap, ...a] };
}
