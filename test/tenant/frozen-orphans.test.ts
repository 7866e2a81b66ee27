// A server killed with -9 while its warm workers are frozen leaves frozen sandboxes that ignore --die-with-parent
// (cgroup v1 delivers no signal to frozen tasks); the next start of a server on this machine sweeps them.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { createSandbox } from '../../src/executors/sandbox/index.js';
import { startServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { frozenGroups, sandboxTasks } from '../helpers/sandbox-cgroups.js';

const TOKEN = 'otr_orphan_admin_token_0123456789abcdef';

it('frozen warm workers of a killed server are thawed, killed and removed by the next start', async () => {
  const s = await startServerProcess(TOKEN);
  let pid = 0;
  try {
    pid = s.pid;
    const put = await s.api('PUT', '/api/executors/warm', { name: 'warm', type: 'code', code: { language: 'python', source: 'def handler(i, c):\n    return 1\n' } });
    expect(put.status).toBeLessThan(300);
    expect((await s.api('POST', '/api/executors/warm/invoke', { input: {} })).body.status).toBe('ok');
    expect(sandboxTasks(pid).tasks, 'the warm worker runs').toBeGreaterThan(0);
    // The idle worker is frozen shortly after its invocation (FREEZE_AFTER_IDLE_MS); kill the server only then.
    await waitFor(() => frozenGroups(pid) > 0, 'the idle worker to be frozen', 5000);
    s.child.kill('SIGKILL');
    await new Promise((r) => s.child.once('exit', r));
    // Frozen, the worker outlives its server (this is what the sweep exists for).
    expect(sandboxTasks(pid).tasks, 'frozen sandbox tasks left behind').toBeGreaterThan(0);
    const sb = await createSandbox({ dataDir: fs.mkdtempSync('/tmp/outrigger-sweep-'), limits: { sparesPerLanguage: 0 }, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    await sb.close();
    await waitFor(() => sandboxTasks(pid).tasks === 0, 'the stale sandboxes to be gone', 5000);
    await waitFor(() => {
      // A second start removes the then-empty groups if the first found them still draining.
      return !fs.existsSync(sandboxTasks(pid).dir) || (detectAgain(), !fs.existsSync(sandboxTasks(pid).dir));
    }, 'the stale cgroup directory to be removed', 5000);
  } finally {
    await s.stop();
  }
}, 60_000);

function detectAgain(): void {
  void import('../../src/executors/sandbox/cgroups.js').then((m) => {
    const l = m.detectCgroups(`outrigger-${process.pid}-sweep`);
    if (l) m.removeCgroupParents(l);
  });
}
