// The maintenance loop of a real server applies OUTRIGGER_EXECUTION_RETENTION_DAYS (ExecutionsService.purgeBefore) and
// reports itself in /readyz like every background loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { DIALECTS } from '../helpers/dialects.js';
import { waitFor } from '../helpers/wait.js';

describe.each(DIALECTS)('maintenance loop on %s', (dialect) => {
  let s: TestServer;
  let up: Upstream;
  beforeAll(async () => {
    up = await startUpstream((_req, res) => json(res, 200, { ok: true }));
    s = await startTestServer(dialect, { executionRetentionDays: 2 });
    await s.api('PUT', '/api/executors/ping', { name: 'ping', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/ping` } });
  });
  afterAll(async () => {
    await s?.close();
    await up?.close();
  });

  it('is a loop of /readyz that has run once at start', async () => {
    await waitFor(() => s.o.maintenance.status().lastSuccessAt !== null, 'the first maintenance pass');
    const ready = await s.api('GET', '/readyz');
    expect(ready.body.checks.loops.loops.find((l: { name: string }) => l.name === 'maintenance')).toMatchObject({ state: 'waiting', lastError: null });
  });

  it('deletes executions past the retention and keeps the others', async () => {
    const old = await s.api('POST', '/api/executors/ping/invoke', { input: {} });
    const recent = await s.api('POST', '/api/executors/ping/invoke', { input: {} });
    // Three days ago and one day ago: only the first is past a retention of two days.
    await s.o.store.db.updateTable('executions').set({ finished_at: Date.now() - 3 * 86_400_000 }).where('id', '=', old.body.executionId).execute();
    await s.o.store.db.updateTable('executions').set({ finished_at: Date.now() - 86_400_000 }).where('id', '=', recent.body.executionId).execute();
    s.o.maintenance.wake();
    await waitFor(async () => (await s.api('GET', `/api/executions/${old.body.executionId}`)).status === 404, 'the old execution purged');
    expect((await s.api('GET', `/api/executions/${recent.body.executionId}`)).status).toBe(200);
  });
});
