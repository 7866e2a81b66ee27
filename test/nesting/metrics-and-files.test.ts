// Server-wide data stays with the administrator: /metrics needs an admin token or the metrics token, and the
// SQLite database files (outrigger.db, -wal, -shm) are readable by the server's user only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { openStore } from '../../src/store/index.js';
import { expectHealthy, fakeRunningExecution } from './helpers.js';

const METRICS_TOKEN = 'metrics-scrape-token-0123456789';

for (const dialect of DIALECTS) {
  describe(`/metrics on ${dialect}`, () => {
    let s: TestServer;
    const scrape = (token?: string) => s.o.app.inject({ method: 'GET', url: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} });

    beforeAll(async () => {
      s = await startTestServer(dialect, { metricsToken: METRICS_TOKEN });
    });
    afterAll(async () => {
      await s.close();
    });

    it('answers an admin token and the metrics token', async () => {
      for (const t of [ADMIN_TOKEN, METRICS_TOKEN]) {
        const r = await scrape(t);
        expect(r.statusCode).toBe(200);
        expect(r.body).toContain('outrigger_http_request_duration_seconds');
      }
    });

    it('refuses no token, a wrong one, and every role below admin (including an execution’s token)', async () => {
      expect((await scrape()).statusCode).toBe(401);
      expect((await scrape('metrics-scrape-token-0123456780')).statusCode).toBe(401);
      for (const role of ['developer', 'operator', 'viewer', 'invoker']) {
        const t = await s.api('POST', '/api/tokens', { name: `m-${role}`, role });
        const r = await scrape(t.body.token);
        expect(r.statusCode, role).toBe(403);
        expect(JSON.parse(r.body).code).toBe('FORBIDDEN');
      }
      const exe = await fakeRunningExecution(s);
      try {
        expect((await scrape(exe.token)).statusCode).toBe(403);
      } finally {
        exe.end();
      }
      await expectHealthy(s);
    });

    it('the metrics token opens nothing else', async () => {
      expect((await s.api('GET', '/api/executors', undefined, METRICS_TOKEN)).status).toBe(401);
      expect((await s.api('GET', '/readyz', undefined, METRICS_TOKEN)).status).toBe(401);
    });
  });
}

describe('SQLite file modes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await s.close();
  });

  const mode = (f: string) => fs.statSync(f).mode & 0o777;

  it('creates outrigger.db, -wal and -shm 0600', async () => {
    // A write, so that the WAL and its index certainly exist.
    expect((await s.api('PUT', '/api/storage/k', { value: 1 })).status).toBe(200);
    const db = path.join(s.dataDir, 'outrigger.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) {
      expect(fs.existsSync(f), f).toBe(true);
      expect(mode(f).toString(8), f).toBe('600');
    }
  });

  it('tightens the files of an existing database that were readable by others', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-modes-'));
    const file = path.join(dir, 'outrigger.db');
    try {
      const first = await openStore({ sqlitePath: file });
      await first.close();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o644);
      const again = await openStore({ sqlitePath: file });
      try {
        await again.db.selectFrom('workspaces').selectAll().execute();
        for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) expect(mode(f).toString(8), f).toBe('600');
        expect(mode(file).toString(8)).toBe('600');
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
