// The maintenance loop on the shared runner: every task runs each pass, a failing one is named in the loop's last
// error (and /readyz) without keeping the others from running, and the loop is healthy again once it passes.
import { describe, expect, it } from 'vitest';
import { maintenanceLoop } from './maintenance.js';
import { DatabaseUnavailableError } from '../store/db-errors.js';
import { waitFor } from '../../test/helpers/wait.js';

const log = { warnings: [] as string[], warn(_obj: object, msg: string) { this.warnings.push(msg); } };

describe('maintenance loop', () => {
  it('runs every task, names the failing one and recovers', async () => {
    const ran: string[] = [];
    let broken = true;
    const loop = maintenanceLoop({
      intervalMs: 60_000, log, clock: () => 42,
      tasks: [
        { name: 'tokens', run: async (now) => { ran.push(`tokens@${now}`); } },
        { name: 'executions retention', run: async () => { if (broken) throw new Error('disk on fire'); ran.push('executions'); } },
        { name: 'events retention', run: async () => { ran.push('events'); } },
      ],
    });
    expect(loop.name).toBe('maintenance');
    loop.start();
    try {
      await waitFor(() => loop.status().state === 'backoff', 'the failing pass');
      expect(ran).toEqual(['tokens@42', 'events']);
      expect(loop.status().lastError).toBe('executions retention: disk on fire');
      broken = false;
      loop.wake();
      await waitFor(() => loop.status().state === 'waiting', 'a clean pass');
      expect(ran.slice(2)).toEqual(['tokens@42', 'executions', 'events']);
      expect(loop.status()).toMatchObject({ failures: 0, lastSuccessAt: expect.any(String) });
    } finally {
      await loop.stop();
    }
  });

  it('several failures are listed together; the database away is passed on as such (the runner’s quiet back-off)', async () => {
    const two = maintenanceLoop({
      intervalMs: 60_000, log,
      tasks: [
        { name: 'a', run: async () => { throw new Error('one'); } },
        { name: 'b', run: async () => { throw new Error('two'); } },
      ],
    });
    const away = maintenanceLoop({
      intervalMs: 60_000, log,
      tasks: [{ name: 'a', run: async () => { throw new DatabaseUnavailableError('db gone'); } }, { name: 'b', run: async () => { throw new DatabaseUnavailableError('db gone'); } }],
    });
    two.start();
    away.start();
    try {
      await waitFor(() => two.status().state === 'backoff' && away.status().state === 'backoff', 'both failing');
      expect(two.status().lastError).toBe('a: one; b: two');
      expect(away.status().lastError).toBe('db gone');
    } finally {
      await two.stop();
      await away.stop();
    }
  });
});
