// What the kernel's cgroups say about the sandboxes of a server process: their tasks and which are frozen.
import fs from 'node:fs';
import path from 'node:path';

/** Tasks in the pids groups a server of this pid created (its sandboxes), found from our own pids cgroup. */
export function sandboxTasks(serverPid: number): { dir: string; tasks: number } {
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /:pids:/.test(l) || l.startsWith('0::'));
  const v1 = /:pids:(.*)$/.exec(own ?? '');
  const base = v1 ? path.join('/sys/fs/cgroup/pids', v1[1]!) : path.join('/sys/fs/cgroup', /^0::(.*)$/.exec(own ?? '')?.[1] ?? '/');
  const dir = path.join(base, `outrigger-${serverPid}`);
  let tasks = 0;
  if (fs.existsSync(dir)) {
    for (const g of fs.readdirSync(dir).filter((d) => d.startsWith('sb-'))) {
      tasks += fs.readFileSync(path.join(dir, g, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).length;
    }
  }
  return { dir, tasks };
}

/** Sandboxes of that server whose freezer says FROZEN (v1 freezer.state, v2 cgroup.freeze = 1). */
export function frozenGroups(serverPid: number): number {
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = own.map((l) => /:freezer:(.*)$/.exec(l)).find(Boolean);
  const dir = v1 ? path.join('/sys/fs/cgroup/freezer', v1[1]!, `outrigger-${serverPid}`) : path.dirname(sandboxTasks(serverPid).dir) + `/outrigger-${serverPid}`;
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir).filter((g) => g.startsWith('sb-')).filter((g) => {
    const f = v1 ? path.join(dir, g, 'freezer.state') : path.join(dir, g, 'cgroup.freeze');
    const v = fs.readFileSync(f, 'utf8').trim();
    return v === 'FROZEN' || v === '1';
  }).length;
}
