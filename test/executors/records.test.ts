// Execution records: sizes capped with a marker (the caller still gets everything), retention purges old records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExecutionsBefore } from '../../src/executors/executions.repository.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

describe('execution records', () => {
  let s: TestServer;
  let up: Upstream;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { executionFieldCapBytes: 4096 });
    up = await startUpstream((_req, res) => json(res, 200, { blob: 'x'.repeat(50_000) }));
    await s.api('PUT', '/api/executors/big', { name: 'big', type: 'apiCall', apiCall: { method: 'POST', url: `${up.url}/big` } });
  });
  afterAll(async () => {
    await up.close();
    await s.close();
  });

  it('stores input and output capped, with a truncation marker, while the caller gets the whole output', async () => {
    const r = await s.api('POST', '/api/executors/big/invoke', { input: { text: 'y'.repeat(20_000) } });
    expect(r.body.output.blob).toHaveLength(50_000);
    const rec = await s.api('GET', `/api/executions/${r.body.executionId}`);
    expect(rec.body.output._truncated).toBe(true);
    expect(rec.body.output.bytes).toBeGreaterThan(50_000);
    expect(rec.body.input._truncated).toBe(true);
    const row = await s.o.store.db.selectFrom('executions').select(['input', 'output']).where('id', '=', r.body.executionId).executeTakeFirstOrThrow();
    expect(row.output!.length).toBeLessThanOrEqual(4096 + 100);
    expect(row.input!.length).toBeLessThanOrEqual(4096 + 100);
  });

  it('retention deletes records that finished before the cut-off and keeps newer ones', async () => {
    const old = await s.api('POST', '/api/executors/big/invoke', { input: {} });
    await s.o.store.db.updateTable('executions').set({ finished_at: 1000 }).where('id', '=', old.body.executionId).execute();
    const fresh = await s.api('POST', '/api/executors/big/invoke', { input: {} });
    expect(await purgeExecutionsBefore(s.o.store.db, Date.now() - 86_400_000)).toBe(1);
    expect((await s.api('GET', `/api/executions/${old.body.executionId}`)).status).toBe(404);
    expect((await s.api('GET', `/api/executions/${fresh.body.executionId}`)).status).toBe(200);
  });
});
