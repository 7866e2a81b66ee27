// Fairness between workspaces on a real server process with the real sandbox: workspace A floods 5,000 events
// while workspace B calls a webhook every 50 ms and publishes a few events; B's events start within 1 s of being
// enqueued (the server's own recorded times) and none of B's calls fails. The p99 comparison is bench (fairness).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFairness } from '../../bench/fairness.bench.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startPrivatePostgres, type PrivatePostgres } from '../faults/private-postgres.js';
import { DIALECTS } from '../helpers/dialects.js';

const TOKEN = 'otr_test_fairness_admin_0123456789abcdef';

for (const dialect of DIALECTS) {
  describe(`fairness between workspaces (${dialect}, server process, sandbox on)`, () => {
    let pgServer: PrivatePostgres | undefined;
    let server: ServerProcess;
    beforeAll(async () => {
      // PostgreSQL: a private cluster, so the server process owns a whole database (its tables in `public`).
      if (dialect === 'postgres') pgServer = await startPrivatePostgres();
      server = await startServerProcess(TOKEN, {
        OUTRIGGER_SANDBOX_SPARES: '1', ...(pgServer ? { DATABASE_URL: pgServer.url } : {}),
      });
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
      pgServer?.destroy();
    });

    it('starts B\'s events within 1 s while A\'s 5,000 wait, and every one of B\'s webhook calls answers', async () => {
      const r = await runFairness({ url: server.url, token: TOKEN }, { flood: 5_000, aloneCalls: 100, bEvents: 5, intervalMs: 50 });
      // For the report (not asserted: speed belongs in `npm run bench`).
      console.log(`fairness ${dialect}: ${JSON.stringify(r)}`);
      expect(r.aSucceeded).toBe(5_000);
      expect(r.bFailedCalls).toBe(0);
      expect(r.bStartDelaysMs).toHaveLength(5);
      for (const d of r.bStartDelaysMs) expect(d).toBeLessThan(1_000);
      expect(server.alive()).toBe(true);
    }, 300_000);
  });
}
